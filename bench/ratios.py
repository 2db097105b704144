"""A quick ratio check at one size: each endpoint of bench/run.py's endpoints() against its
plain twin, under gunicorn (4 sync workers) and wrk, in interleaved rounds.

    python bench/ratios.py 10000            # 2 rounds x 3 s, port 8021
    python bench/ratios.py 1000 5 3 8031    # seconds, rounds, port

Shorter and lighter than `make bench` (no load, no plot, no reminders): for comparing a
change's ratios on a shared machine, where absolute figures move with the load but a page
and its twin measured a second apart move together. The database secmods_bench_<size>
must be loaded already (`make bench` loads it).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api, twins  # noqa: E402
from bench.run import endpoints  # noqa: E402


def main() -> None:
    size = int(sys.argv[1])
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    port = int(sys.argv[4]) if len(sys.argv) > 4 else 8021
    env = api.bench_env(f"secmods_bench_{size}", port)
    python = sys.executable
    collect = [python, "manage.py", "collectstatic", "--noinput", "-v", "0"]
    subprocess.run(collect, cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "bench.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "4", "--worker-class", "sync", "--log-level", "warning",
         "--access-logfile", "/dev/null"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        api.wait_for(base + "/api/v1/modifications/?page_size=1")
        differences = twins.check_twins(base, f"MP{max(1, size // 2)}")
        if differences:
            sys.exit("a twin shows other rows than its page:\n  " + "\n  ".join(differences))
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(api.LUA)
        pairs = endpoints(size)
        for _, path in pairs:
            api.run_wrk(base + path, 1, 4, lua.name)  # warm every worker
        runs: dict[str, list[dict[str, float]]] = {}
        for _ in range(rounds):
            for _, path in pairs:
                runs.setdefault(path, []).append(api.run_wrk(base + path, seconds, 4, lua.name))
        median = {
            path: {key: statistics.median(r[key] for r in results) for key in ("rps", "p95_ms")}
            for path, results in runs.items()
        }
        print(f"size {size}, load {os.getloadavg()[0]:.1f}, {rounds} rounds x {seconds} s")
        print("| endpoint | req/s | p95 ms | twin req/s | twin p95 ms | ratio | p95 x twin |")
        print("|---|---|---|---|---|---|---|")
        for (label, real), (_, twin) in zip(pairs[::2], pairs[1::2], strict=True):
            a, b = median[real], median[twin]
            print(
                f"| {label} | {a['rps']:.0f} | {a['p95_ms']:.0f} | {b['rps']:.0f} | "
                f"{b['p95_ms']:.0f} | {a['rps'] / b['rps']:.2f} | {a['p95_ms'] / b['p95_ms']:.1f} |"
            )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
