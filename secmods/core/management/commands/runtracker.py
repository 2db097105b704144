"""`make run`: the whole tracker in one command — web, Celery worker and Celery beat.

Starts an embedded Redis unless CELERY_BROKER_URL is set, migrates, loads the seed into an
empty database, then runs the three processes until Ctrl-C (or one of them dies), and
stops them all, Redis last.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from secmods.core.embedded_redis import EmbeddedRedis
from secmods.core.runaddr import DEFAULT_ADDR, site_url_for


class Command(BaseCommand):
    help = "Run web (127.0.0.1:8000 or RUN_ADDR), Celery worker and Celery beat together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--addr",
            default=os.environ.get("RUN_ADDR", DEFAULT_ADDR),
            help="Address and port for the web server (default: RUN_ADDR, else 127.0.0.1:8000).",
        )
        parser.add_argument(
            "--var-dir",
            default=str(Path(settings.BASE_DIR) / "var"),
            help="Where the embedded Redis socket and the beat schedule live.",
        )

    def handle(self, *args: Any, addr: str, var_dir: str, **options: Any) -> None:
        var = Path(var_dir)
        var.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        # The worker sends the emails: its links must point at this web server, wherever
        # it listens, unless SITE_URL says otherwise (a proxy in front).
        env["RUN_ADDR"] = addr
        env.setdefault("SITE_URL", site_url_for(addr))
        redis: EmbeddedRedis | None = None
        if not os.environ.get("CELERY_BROKER_URL"):
            redis = EmbeddedRedis(var / "redis").start()
            env["CELERY_BROKER_URL"] = redis.url
            self.stdout.write(f"Embedded Redis on {redis.url}")
        else:
            self.stdout.write("Using CELERY_BROKER_URL from the environment")

        call_command("migrate", interactive=False, verbosity=1)
        call_command("load_seed")

        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", addr],
            "worker": [
                python, "-m", "celery", "-A", "config", "worker",
                "--loglevel", "INFO", "--concurrency", "2", "--hostname", "worker@%h",
            ],
            "beat": [
                python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
                "--schedule", str(var / "celerybeat-schedule"),
            ],
        }  # fmt: skip
        processes: dict[str, subprocess.Popen[bytes]] = {}
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            for name, argv in commands.items():
                processes[name] = subprocess.Popen(  # noqa: S603 - our own argv
                    argv, env=env, cwd=settings.BASE_DIR, start_new_session=True
                )
            self.stdout.write(
                self.style.SUCCESS(f"secmods is running on http://{addr}/ (Ctrl-C stops all)")
            )
            self.stdout.write(f"Links in emails and feeds point to {env['SITE_URL']}/")
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with {process.returncode}; stopping")
                        stopping = True
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
            if redis is not None:
                redis.stop()
            self.stdout.write("Stopped web, worker, beat" + (" and Redis." if redis else "."))
