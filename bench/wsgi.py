"""WSGI entry point for the benchmark's gunicorn (bench settings: production + plain views)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from config.wsgi import application  # noqa: F401  (the same start-up as production)
