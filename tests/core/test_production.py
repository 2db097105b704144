"""Production settings and failure behaviour."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from secmods.core.middleware import DatabaseUnavailableMiddleware

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "x" * 64 + "-production-secret-for-the-deploy-check",
        "ALLOWED_HOSTS": "secmods.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_development_secret_key(tmp_path):
    env = {**os.environ, "DEBUG": "False", "ALLOWED_HOSTS": "x"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_https_redirect_can_be_switched_off_behind_a_proxy(tmp_path):
    code = "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT)"
    base = {**os.environ, "DEBUG": "False", "SECRET_KEY": "y" * 60, "ALLOWED_HOSTS": "x"}
    outputs = []
    for value in ("", "False"):
        env = dict(base)
        if value:
            env["SECURE_SSL_REDIRECT"] = value
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        outputs.append(result.stdout.strip())
    assert outputs == ["True", "False"]


def test_a_lost_database_answers_503_not_500():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(
        RequestFactory().get("/"), OperationalError("server closed the connection")
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


@pytest.mark.postgres
def test_postgres_health_checks_connections(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
