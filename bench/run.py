"""`make bench`: load each data size, serve it with gunicorn (4 workers) on PostgreSQL, measure
the public pages and the API next to hand-written plain views (cold: the public page cache
off; warm: a second server start with it on), the admin pages a signed-in SECAS analyst
works in, write bench/results.md and bench/latency.png.

    BENCH_SIZES=100,1000,10000 BENCH_SECONDS=4 .venv/bin/python bench/run.py
    BENCH_SKIP=warm,reminders,import .venv/bin/python bench/run.py

Each size has a database of its own, secmods_bench_<size>, loaded once by bench/api.py's loader
(drop it to reload). wrk is used when installed, else bench/api.py's bounded Python generator.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api, twins  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8014"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100,1000,10000").split(",") if s]
SECONDS = int(os.environ.get("BENCH_SECONDS", "4"))
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
#: The analysts' pages: one analyst clicks one page at a time, so by default one connection
#: (with four, each p95 included the queueing behind three other requests on 2 cores).
ANALYST_CONNECTIONS = int(os.environ.get("BENCH_ANALYST_CONNECTIONS", "1"))
#: What a run can leave out (BENCH_SKIP=warm,analysts): the public pages with the page cache
#: off (cold) or on (warm), the analysts' admin pages, the reminder dispatch, the report import.
PHASES = ("cold", "warm", "analysts", "reminders", "import")
SKIP = {p.strip() for p in os.environ.get("BENCH_SKIP", "").split(",") if p.strip()}
if os.environ.get("BENCH_EXTRAS", "1") == "0":  # the older switch: no reminders, no import
    SKIP |= {"reminders", "import"}
if SKIP - set(PHASES):
    sys.exit(f"BENCH_SKIP: unknown phase(s) {', '.join(sorted(SKIP - set(PHASES)))}; "
             f"the phases are {', '.join(PHASES)}")  # fmt: skip
#: The ratio real ÷ twin req/s that issue 17 sets as targets (lines in latency.png).
RATIO_TARGETS = (0.5, 0.7, 2.0)
#: Each analyst's page must answer in under this (p95), at every size.
ANALYST_P95_MS = 300
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


def analyst_endpoints(paths: dict[str, str]) -> list[tuple[str, str]]:
    """(label, path) pairs of the admin pages a signed-in SECAS analyst works in (no twins:
    no plain view can stand in for the admin). `paths` comes from bench/analyst.py."""
    return [
        ("dashboard `/admin/`", "/admin/"),
        ("modification's admin page (MP<size/2>)", paths["change"]),
        ("changelist with a search `?q=forecast`", paths["changelist"]),
        ("a meeting's agenda page", paths["agenda"]),
    ]


def measure(
    url: str,
    lua: str,
    seconds: int = SECONDS,
    headers: dict[str, str] | None = None,
    connections: int = CONNECTIONS,
) -> dict[str, float]:
    if shutil.which("wrk"):
        return api.run_wrk(url, seconds, connections, lua, headers)
    return api.run_python(url, seconds, connections, headers)


def connections_for(group: str) -> int:
    return ANALYST_CONNECTIONS if group == "analysts" else CONNECTIONS


def ratios(rows: list[tuple[str, dict[str, float]]]) -> dict[str, float]:
    """Page label -> real ÷ twin req/s, for each page followed by its plain twin."""
    out = {}
    for (label, real), (twin_label, twin) in itertools.pairwise(rows):
        if not label.startswith(" ") and twin_label.startswith(" ") and twin["rps"]:
            out[label] = real["rps"] / twin["rps"]
    return out


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


Rows = list[tuple[str, dict[str, float]]]


def serve(env: dict[str, str], page_cache: bool) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "bench.wsgi:application",
            "--bind", f"127.0.0.1:{PORT}", "--workers", "4", "--worker-class", "sync",
            "--log-level", "warning", "--access-logfile", "/dev/null",
        ],
        cwd=ROOT,
        env={**env, "PUBLIC_PAGE_CACHE": str(page_cache)},
    )  # fmt: skip


def signed_in(url: str, cookie: str) -> None:
    """The analyst's page answers 200 itself (not the login page after a redirect)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        if response.status != 200 or response.url != url:
            sys.exit(f"{url}: the bench analyst is not let in (got {response.url})")


