"""`make superuser` without questions, as the README says, for a first account in a script."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_make_superuser_takes_the_account_from_the_environment(tmp_path):
    database = tmp_path / "first.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_SUPERUSER_USERNAME="first",
        DJANGO_SUPERUSER_EMAIL="first@secas.example",
        DJANGO_SUPERUSER_PASSWORD="a long first password",
    )
    result = subprocess.run(
        ["make", "--no-print-directory", "superuser"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Superuser created successfully." in result.stdout
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "select username, email, is_superuser, is_staff from auth_user"
        ).fetchall()
    assert rows == [("first", "first@secas.example", 1, 1)]
