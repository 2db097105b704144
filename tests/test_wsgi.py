"""config/wsgi.py, as gunicorn loads it: a fresh process, so the test's own heap is not frozen."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import gc, sys
import config.wsgi
# Every view module is imported before the freeze, so the first request adds no module state.
print(gc.get_freeze_count(), "secmods.register.views" in sys.modules,
      "secmods.modifications.api" in sys.modules)
"""


def test_start_up_objects_are_frozen_out_of_the_collectors_way():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.setdefault("SECRET_KEY", "test-only-secret-key-for-the-wsgi-probe-0123456789")
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    frozen, views_loaded, api_loaded = done.stdout.split()
    # Tens of thousands of long-lived objects (Django, DRF, our modules): far more than a few.
    assert int(frozen) > 20_000
    assert views_loaded == "True"
    assert api_loaded == "True"