def measure_groups(
    size: int, base: str, lua: str, groups: dict[str, tuple[list[tuple[str, str]], dict[str, str]]]
) -> dict[str, Rows]:
    """Measure every (label, path) of every group (its endpoints, the headers they need),
    ROUNDS times interleaved; each row the median of its rounds."""
    for endpoints_, headers in groups.values():
        for _label, path in endpoints_:
            if headers:
                signed_in(base + path, headers["Cookie"])
            else:
                api.wait_for(base + path)  # check it answers 200
            # Warm every worker (a worker's first page compiles its templates, ~250 ms; a
            # cached page is stored), so that p99 measures the page, not the start-up:
            # with CONNECTIONS at once, so that each of the 4 workers gets a request.
            measure(base + path, lua, seconds=1, headers=headers)
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    for round_ in range(ROUNDS):
        for group, (endpoints_, headers) in groups.items():
            for label, path in endpoints_:
                result = measure(
                    base + path, lua, headers=headers, connections=connections_for(group)
                )
                runs.setdefault((group, path), []).append(result)  # by path: twins share a label
                print(
                    f"[{size}] {group} round {round_ + 1}/{ROUNDS} {label.strip()} {path}: "
                    f"{result['rps']:.1f} req/s p95 {result['p95_ms']:.1f} ms",
                    flush=True,
                )
    return {
        group: [(label, median_of(runs[(group, path)])) for label, path in endpoints_]
        for group, (endpoints_, _headers) in groups.items()
    }


