"""Invitation emails leave the web request: with an SMTP server that accepts connections and
never answers, the analyst's invite page still answers at once; the task on the broker is
what meets the hanging server, and it leaves the invitation unsent for a retry."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from zoneinfo import ZoneInfo

import pytest
import redis
import time_machine
from django.urls import reverse

from secmods.consultations import services
from secmods.consultations.models import Invitation
from tests.factories import ConsultationFactory, QuestionFactory

LONDON = ZoneInfo("Europe/London")
DURING = dt.datetime(2021, 3, 10, 12, tzinfo=LONDON)


class HangingSmtp:
    """Accepts TCP connections and never says a word (no 220 greeting)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        for conn in self.accepted:
            conn.close()
        self.sock.close()


@pytest.fixture
def hanging_smtp(settings):  # type: ignore[no-untyped-def]
    server = HangingSmtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    yield server
    server.close()


@pytest.fixture
def broker(broker_url):  # type: ignore[no-untyped-def]
    from config.celery import app

    def fresh_pool() -> None:  # the pools keep the URL they were made with
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    app.conf.broker_url = broker_url
    fresh_pool()
    if broker_url.startswith("redis+socket://"):  # the embedded Redis of tests/conftest.py
        client = redis.Redis(unix_socket_path=broker_url.removeprefix("redis+socket://"))
    else:
        client = redis.Redis.from_url(broker_url)
    client.delete("celery")
    yield client
    client.delete("celery")
    app.conf.broker_url = previous
    fresh_pool()


def test_a_hanging_mail_server_never_blocks_the_invite_page(
    db, secas_client, hanging_smtp, broker, django_capture_on_commit_callbacks
):
    consultation = ConsultationFactory()
    QuestionFactory(consultation=consultation)
    url = reverse("admin:consultations_consultation_invite", args=[consultation.pk])
    with time_machine.travel(DURING, tick=True):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            page = secas_client.post(url, {"invitees": "Ann <ann@example.org>\nben@example.org"})
        elapsed = time.monotonic() - started
    assert page.status_code == 302
    assert elapsed < 1.5, f"the page took {elapsed:.1f} s"
    assert hanging_smtp.accepted == []  # the request never spoke to the mail server
    assert broker.llen("celery") == 2  # one task per invitation, for the worker
    invitations = list(Invitation.objects.order_by("email"))
    assert [i.sent_at for i in invitations] == [None, None]

    # The worker's side: it meets the hanging server, times out, and leaves it unsent.
    started = time.monotonic()
    with pytest.raises(OSError):
        services.deliver_invitation(invitations[0].pk, invitations[0].key)
    assert time.monotonic() - started < 10
    assert Invitation.objects.get(pk=invitations[0].pk).sent_at is None
    assert len(hanging_smtp.accepted) == 1


def test_a_late_or_repeated_message_sends_nothing(db, run_queued_tasks, mailoutbox):  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory()
    with time_machine.travel(DURING, tick=False):
        with run_queued_tasks():
            (invitation,) = services.invite_respondents(consultation, [{"email": "a@example.org"}])
        old_key = Invitation.objects.get(pk=invitation.pk).key
        assert len(mailoutbox) == 1
        assert services.deliver_invitation(invitation.pk, old_key) == "nothing to do"
        services.reissue_link(invitation)
        assert services.deliver_invitation(invitation.pk, old_key) == "nothing to do"
    assert len(mailoutbox) == 1


def test_the_sweep_queues_invitations_the_broker_never_took(db, run_queued_tasks, mailoutbox):  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory()
    with time_machine.travel(DURING, tick=False):
        # As if the broker had been away: the row is there, no email went.
        invitation = Invitation.objects.create(
            consultation=consultation, email="late@example.org", key="k"
        )
    with time_machine.travel(DURING + dt.timedelta(minutes=5), tick=False), run_queued_tasks():
        assert services.queue_unsent_invitations() == 1
    assert [m.to for m in mailoutbox] == [["late@example.org"]]
    assert Invitation.objects.get(pk=invitation.pk).sent_at is not None
