"""bench/run.py's tables: each page's ratio to its twin, and the reminder row's figures."""

from __future__ import annotations

from bench import run

REMINDERS_OUTPUT = """planned 10000 due reminders in 2.1s
claimed 10000 in 4.2s (dispatch_due)
SMTP sink received 10000 messages (10000 distinct Message-IDs); every row marked sent after 38.9s; not sent: 0
throughput: 257 messages/second (2 worker(s) x 8 threads)
bare smtplib loop into the same sink: 483 messages/second (10000 messages, one connection, one thread); dispatch / bare = 0.53
duplicates: 0
OK
"""


def _row(rps: float) -> dict[str, float]:
    return {"rps": rps, "p50_ms": 10.0, "p95_ms": 20.0, "p99_ms": 30.0, "errors": 0}


def test_each_page_is_divided_by_the_twin_that_follows_it_and_pages_without_one_get_none() -> None:
    rows = [
        ("register page `/`", _row(50)),
        ("  plain view, same rows", _row(100)),
        ("a page with no twin", _row(7)),
        ("API list", _row(30)),
        ("  plain view, same rows", _row(20)),
    ]
    assert run.ratios(rows) == {"register page `/`": 0.5, "API list": 1.5}


def test_the_ratio_is_a_column_next_to_each_size_cold_and_warm() -> None:
    rows = [("register page `/`", _row(50)), ("  plain view, same rows", _row(100))]
    results = {size: {"cold": rows, "warm": rows} for size in run.SIZES}
    cold = run.table("cold", results, "cold", "")
    assert cold.count("**0.50**") == len(run.SIZES)  # a ratio cell per size on the page's row
    assert "ratio |" in cold
    glance = run.ratio_table(results)
    assert glance.splitlines()[-1].startswith("| register page `/` | 0.50 | 0.50")


def test_the_reminder_row_takes_its_figures_from_the_benchmark_output() -> None:
    figures = run.reminder_figures(REMINDERS_OUTPUT)
    assert figures == {
        "rate": "257",
        "bare": "483",
        "ratio": "0.53",
        "seconds": "38.9",
        "duplicates": "0",
        "ok": "OK",
    }
    assert run.reminder_figures("Traceback...\nFAILED")["ok"] == "FAILED"


def test_one_analyst_clicks_one_page_at_a_time_while_the_public_rows_keep_theirs() -> None:
    # Defaults: BENCH_CONNECTIONS=4 and BENCH_ANALYST_CONNECTIONS=1 (unset in the tests).
    assert run.connections_for("analysts") == run.ANALYST_CONNECTIONS == 1
    assert run.connections_for("cold") == run.connections_for("warm") == run.CONNECTIONS == 4