def bench_size(size: int, lua: str) -> dict[str, Rows]:
    """{"cold": rows, "warm": rows, "analysts": rows} for one size (the phases not skipped)."""
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
    reference = f"MP{max(1, size // 2)}"
    analyst: dict[str, str] = {}
    if "analysts" not in SKIP:
        out = subprocess.run(
            [python, str(ROOT / "bench" / "analyst.py"), str(max(1, size // 2))],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        analyst = json.loads(out.strip().splitlines()[-1])
    base = f"http://127.0.0.1:{PORT}"
    results: dict[str, Rows] = {}
    # Cold: the page cache off, every page built; the analysts' pages are never cached, so
    # they are measured once, here. Warm: the same pages and twins from a second start with
    # the cache on.
    for phase, page_cache in (("cold", False), ("warm", True)):
        groups: dict[str, tuple[list[tuple[str, str]], dict[str, str]]] = {}
        if phase not in SKIP:
            groups[phase] = (endpoints(size), {})
        if phase == "cold" and analyst:
            groups["analysts"] = (analyst_endpoints(analyst), {"Cookie": analyst["cookie"]})
        if not groups:
            continue
        server = serve(env, page_cache)
        try:
            api.wait_for(base + "/api/v1/modifications/?page_size=1")
            # A twin is a yardstick only if it shows what its page shows (bench/twins.py).
            differences = twins.check_twins(base, reference)
            if differences:
                sys.exit(
                    f"[{size}] {phase}: a plain twin shows other rows than its real page; fix "
                    "the twin in bench/plain_views.py before measuring:\n  "
                    + "\n  ".join(differences)
                )
            results.update(measure_groups(size, base, lua, groups))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return results


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
        f"{'wrk' if shutil.which('wrk') else 'Python'} {CONNECTIONS} connections "
        f"(the analysts' pages: {ANALYST_CONNECTIONS}), "
        f"{ROUNDS} interleaved rounds of {SECONDS} s per endpoint (medians), "
        f"gunicorn 4 sync workers, PostgreSQL on the same machine\n"
        "- each cell: req/s / p50 / p95 / p99 ms; ratio: the page's req/s ÷ its plain twin's\n"
    )


def plot(results: dict[int, dict[str, Rows]], path: Path) -> None:
    """Left: p95 against the register's size (cold pages, their twins dashed, the analysts'
    pages dotted). Right: real ÷ twin req/s per page, cold (solid) and warm (dashed), with the
    targets as grey lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(16, 6))
    sizes = sorted(results)
    first = results[sizes[0]]
    colour = -1
    page = ""
    for i, (row_label, _) in enumerate(first.get("cold", first.get("warm", []))):
        plain = row_label.startswith(" ")
        if not plain:  # a page and its twin share a colour; the twin is dashed
            colour += 1
            page = row_label.split(" `")[0]
        phase = "cold" if "cold" in first else "warm"
        ax.plot(
            sizes,
            [results[s][phase][i][1]["p95_ms"] for s in sizes],
            marker="o",
            color=f"C{colour}",
            linestyle="--" if plain else "-",
            label=f"{page}: plain twin" if plain else f"{page} ({phase})",
        )
        if not plain:
            for style, phase_ in (("-", "cold"), ("--", "warm")):
                ys = [ratios(results[s].get(phase_, [])).get(row_label) for s in sizes]
                if any(y is not None for y in ys):
                    bx.plot(
                        sizes,
                        [y if y is not None else float("nan") for y in ys],
                        marker="o",
                        color=f"C{colour}",
                        linestyle=style,
                        label=f"{page} ({phase_})",
                    )
    for i, (row_label, _) in enumerate(first.get("analysts", [])):
        ax.plot(
            sizes,
            [results[s]["analysts"][i][1]["p95_ms"] for s in sizes],
            marker="s",
            color=f"C{colour + 1 + i}",
            linestyle=":",
            label=f"analyst: {row_label.split(' `')[0]}",
        )
    if "analysts" in first:
        ax.axhline(ANALYST_P95_MS, color="grey", linewidth=0.8)
        ax.annotate(f"{ANALYST_P95_MS} ms", (sizes[0], ANALYST_P95_MS), fontsize=8, color="grey")
    ax.set_yscale("log")
    ax.set_xscale("log")
    ax.set_xlabel("modifications in the database")
    ax.set_ylabel("p95 latency (ms)")
    ax.set_title("p95 latency against data size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    for target in RATIO_TARGETS:
        bx.axhline(target, color="grey", linewidth=0.8)
        bx.annotate(f"{target:g}", (sizes[0], target), fontsize=8, color="grey")
    bx.set_xscale("log")
    bx.set_yscale("log")
    bx.set_xlabel("modifications in the database")
    bx.set_ylabel("real ÷ plain twin, req/s")
    bx.set_title("the framework's cost: each page against its twin (cold solid, warm dashed)")
    bx.grid(True, which="both", alpha=0.3)
    bx.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.suptitle("secmods `make bench`")
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
    for phase, name, cmd in [
        (
            "reminders",
            "reminder dispatch (10,000 due, 2 workers)",
            [sys.executable, "bench/reminders.py", "--reminders", "10000", "--workers", "2"],
        ),
        ("import", "report import", [sys.executable, "bench/import_report.py"]),
    ]:
        if phase in SKIP:
            continue
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        # The figures are on stdout; stderr (Celery's root warnings) only when it failed.
        text = done.stdout if done.returncode == 0 else done.stdout + done.stderr
        tail = "\n".join(text.strip().splitlines()[-15:])
        out.append(f"\n## {name}\n\n```\n$ {' '.join(cmd[1:])}\n{tail}\n```\n")
        if phase == "reminders":
            REMINDERS.update(reminder_figures(text))
    return "".join(out)


#: The reminder run's figures for the table row (messages/s, bare loop, ratio, seconds).
REMINDERS: dict[str, str] = {}


def reminder_figures(text: str) -> dict[str, str]:
    """The figures bench/reminders.py prints, picked from its output."""
    figures = {}
    patterns = {
        "rate": r"throughput: (\d+) messages/second",
        "bare": r"bare smtplib loop into the same sink: (\d+) messages/second",
        "ratio": r"dispatch / bare = ([\d.]+)",
        "seconds": r"every row marked sent after ([\d.]+)s",
        "duplicates": r"duplicates: (\d+)",
    }
    for key, pattern in patterns.items():
        found = re.search(pattern, text)
        if found:
            figures[key] = found.group(1)
    figures["ok"] = "OK" if text.rstrip().endswith("OK") else "FAILED"
    return figures


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


def cell(r: dict[str, float]) -> str:
    return f"{r['rps']:.0f} / {r['p50_ms']:.0f} / {r['p95_ms']:.0f} / {r['p99_ms']:.0f}" + (
        f" ({r['errors']} err)" if r["errors"] else ""
    )


def table(title: str, results: dict[int, dict[str, Rows]], group: str, note: str) -> str:
    """One row per endpoint, for each size its cell and (on a page's row) real ÷ twin."""
    first = results[SIZES[0]][group]
    with_ratio = group in ("cold", "warm")
    head = "".join(
        f" {s:,} mods: req/s / p50 / p95 / p99 ms |" + (" ratio |" if with_ratio else "")
        for s in SIZES
    )
    lines = [
        f"\n### {title}\n\n{note}\n\n",
        f"| endpoint |{head}\n",
        "|---|" + ("---|---|" if with_ratio else "---|") * len(SIZES) + "\n",
    ]
    size_ratios = {s: ratios(results[s][group]) for s in SIZES}
    for i, (label, _) in enumerate(first):
        cells = []
        for s in SIZES:
            cells.append(cell(results[s][group][i][1]))
            if with_ratio:
                ratio = size_ratios[s].get(label)
                cells.append(f"**{ratio:.2f}**" if ratio is not None else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |\n")
    return "".join(lines)


def ratio_table(results: dict[int, dict[str, Rows]]) -> str:
    """At a glance: each page's real ÷ twin req/s, cold and warm, at every size."""
    phases = [p for p in ("cold", "warm") if p in results[SIZES[0]]]
    if not phases:
        return ""
    pages = [label for label, _ in results[SIZES[0]][phases[0]] if not label.startswith(" ")]
    lines = [
        "\n### Ratios at a glance: real ÷ plain twin req/s (targets "
        + " / ".join(f"{t:g}" for t in RATIO_TARGETS)
        + ")\n\n| page | "
        + " | ".join(f"{s:,} {p}" for s in SIZES for p in phases)
        + " |\n",
        "|---|" + "---|" * (len(SIZES) * len(phases)) + "\n",
    ]
    for page in pages:
        values = [ratios(results[s][p]).get(page) for s in SIZES for p in phases]
        lines.append(
            f"| {page} | "
            + " | ".join(f"{v:.2f}" if v is not None else "" for v in values)
            + " |\n"
        )
    return "".join(lines)


def reminder_row() -> str:
    if not REMINDERS:
        return ""
    r = REMINDERS
    return (
        "\n### Reminders (issue 17: 10,000 in under 40 s with 2 workers, at least 0.5x the bare "
        "smtplib loop, 0 duplicates)\n\n"
        "| run | sent in | dispatch msg/s | bare smtplib msg/s | ratio | duplicates | result |\n"
        "|---|---|---|---|---|---|---|\n"
        f"| 10,000 due reminders, 2 workers | {r.get('seconds', '?')} s | {r.get('rate', '?')} | "
        f"{r.get('bare', '?')} | **{r.get('ratio', '?')}** | {r.get('duplicates', '?')} | "
        f"{r['ok']} |\n"
    )


def main() -> None:
    began = time.monotonic()
    started_load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(api.LUA)
    results = {size: bench_size(size, f.name) for size in SIZES}
    groups = results[SIZES[0]]
    lines = ["# `make bench` results\n", machine(started_load), data_table()]
    if "cold" in groups:
        lines.append(
            table(
                "Public pages and API, cold (PUBLIC_PAGE_CACHE=False)",
                results,
                "cold",
                "Every page built for every request; ratio = real ÷ its plain twin's req/s.",
            )
        )
    if "warm" in groups:
        lines.append(
            table(
                "Public pages and API, warm (PUBLIC_PAGE_CACHE=True, a second server start)",
                results,
                "warm",
                "The same pages and the same twins, the public page cache on and filled by the "
                "warm-up second.",
            )
        )
    lines.append(ratio_table(results))
    if "analysts" in groups:
        lines.append(
            table(
                f"A signed-in SECAS analyst (target: p95 under {ANALYST_P95_MS} ms, flat in the "
                "register's size)",
                results,
                "analysts",
                "Staff user in the SECAS staff group (bench/analyst.py), cold server; "
                + (
                    "one analyst, one request at a time (BENCH_ANALYST_CONNECTIONS=1)."
                    if ANALYST_CONNECTIONS == 1
                    else f"{ANALYST_CONNECTIONS} requests at once "
                    f"(BENCH_ANALYST_CONNECTIONS={ANALYST_CONNECTIONS})."
                ),
            )
        )
    text = "".join(lines)
    extras_text = extras() if not {"reminders", "import"} <= SKIP else ""
    text += reminder_row() + extras_text
    skipped = f"; phases skipped: {', '.join(sorted(SKIP))}" if SKIP else ""
    text += (
        f"\n`make bench` ({', '.join(f'{s:,}' for s in SIZES)}) took "
        f"{(time.monotonic() - began) / 60:.1f} min end to end{skipped}; databases created and "
        f"loaded in this run: {', '.join(f'{s:,}' for s in LOADED) or 'none (all reused)'}.\n"
    )
    (ROOT / "bench" / "results.md").write_text(text)
    if any(groups.values()):
        plot(results, ROOT / "bench" / "latency.png")
    print(text)


if __name__ == "__main__":
    main()
