"""The address `make run` serves on, and the site URL that follows from it.

Plain Python (no Django): config/settings.py reads it before Django is set up.
"""

from __future__ import annotations

DEFAULT_ADDR = "127.0.0.1:8000"


def site_url_for(addr: str) -> str:
    """The URL for links (emails, feeds) to a server started on `addr`, as runserver reads
    it: "8101", "127.0.0.1:8101", "0.0.0.0:8101", "[::1]:8101". A wildcard address names
    no host a reader can open, so links use the loopback address instead."""
    addr = addr.strip() or DEFAULT_ADDR
    if addr.isdecimal():
        return f"http://127.0.0.1:{addr}"
    if addr.startswith("["):
        host, _, port = addr[1:].partition("]")
        port = port.removeprefix(":") or "8000"
        host = "::1" if host == "::" else host
        return f"http://[{host}]:{port}"
    host, _, port = addr.rpartition(":")
    if not host:
        host, port = addr, "8000"
    if host in ("0.0.0.0", "0"):  # noqa: S104 - a bind address, not one we listen on
        host = "127.0.0.1"
    return f"http://{host}:{port}"
