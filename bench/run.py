"""`make bench`: load each data size, serve it with gunicorn (4 workers) on PostgreSQL, measure
the public pages and the API next to hand-written plain views, write bench/results.md and
bench/latency.png.

    BENCH_SIZES=100,1000,10000 BENCH_SECONDS=5 .venv/bin/python bench/run.py

Each size has a database of its own, secmods_bench_<size>, loaded once by bench/api.py's loader
(drop it to reload). wrk is used when installed, else bench/api.py's bounded Python generator.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api, twins  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8014"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100,1000,10000").split(",") if s]
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
# Every endpoint is measured ROUNDS times, the rounds interleaved (a page, then its plain
# twin, then the next page...), and each figure is the median of its rounds: a neighbour's
# burst of CPU then moves one round of both twins, not the table.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
COUNTED = [
    ("modifications", "modifications_modification"),
    ("milestones", "modifications_milestone"),
    ("meetings", "committees_meeting"),
    ("agenda items", "committees_agendaitem"),
    ("comments", "consultations_comment"),
    ("consultations", "consultations_consultation"),
    ("responses", "consultations_response"),
    ("answers", "consultations_answer"),
]
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
EXTRAS = os.environ.get("BENCH_EXTRAS", "1") != "0"
COUNTS: dict[int, dict[str, int]] = {}
LOADED: list[int] = []  # the sizes whose database this run created and loaded


def endpoints(size: int) -> list[tuple[str, str]]:
    """(label, path) pairs; each endpoint is followed by its plain twin (bench/plain_views.py)."""
    ref = f"MP{max(1, size // 2)}"
    meeting = twins.sample_meeting(f"secmods_bench_{size}", max(1, size // 2))
    return [
        ("register page `/`", "/"),
        ("  plain view, same rows", "/bench/plain/register/"),
        ("modification page `/modifications/MP<size/2>/`", f"/modifications/{ref}/"),
        ("  plain view, same rows", f"/bench/plain/modifications/{ref}/page/"),
        ("API list `/api/v1/modifications/?page_size=50`", "/api/v1/modifications/?page_size=50"),
        ("  plain view, same rows", "/bench/plain/modifications/?page_size=50"),
        ("API detail `/api/v1/modifications/MP<size/2>/`", f"/api/v1/modifications/{ref}/"),
        ("  plain view, same JSON", f"/bench/plain/modifications/{ref}/"),
        ("meeting list `/meetings/`", "/meetings/"),
        ("  plain view, same rows", "/bench/plain/meetings/"),
        ("meeting page `/meetings/<first of MP<size/2>>/`", f"/meetings/{meeting}/"),
        ("  plain view, same rows", f"/bench/plain/meetings/{meeting}/"),
        ("ICS `/calendar/meetings.ics`", "/calendar/meetings.ics"),
        ("  plain view, same rows", "/bench/plain/calendar/meetings.ics"),
        ("committee ICS `/calendar/committees/csc.ics`", "/calendar/committees/csc.ics"),
        ("  plain view, same rows", "/bench/plain/calendar/committees/csc.ics"),
        (
            "modification ICS `/modifications/MP<size/2>/calendar.ics`",
            f"/modifications/{ref}/calendar.ics",
        ),
        ("  plain view, same rows", f"/bench/plain/modifications/{ref}/calendar.ics"),
        ("Atom `/feeds/modifications.atom`", "/feeds/modifications.atom"),
        ("  plain view, same bytes", "/bench/plain/feeds/modifications.atom"),
        (
            "modification Atom `/modifications/MP<size/2>/feed.atom`",
            f"/modifications/{ref}/feed.atom",
        ),
        ("  plain view, same bytes", f"/bench/plain/modifications/{ref}/feed.atom"),
    ]


def measure(url: str, lua: str, seconds: int = SECONDS) -> dict[str, float]:
    if shutil.which("wrk"):
        return api.run_wrk(url, seconds, CONNECTIONS, lua)
    return api.run_python(url, seconds, CONNECTIONS)


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the rounds; errors are summed."""
    out = {key: statistics.median(r[key] for r in runs) for key in runs[0] if key != "errors"}
    out["errors"] = sum(r["errors"] for r in runs)
    return out


def row_counts(database: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(f"{api.PG}/{database}") as conn:
        return {
            # Table names from COUNTED above, not from input.
            label: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]  # noqa: S608
            for label, table in COUNTED
        }


