"""Mutation testing of the SEC rules and the reminder dispatcher, module by module.

    .venv/bin/python scripts/mutants.py                 # every module (what `make mutants` runs)
    .venv/bin/python scripts/mutants.py dates lifecycle # some modules
    MUTANTS_JOBS=1 ...                                  # dispatch mutants at once (default 2)
    MUTANTS_FULL=1 ...                                  # every dispatch mutant, not the sample

mutmut 3.8 ([tool.mutmut] in pyproject.toml) copies secmods/ into mutants/ with every mutant
built in, and for each mutant runs the tests that reached the mutated function. Each module
is tested against its own test folder only: the rules against tests/rules/, the dispatcher
against tests/reminders/. pyproject.toml selects both folders; this script deselects the
other one (PYTEST_ADDOPTS=--deselect) and drops mutmut's test map between the two groups,
so a rules mutant is never killed by a reminders test.

A mutant counts as killed when a test failed or never finished (mutmut's "timeout"), as in
mutmut's own score. Mutants listed in docs/mutants.md as equivalent (no test can tell them
from the original) are reported apart and left out of the percentage.
See docs/mutants.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).parent / "mutmut"
EQUIVALENTS_DOC = ROOT / "docs" / "mutants.md"
TEST_FOLDERS = ("tests/rules/", "tests/reminders/")

# The dispatcher has about 570 mutants and its tests use the database and the broker: on
# two cores the whole run takes over an hour. The sample is systematic, not random: the
# mutants whose number within their function ends in 1, 4 or 7 (mutmut numbers each
# function's mutants from 1), so every function contributes, the first mutant of each
# included, and about 3 in 10 of the rest.
DISPATCH_SAMPLE = ("*__mutmut_*1", "*__mutmut_*4", "*__mutmut_*7")


@dataclass(frozen=True)
class Module:
    name: str
    path: str
    tests: str
    sample: tuple[str, ...] = ()
    # Each mutant is a new pytest session, and migrating a new test database costs more
    # than most mutants' tests. tests/rules/ has no transactional test (none flushes the
    # data the migrations wrote), so its group keeps one SQLite test database for the whole
    # run (--reuse-db), made afresh at the group's start, and tests one mutant at a time so
    # that two sessions never wait on each other's write lock. tests/reminders/ flushes
    # (test_worker), so each of its sessions migrates its own in-memory database.
    reuse_db: bool = False

    @property
    def key_prefix(self) -> str:
        return self.path.removesuffix(".py").replace("/", ".") + "."

    def patterns(self) -> list[str]:
        if self.sample and not os.environ.get("MUTANTS_FULL"):
            return [self.key_prefix + pattern for pattern in self.sample]
        return [self.key_prefix + "*"]


MODULES = [
    Module("working_days", "secmods/rules/working_days.py", "tests/rules/", reuse_db=True),
    Module("dates", "secmods/rules/dates.py", "tests/rules/", reuse_db=True),
    Module("references", "secmods/rules/references.py", "tests/rules/", reuse_db=True),
    Module("lifecycle", "secmods/rules/lifecycle.py", "tests/rules/", reuse_db=True),
    Module("change_board", "secmods/rules/change_board.py", "tests/rules/", reuse_db=True),
    Module("choices", "secmods/rules/choices.py", "tests/rules/", reuse_db=True),
    Module("dispatch", "secmods/reminders/dispatch.py", "tests/reminders/", DISPATCH_SAMPLE),
]

# mutmut's exit codes (mutmut/stats.py): 1 and 3 a failing test, timeouts by signal.
KILLED = {1, 3}
TIMEOUT = {36, -24, 24, 152, 255}
SURVIVED = {0}
STATUS: dict[int | None, str] = {0: "survived", None: "not run", 33: "no tests", 5: "no tests"}


def equivalents() -> dict[str, str]:
    """Mutant name -> reason, from the list lines (- `secmods....__mutmut_3`: why) of the
    docs' "## Equivalent mutants" section."""
    if not EQUIVALENTS_DOC.exists():
        return {}
    line = re.compile(r"^\s*[-*]\s+`(secmods\.[^`]+__mutmut_\d+)`\s*[:—-]\s*(.+)$")
    found, inside = {}, False
    for text in EQUIVALENTS_DOC.read_text().splitlines():
        if text.startswith("## "):
            inside = text.strip() == "## Equivalent mutants"
        elif inside and (match := line.match(text)):
            found[match[1]] = match[2].strip()
    return found


