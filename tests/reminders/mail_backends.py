"""Email backends for tests: a mail server that refuses, or drops the connection, on cue.

They stand in for a misbehaving SMTP server (not for our database or broker) and hand
accepted messages to Django's locmem outbox.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FlakyBackend(BaseEmailBackend):
    #: How many sends to @example.org fail with a dropped connection before the server
    #: works again (other domains, such as the staff's, always work).
    failures_left = 0
    #: Addresses the server refuses for good (550).
    refused: frozenset[str] = frozenset()

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        for message in email_messages:
            for address in message.recipients():
                if any(refused in address for refused in FlakyBackend.refused):
                    raise smtplib.SMTPRecipientsRefused({address: (550, b"no such user")})
        to_flaky_domain = any(
            address.rstrip(">").endswith("@example.org")
            for message in email_messages
            for address in message.recipients()
        )
        if to_flaky_domain and FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return LocmemBackend().send_messages(email_messages)


class LongErrorBackend(BaseEmailBackend):
    """A mail server whose every answer is a very long temporary error."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        raise smtplib.SMTPDataError(451, "try again later " * 200)
