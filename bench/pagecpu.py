"""CPU milliseconds a request of each path costs, in one process (Django's test client,
anonymous, bench.settings), against a loaded bench database:

    python bench/pagecpu.py 10000 /meetings/ /bench/plain/meetings/     # N=50 requests each

On a shared machine wall times move from one minute to the next with the other processes'
load; the Python process's CPU time (`time.process_time`) moves much less, so a page and
its twin measured this way a second apart say where the framework's time goes. Also
printed: the wall time, the time spent in `cursor.execute` (the database's round trips)
and in `render` (the template engine). PUBLIC_PAGE_CACHE=True measures the cached pages.
"""

from __future__ import annotations

import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api  # noqa: E402


def main() -> None:
    size = int(sys.argv[1])
    os.environ.update(api.bench_env(f"secmods_bench_{size}", 8031))
    os.environ.setdefault("PUBLIC_PAGE_CACHE", "False")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from secmods.register import views

    spent: defaultdict[str, float] = defaultdict(float)
    render = views.render

    def timed_render(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return render(*args, **kwargs)
        finally:
            spent["render"] += time.perf_counter() - start

    def timed_execute(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent["sql"] += time.perf_counter() - start

    views.render = timed_render  # type: ignore[assignment]
    client = Client(HTTP_HOST="127.0.0.1")
    count = int(os.environ.get("N", "50"))
    for path in sys.argv[2:]:
        assert client.get(path).status_code == 200, path  # templates compiled, caches warm
        spent.clear()
        with connection.execute_wrapper(timed_execute):
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(count):
                client.get(path)
            wall = (time.perf_counter() - wall) / count * 1000
            cpu = (time.process_time() - cpu) / count * 1000
        sql, rendering = (spent[key] / count * 1000 for key in ("sql", "render"))
        print(f"{path}: cpu {cpu:.2f} ms, wall {wall:.2f} ms", end=" ")
        print(f"(execute {sql:.2f}, render {rendering:.2f})")


if __name__ == "__main__":
    main()