def bench_size(size: int, lua: str) -> list[tuple[str, dict[str, float]]]:
    database = f"secmods_bench_{size}"
    if api.create_database(database, drop=False):
        LOADED.append(size)
    env = api.bench_env(database, PORT)
    env["BENCH_MODIFICATIONS"] = str(size)
    started = time.monotonic()
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, str(ROOT / "bench" / "api.py"), "--load-only", "--database", database],
        cwd=ROOT,
        env=env,
        check=True,
    )
    # Production settings use the manifest storage: the pages need collected static files.
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    print(f"[{size}] data ready in {time.monotonic() - started:.0f}s", flush=True)
    COUNTS[size] = row_counts(database)
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "bench.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "4",
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{PORT}"
    runs: dict[str, list[dict[str, float]]] = {}
    try:
        api.wait_for(base + "/api/v1/modifications/?page_size=1")
        # A twin is a yardstick only if it shows what its page shows (bench/twins.py).
        differences = twins.check_twins(base, f"MP{max(1, size // 2)}")
        if differences:
            sys.exit(
                f"[{size}] a plain twin shows other rows than its real page; fix the twin in "
                "bench/plain_views.py before measuring:\n  " + "\n  ".join(differences)
            )
        for _label, path in endpoints(size):
            api.wait_for(base + path)  # check it answers 200
            # Warm every worker (a worker's first page compiles its templates, ~250 ms),
            # so that p99 measures the page, not the start-up.
            measure(base + path, lua, seconds=1)
        for round_ in range(ROUNDS):
            for label, path in endpoints(size):
                result = measure(base + path, lua)
                runs.setdefault(path, []).append(result)  # by path: the twins share a label
                print(
                    f"[{size}] round {round_ + 1}/{ROUNDS} {label.strip()} {path}: "
                    f"{result['rps']:.1f} req/s p95 {result['p95_ms']:.1f} ms",
                    flush=True,
                )
        rows = [(label, median_of(runs[path])) for label, path in endpoints(size)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def machine(started_load: str) -> str:
    mem = next(
        line
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    ).split()[1]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n- machine: {os.cpu_count()} CPUs, "
        f"{int(mem) // 1024} MiB, {platform.platform()}\n"
        f"- load average (1, 5, 15 min) at the start {started_load}, at the end {load}\n"
        f"- commit: {commit}\n- load generator: "
        f"{'wrk' if shutil.which('wrk') else 'Python'} {CONNECTIONS} connections, "
        f"{ROUNDS} interleaved rounds of {SECONDS} s per endpoint (medians), "
        f"gunicorn 4 sync workers, PostgreSQL on the same machine\n"
    )


def plot(results: dict[int, list[tuple[str, dict[str, float]]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 5.5))
    sizes = sorted(results)
    colour = -1
    page = ""
    for i, (row_label, _) in enumerate(results[sizes[0]]):
        plain = row_label.startswith(" ")
        if not plain:  # a page and its twin share a colour; the twin is dashed
            colour += 1
            page = row_label.split(" `")[0]
        ys = [results[s][i][1]["p95_ms"] for s in sizes]
        ax.plot(
            sizes,
            ys,
            marker="o",
            color=f"C{colour}",
            linestyle="--" if plain else "-",
            label=f"{page}: plain twin" if plain else page,
        )
    ax.set_yscale("log")
    ax.set_xscale("log")
    ax.set_xlabel("modifications in the database")
    ax.set_ylabel("p95 latency (ms)")
    ax.set_title("secmods: p95 latency against data size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def extras() -> str:
    """Reminder dispatch and report import, by their own scripts; their output is appended."""
    out = []
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{api.PG}/secmods_bench_reminders",
        CELERY_BROKER_URL=os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/14"),
    )
    env.pop("TEST_DATABASE_NAME", None)
    for name, cmd in [
        (
            "reminder dispatch (10,000 due, 2 workers)",
            [sys.executable, "bench/reminders.py", "--reminders", "10000", "--workers", "2"],
        ),
        ("report import", [sys.executable, "bench/import_report.py"]),
    ]:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        # The figures are on stdout; stderr (Celery's root warnings) only when it failed.
        text = done.stdout if done.returncode == 0 else done.stdout + done.stderr
        tail = "\n".join(text.strip().splitlines()[-15:])
        out.append(f"\n## {name}\n\n```\n$ {' '.join(cmd[1:])}\n{tail}\n```\n")
    return "".join(out)


def data_table() -> str:
    sizes = sorted(COUNTS)
    lines = [
        "\n| rows in the database (bench/data.py) | "
        + " | ".join(f"{s:,}" for s in sizes)
        + " |\n",
        "|---|" + "---|" * len(sizes) + "\n",
    ]
    for label, _ in COUNTED:
        lines.append(f"| {label} | " + " | ".join(f"{COUNTS[s][label]:,}" for s in sizes) + " |\n")
    return "".join(lines) + "\n"


def main() -> None:
    began = time.monotonic()
    started_load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(api.LUA)
    results = {size: bench_size(size, f.name) for size in SIZES}
    lines = [
        "# `make bench` results\n",
        machine(started_load),
        data_table(),
        "| endpoint | "
        + " | ".join(f"{s:,} mods: req/s / p50 / p95 / p99 ms" for s in SIZES)
        + " |\n",
        "|---|" + "---|" * len(SIZES) + "\n",
    ]
    for i, (label, _) in enumerate(results[SIZES[0]]):
        cells = [
            f"{r['rps']:.0f} / {r['p50_ms']:.0f} / {r['p95_ms']:.0f} / {r['p99_ms']:.0f}"
            + (f" ({r['errors']} err)" if r["errors"] else "")
            for r in (results[s][i][1] for s in SIZES)
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |\n")
    text = "".join(lines)
    if EXTRAS:
        text += extras()
    text += (
        f"\n`make bench` ({', '.join(f'{s:,}' for s in SIZES)}"
        f"{' + reminder dispatch and report import' if EXTRAS else ''}) took "
        f"{(time.monotonic() - began) / 60:.1f} min end to end; databases created and loaded "
        f"in this run: {', '.join(f'{s:,}' for s in LOADED) or 'none (all reused)'}.\n"
    )
    (ROOT / "bench" / "results.md").write_text(text)
    plot(results, ROOT / "bench" / "latency.png")
    print(text)


if __name__ == "__main__":
    main()
