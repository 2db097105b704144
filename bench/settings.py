"""Benchmark settings: production settings plus the hand-written comparison views.

The comparison views live only in bench/urls.py, never in the production URLconf.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