def test_db(module: Module) -> Path:
    return ROOT / "mutants" / f"test-{module.tests.strip('/').replace('/', '-')}.sqlite3"


def run(module: Module, jobs: int) -> int:
    others = [folder for folder in TEST_FOLDERS if folder != module.tests]
    env = dict(os.environ)
    # On SQLite, whatever database the shell points at.
    env.pop("DATABASE_URL", None)
    env.pop("TEST_DATABASE_NAME", None)
    options = [env.get("PYTEST_ADDOPTS", ""), *(f"--deselect={folder}" for folder in others)]
    if module.reuse_db:
        env["TEST_DATABASE_NAME"] = str(test_db(module))
        options.append("--reuse-db")
        jobs = 1
    env["PYTEST_ADDOPTS"] = " ".join(options).strip()
    command = [str(MUTMUT), "run", "--max-children", str(jobs), *module.patterns()]
    print(f"\n== {module.name}: {' '.join(command[1:])}", flush=True)
    log = ROOT / "mutants" / f"{module.name}.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as out:
        return subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=out).returncode


def results(module: Module) -> dict[str, int | None]:
    meta = ROOT / "mutants" / f"{module.path}.meta"
    if not meta.exists():
        return {}
    codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
    if module.sample and not os.environ.get("MUTANTS_FULL"):
        from fnmatch import fnmatch

        patterns = module.patterns()
        codes = {k: v for k, v in codes.items() if any(fnmatch(k, p) for p in patterns)}
    return codes


def summarise(module: Module, codes: dict[str, int | None], known: dict[str, str]) -> str:
    equivalent = {k for k in codes if k in known}
    counted = {k: v for k, v in codes.items() if k not in equivalent}
    caught = sum(1 for v in counted.values() if v in KILLED | TIMEOUT)
    timeouts = sum(1 for v in counted.values() if v in TIMEOUT)
    other = Counter(STATUS.get(v, str(v)) for v in counted.values() if v not in KILLED | TIMEOUT)
    total = len(counted)
    share = f"{100 * caught / total:5.1f}%" if total else "    -"
    extra = ", ".join(f"{n} {what}" for what, n in sorted(other.items()))
    notes = [
        f"{timeouts} by timeout" if timeouts else "",
        f"{len(equivalent)} equivalent left out" if equivalent else "",
        extra,
        "sample" if module.sample and not os.environ.get("MUTANTS_FULL") else "",
    ]
    return f"{module.name:13} {caught:4} / {total:<4} {share}  " + "; ".join(n for n in notes if n)


def main(names: list[str]) -> int:
    chosen = [m for m in MODULES if not names or m.name in names]
    unknown = set(names) - {m.name for m in MODULES}
    if unknown:
        print(f"unknown module(s): {', '.join(sorted(unknown))}; know {[m.name for m in MODULES]}")
        return 2
    jobs = int(os.environ.get("MUTANTS_JOBS", "2"))
    known = equivalents()
    lines, survivors, failed = [], [], []
    previous_tests = None
    for module in chosen:
        if module.tests != previous_tests:
            # The test map mutmut keeps is for one test folder: rebuild it for the next.
            (ROOT / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
            for stale in (ROOT / "mutants").glob(test_db(module).name + "*"):
                stale.unlink()
            previous_tests = module.tests
        if run(module, jobs) != 0:
            failed.append(module.name)
        codes = results(module)
        lines.append(summarise(module, codes, known))
        print(lines[-1], flush=True)
        survivors += [k for k, v in sorted(codes.items()) if v in SURVIVED and k not in known]
    print("\nmodule        killed / total     (killed includes timeouts)")
    print("\n".join(lines))
    if survivors:
        print("\nsurvivors (see one with `.venv/bin/mutmut show NAME`):")
        print("\n".join(f"  {name}" for name in survivors))
    stale = [k for k in known if any(k.startswith(m.key_prefix) for m in chosen)]
    stale = [k for k in stale if any(results(m).get(k) in KILLED for m in chosen)]
    if stale:
        print("\nlisted as equivalent in docs/mutants.md but killed now (remove them):")
        print("\n".join(f"  {name}" for name in stale))
    (ROOT / "mutants" / "summary.txt").write_text("\n".join(lines) + "\n")
    if failed:
        print(f"\nmutmut failed for {', '.join(failed)}: see mutants/<module>.log")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
