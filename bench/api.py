"""Benchmark: the REST API against hand-written views returning the same JSON.

Loads 10,000 published modifications with what each accumulates (bench/data.py: milestones,
meetings, comments, consultations and responses, report sections, history) into a PostgreSQL
database of its own (secmods_bench, never the shared `test` database), serves it with gunicorn
on 127.0.0.1, checks that the API and the plain views answer the same JSON, then measures
requests per second and p95 latency of

    GET /api/v1/modifications/?page_size=50      vs  GET /bench/plain/modifications/?page_size=50
    GET /api/v1/modifications/MP5000/            vs  GET /bench/plain/modifications/MP5000/

side by side in one run, with wrk (or a bounded Python load generator when wrk is missing).

    python bench/api.py                 # load (if needed), serve, measure
    python bench/api.py --reload        # drop and rebuild the bench database first
    python bench/api.py --duration 20 --connections 8 --workers 2 --port 8005
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
# bench/run.py loads smaller sizes through BENCH_MODIFICATIONS.
MODIFICATIONS = int(os.environ.get("BENCH_MODIFICATIONS", "10000"))
LUA = """
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
                 + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %d\\n", summary.requests,
           summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
           latency:percentile(99) / 1000, errors))
end
"""


def bench_env(database: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"{PG}/{database}",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "False",
            "SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
            "SECURE_SSL_REDIRECT": "False",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "SITE_URL": f"http://127.0.0.1:{port}",
        }
    )
    env.pop("TEST_DATABASE_NAME", None)
    return env


def create_database(database: str, drop: bool) -> bool:
    """Create the bench database; True when it was (re)created empty."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists and not drop:
            return False
        if exists:
            conn.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
        return True


def load(database: str, port: int) -> None:
    """Migrate and bulk-load the data set (in a child process with the bench settings)."""
    env = bench_env(database, port)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, __file__, "--load-only", "--database", database], cwd=ROOT, env=env, check=True
    )


def _load_rows() -> None:
    import django

    django.setup()
    from bench import data

    data.load(MODIFICATIONS)


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def fetch_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def run_wrk(
    url: str, duration: int, connections: int, lua: str, headers: dict[str, str] | None = None
) -> dict[str, float]:
    header_args = [
        arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")
    ]
    # wrk drops a request after 2 s by default: a slow page (an admin page on a loaded
    # machine) would then be measured by its fast answers only.
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "-s", lua,
         *header_args, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout  # fmt: skip
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    requests, micros, p50, p95, p99, errors = line.split()[1:]
    return {
        "rps": int(requests) / (int(micros) / 1e6),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
        "errors": int(errors),
        "requests": int(requests),
    }


def run_python(
    url: str, duration: int, connections: int, headers: dict[str, str] | None = None
) -> dict[str, float]:
    """A bounded closed-loop generator: `connections` threads, each one request at a time."""
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + duration
    lock = threading.Lock()

    def worker() -> None:
        nonlocal errors
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - began
    q = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / took,
        "p50_ms": q[49],
        "p95_ms": q[94],
        "p99_ms": q[98],
        "errors": errors,
        "requests": len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="secmods_bench")
    parser.add_argument("--port", type=int, default=8005)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="rounds; in each, every pair runs back to back (API, then plain)",
    )
    parser.add_argument("--reload", action="store_true", help="drop and reload the database")
    parser.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    args = parser.parse_args()
    if args.database in ("test", "postgres") or not args.database.startswith("secmods_bench"):
        parser.error("use a database of its own, named secmods_bench...")

    sys.path.insert(0, str(ROOT))
    if args.load_only:
        _load_rows()
        return

    created = create_database(args.database, drop=args.reload)
    if created or args.reload:
        print(f"created database {args.database}")
    load(args.database, args.port)

    env = bench_env(args.database, args.port)
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "bench.wsgi:application",
            "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers),
            "--worker-class", "sync", "--log-level", "warning", "--access-logfile", "/dev/null",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        wait_for(f"{base}/api/v1/committees/")
        pairs = {
            "list": (
                "/api/v1/modifications/?page_size=50",
                "/bench/plain/modifications/?page_size=50",
            ),
            "detail": ("/api/v1/modifications/MP5000/", "/bench/plain/modifications/MP5000/"),
        }
        for name, (api, plain) in pairs.items():
            # Only the links to other pages name the plain view's own path.
            plain_body = json.loads(
                json.dumps(fetch_json(base + plain)).replace(
                    "/bench/plain/modifications/", "/api/v1/modifications/"
                )
            )
            same = fetch_json(base + api) == plain_body
            print(f"{name}: API and plain view answer the same JSON: {same}")
            if not same:
                sys.exit(f"{name}: the plain view's JSON differs from the API's; fix it first")
        use_wrk = shutil.which("wrk") is not None and not args.python_client
        tool = "wrk" if use_wrk else "python threads"
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(LUA)
        results: dict[str, list[dict[str, float]]] = {}
        for path in [u for pair in pairs.values() for u in pair]:  # warm up every worker
            (run_wrk(base + path, 2, args.connections, lua.name) if use_wrk
             else run_python(base + path, 2, args.connections))  # fmt: skip
        for _ in range(args.rounds):
            for pair in pairs.values():
                for path in pair:
                    result = (
                        run_wrk(base + path, args.duration, args.connections, lua.name)
                        if use_wrk
                        else run_python(base + path, args.duration, args.connections)
                    )
                    results.setdefault(path, []).append(result)
        os.unlink(lua.name)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"\n{MODIFICATIONS} modifications (bench/data.py), gunicorn "
        f"{args.workers} sync workers, {tool} {args.connections} connections, "
        f"{args.rounds} x {args.duration} s per endpoint, {os.cpu_count()} CPUs\n"
    )
    print(f"{'endpoint':48} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    summary = {}
    for path, runs in results.items():
        rps = statistics.mean(r["rps"] for r in runs)
        p95 = statistics.mean(r["p95_ms"] for r in runs)
        p50 = statistics.mean(r["p50_ms"] for r in runs)
        errors = sum(int(r["errors"]) for r in runs)
        summary[path] = {"rps": rps, "p95_ms": p95, "p50_ms": p50, "errors": errors}
        print(f"{path:48} {rps:8.1f} {p50:8.1f} {p95:8.1f} {errors:7d}")
    print()
    ratios = {}
    for name, (api, plain) in pairs.items():
        # Per round (the two ran back to back, so a busy neighbour hits both), then median.
        per_round = [a["rps"] / p["rps"] for a, p in zip(results[api], results[plain], strict=True)]
        ratios[name] = statistics.median(per_round)
        print(
            f"{name}: API throughput = {ratios[name]:.2f} x the plain view's (median of "
            f"{len(per_round)} rounds: {', '.join(f'{r:.2f}' for r in per_round)}; aim >= 0.5)"
        )
    out = ROOT / "var" / "bench-api.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {"tool": tool, "args": vars(args), "results": summary, "ratios": ratios}, indent=2
        )
    )


if __name__ == "__main__":
    main()
