"""Password-reset mail leaves the web request: with an SMTP server that accepts connections
and never answers, the reset page (the login page's and the admin's) still answers at once;
a worker sends the queued message."""

from __future__ import annotations

import time

import pytest
from celery import current_app
from django.urls import reverse

from tests.consultations.test_invitation_mail import broker, hanging_smtp  # noqa: F401
from tests.factories import UserFactory


@pytest.mark.parametrize("url_name", ["password_reset", "admin_password_reset"])
def test_a_hanging_mail_server_never_blocks_the_password_reset_page(
    db,
    client,
    hanging_smtp,  # noqa: F811
    broker,  # noqa: F811
    django_capture_on_commit_callbacks,
    url_name,
):
    UserFactory(email="ann@example.org")
    # Not timed: a fresh process imports the apps' task modules on its first queued task.
    current_app.loader.import_default_modules()
    client.get(reverse(url_name))
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse(url_name), {"email": "ann@example.org"})
    elapsed = time.monotonic() - started
    assert page.status_code == 302
    assert elapsed < 1.5, f"the page took {elapsed:.1f} s"
    assert hanging_smtp.accepted == []  # the request never spoke to the mail server
    assert broker.llen("celery") == 1  # the message waits for a worker


def test_the_worker_sends_the_reset_link(db, client, run_queued_tasks, mailoutbox):  # type: ignore[no-untyped-def]
    user = UserFactory(email="ben@example.org")
    with run_queued_tasks():
        page = client.post(reverse("password_reset"), {"email": "ben@example.org"})
    assert page.status_code == 302
    (message,) = mailoutbox
    assert message.to == ["ben@example.org"]
    assert "/accounts/reset/" in message.body
    assert user.get_username() in message.body


def test_an_unknown_address_queues_nothing(db, client, run_queued_tasks, mailoutbox):  # type: ignore[no-untyped-def]
    with run_queued_tasks():
        page = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert page.status_code == 302  # the same answer: the page tells no one who has an account
    assert mailoutbox == []
