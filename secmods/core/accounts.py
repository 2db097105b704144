"""Account mail (password reset, from the login page and the admin's "Forgotten your
password?") leaves the web request like every other mail (core/outbox.py): the form renders
the message and queues it; a Celery worker meets the SMTP server, so one that hangs never
holds up the page. Django's own form would send it in the request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.template import loader

from .outbox import enqueue_after_commit

SEND_ACCOUNT_MAIL_TASK = "secmods.core.tasks.send_account_mail"


class QueuedPasswordResetForm(PasswordResetForm):
    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        # Rendered here, where the user and token are at hand; only plain text goes on the
        # broker.
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html = (
            loader.render_to_string(html_email_template_name, context)
            if html_email_template_name is not None
            else ""
        )
        enqueue_after_commit(SEND_ACCOUNT_MAIL_TASK, subject, body, from_email, to_email, html)


def deliver_account_mail(
    subject: str, body: str, from_email: str | None, to_email: str, html: str = ""
) -> str:
    """The worker's side: send one rendered account message."""
    message = EmailMultiAlternatives(subject, body, from_email, [to_email])
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    return "sent"
