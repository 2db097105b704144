"""The real clients of the conformance pass, found or refused loudly.

The programs come from package registries only: ical.js, node-ical and the Nu checker's jar
(vnu-jar) from npm into this folder's node_modules (`npm ci --ignore-scripts`: vnu-jar's
install script would download a Java of its own), run with Debian's Java
(default-jre-headless); vobject and feedparser from the lock file. With CI=true a missing
tool fails the test; elsewhere the test skips and says how to install it.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL = "cd tests/conformance && npm ci --ignore-scripts"

# What each tool said, for the summary printed at the end of the run.
VERDICTS: dict[str, list[str]] = {}


def missing(message: str) -> None:
    """A tool the pass needs is not there: fail in CI, skip with the reason elsewhere."""
    if IN_CI:
        pytest.fail(f"conformance tool missing in CI: {message}", pytrace=False)
    pytest.skip(message)


def python_tool(module: str) -> Any:
    """Import a validator from the lock file, or refuse as `missing` does."""
    try:
        return importlib.import_module(module)
    except ImportError:
        missing(f"{module} is not installed: make lock, then pip install -r requirements.lock")


def record(tool: str, verdict: str) -> None:
    VERDICTS.setdefault(tool, []).append(verdict)


def npm_version(package: str) -> str:
    manifest = NODE_MODULES / package / "package.json"
    return json.loads(manifest.read_text())["version"]


@pytest.fixture(scope="session")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        missing("node is not installed (apt-get install -y nodejs npm)")
    assert found is not None
    for package in ("ical.js", "node-ical"):
        if not (NODE_MODULES / package / "package.json").exists():
            missing(f"{package} is not installed: {INSTALL}")
    return found


@pytest.fixture(scope="session")
def read_ics(node: str) -> Callable[[str, list[Path]], dict[str, list[dict[str, Any]]]]:
    """read_ics("icaljs" | "nodeical", files) -> {file: [event, ...]} as the client reads it."""

    def run(reader: str, files: list[Path]) -> dict[str, list[dict[str, Any]]]:
        result = subprocess.run(
            [node, str(HERE / "read-ics.mjs"), reader, *map(str, files)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, f"{reader} failed:\n{result.stderr}"
        return json.loads(result.stdout)

    return run


@pytest.fixture(scope="session")
def vnu() -> Callable[[list[Path]], list[dict[str, Any]]]:
    """vnu(files) -> the Nu checker's messages (errors and warnings) for those HTML files."""
    java = shutil.which("java")
    if java is None:
        missing("Java is not installed (apt-get install -y default-jre-headless)")
    if not VNU_JAR.exists():
        missing(f"the Nu checker is not installed: {INSTALL}")
    assert java is not None

    def run(files: list[Path]) -> list[dict[str, Any]]:
        result = subprocess.run(
            [java, "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always"]
            + [str(f) for f in files],
            capture_output=True,
            text=True,
            timeout=110,
            check=False,
        )
        assert result.returncode == 0, f"the Nu checker failed:\n{result.stderr[-2000:]}"
        # It writes its JSON report to stderr.
        return json.loads(result.stderr)["messages"]

    return run


def _versions() -> list[str]:
    lines = []
    for package in ("ical.js", "node-ical", "vnu-jar"):
        try:
            lines.append(f"{package} {npm_version(package)} (npm)")
        except OSError:
            lines.append(f"{package}: not installed")
    for package in ("vobject", "icalendar", "feedparser"):
        try:
            lines.append(f"{package} {metadata.version(package)} (PyPI)")
        except metadata.PackageNotFoundError:
            lines.append(f"{package}: not installed")
    java = shutil.which("java")
    if java:
        result = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
        lines.append(f"java: {result.stderr.splitlines()[0] if result.stderr else '?'}")
    return lines


def pytest_terminal_summary(terminalreporter: Any) -> Iterator[None] | None:
    if not VERDICTS:
        return None
    terminalreporter.section("conformance: tools and verdicts")
    for line in _versions():
        terminalreporter.write_line(line)
    for tool, verdicts in sorted(VERDICTS.items()):
        for verdict in verdicts:
            terminalreporter.write_line(f"{tool}: {verdict}")
    return None
