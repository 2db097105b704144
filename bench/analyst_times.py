"""One request at a time: the analysts' admin pages' CPU and wall time, SQL time, query
count and size, in one process (Django's test client, `bench.settings`), no server.

    .venv/bin/python bench/analyst_times.py 10000            # secmods_bench_10000, 7 each
    .venv/bin/python bench/analyst_times.py 10000 15 my_copy  # 15 requests, another database

CPU time (`time.process_time`) is the figure to compare on a shared machine: wall time
moves with everyone else's load, CPU time much less. Reads only: it signs in with the
session bench/analyst.py wrote (run `make bench`, or bench/analyst.py, once before), so it
adds no session rows to the bench database.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    database = sys.argv[3] if len(sys.argv) > 3 else f"secmods_bench_{size}"
    from bench import api

    os.environ.update(api.bench_env(database, 8014))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.analyst import SEARCH, SESSION_KEY
    from secmods.committees.models import Meeting
    from secmods.modifications.models import Modification

    modification = Modification.objects.filter(number=max(1, size // 2)).order_by("pk").first()
    assert modification is not None, f"no modification number {max(1, size // 2)}"
    meeting = (
        Meeting.objects.filter(agenda_items__isnull=False)
        .order_by("-starts_at")
        .values_list("pk", flat=True)
        .first()
    )
    pages = {
        "dashboard": "/admin/",
        "change page": f"/admin/modifications/modification/{modification.pk}/change/",
        "changelist search": f"/admin/modifications/modification/?q={SEARCH}",
        "agenda": f"/admin/committees/meeting/{meeting}/agenda/",
    }
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = SESSION_KEY
    print(f"{database}, {n} requests each (medians), load {os.getloadavg()[0]:.1f}")
    for label, path in pages.items():
        first = client.get(path)  # compiles the templates: not measured
        assert first.status_code == 200 and first.get("Location") is None, (
            f"{path}: {first.status_code}; run bench/analyst.py on {database} first"
        )
        cpu, wall, sql = [], [], []
        for _ in range(n):
            with CaptureQueriesContext(connection) as queries:
                started_cpu, started = time.process_time(), time.perf_counter()
                response = client.get(path)
                cpu.append(time.process_time() - started_cpu)
                wall.append(time.perf_counter() - started)
            sql.append(sum(float(q["time"]) for q in queries.captured_queries))
        print(
            f"{label:18s} CPU {statistics.median(cpu) * 1000:6.1f} ms  wall "
            f"{statistics.median(wall) * 1000:6.1f} ms  SQL {statistics.median(sql) * 1000:5.1f} ms"
            f"  {len(queries.captured_queries)} queries  {len(response.content) // 1024} KB"
        )


if __name__ == "__main__":
    main()
