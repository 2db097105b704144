"""tests/conftest.py's xdist groups reach xdist: `make test` runs `--dist loadgroup`, and a
group marked too late (after xdist's worker has named the tests) is silently spread over
every worker."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# Three Python processes start (the run and its two workers): on a loaded two-core machine
# that alone took two minutes.
@pytest.mark.timeout(400)
def test_a_serial_group_runs_on_one_worker_and_a_named_group_keeps_its_name(tmp_path):
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import pytest_itemcollected  # noqa: F401\n"
    )
    (tmp_path / "test_grouped.py").write_text(
        "import pytest\n"
        "pytestmark = pytest.mark.faults\n"
        "@pytest.mark.parametrize('n', range(6))\n"
        "def test_fault(n):\n    pass\n"
        "@pytest.mark.xdist_group('own')\n"
        "def test_own():\n    pass\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p",
         "no:cacheprovider", "-W", "ignore::pytest.PytestUnknownMarkWarning", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=360,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    ran = re.findall(r"\[(gw\d)\] .*PASSED \S*::(test_\w+)(?:\[\d\])?(@\S+)?", result.stdout)
    faults = {(worker, group) for worker, name, group in ran if name == "test_fault"}
    assert len(faults) == 1 and next(iter(faults))[1] == "@faults", result.stdout
    assert [group for _, name, group in ran if name == "test_own"] == ["@own"], result.stdout
