"""Reminder emails: staff-edited templates, validated on save, rendered into one message
per recipient per dispatch run (a digest when several reminders fell due together)."""

from __future__ import annotations

import re
import uuid
from email.utils import formataddr, formatdate
from functools import cache, lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape, format_html, linebreaks

from secmods.rules.working_days import LONDON

from . import registry
from .models import Reminder, site_domain
from .services import unsubscribe_token

# Tags that would leak settings or other templates into an email staff can write.
FORBIDDEN_TAGS = frozenset({"debug", "include", "extends", "load", "ssi"})


@cache
def _engine() -> Engine:
    # A bare engine: Django's built-in tags and filters only, no template loaders.
    return Engine(debug=False, autoescape=True)


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    # Keyed by the source text, so an edited rule compiles afresh.
    return _engine().from_string(source)


def validate_template(source: str) -> None:
    """Raise ValidationError (a form error) for a syntax error or a forbidden tag."""
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name in FORBIDDEN_TAGS:
                raise ValidationError(
                    f"{{% {name} %}} is not allowed in a reminder email.", code="forbidden_tag"
                )
    try:
        _engine().from_string(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(f"Template error: {exc}", code="template_syntax") from exc


def _render(source: str, context: dict[str, Any], *, html: bool) -> str:
    return _compiled(source).render(Context(context, autoescape=html))


def link(path: str) -> str:
    """An absolute link: Celery has no request, so links come from settings.SITE_URL."""
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(reminder: Reminder) -> str:
    # A message needs it up to three times (context, footer, List-Unsubscribe): sign once.
    cached: str | None = reminder.__dict__.get("_unsubscribe_url")
    if cached is None:
        token = unsubscribe_token(reminder.recipient_email, reminder.rule_id)
        before, after = _unsubscribe_affixes(get_script_prefix(), get_urlconf())
        cached = reminder.__dict__["_unsubscribe_url"] = link(f"{before}{token}{after}")
    return cached


@lru_cache(maxsize=8)
def _unsubscribe_affixes(script_prefix: str, urlconf: str | None) -> tuple[str, str]:
    # reverse() once per URLconf instead of three times per message; the arguments are only
    # the cache key (reverse reads the same values itself).
    path = reverse("reminders:unsubscribe", args=["TOKEN"])
    before, _, after = path.partition("TOKEN")
    return before, after


@receiver(setting_changed)
def _urls_changed(setting: str, **kwargs: Any) -> None:
    if setting == "ROOT_URLCONF":
        _unsubscribe_affixes.cache_clear()


def message_id_for(digest_key: str) -> str:
    # Fixed when the digest is claimed: a retry or a re-claim resends the same Message-ID,
    # so a mail system that has seen it drops the repeat.
    before, after = message_id_affixes()
    return f"{before}{digest_key}{after}"


def message_id_affixes() -> tuple[str, str]:
    """What goes before and after the digest key in a Message-ID (the claim's UPDATE builds
    them in SQL)."""
    return "<reminder.", f"@{site_domain()}>"


def reminder_context(reminder: Reminder, event: registry.Event | None) -> dict[str, Any]:
    context: dict[str, Any] = dict(event.context) if event is not None else {}
    kind = registry.event_kind(reminder.event_kind)
    if kind is not None and event is not None:
        context.update(kind.recipient_context(event, reminder.recipient_email))
    modification = context.get("modification") or reminder.modification
    context.update(
        {
            "reminder": reminder,
            "rule": reminder.rule,
            "recipient_name": reminder.recipient_name,
            "recipient_email": reminder.recipient_email,
            "event_label": reminder.event_label,
            "event_day": reminder.event_day,
            "due_at": reminder.due_at.astimezone(LONDON),
            "site_url": settings.SITE_URL,
            "unsubscribe_url": unsubscribe_url(reminder),
            "modification": modification,
        }
    )
    if modification is not None:
        context["modification_url"] = link(
            reverse("admin:modifications_modification_change", args=[modification.pk])
        )
    return context


#: The reminder's own values in its context (from its row and its recipient); everything
#: else comes from its rule and its event.
_OWN_VALUES = ("recipient_name", "recipient_email", "event_label", "event_day", "due_at")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Tags whose output changes from one rendering to the next.
_UNSTABLE_TAGS = frozenset({"now", "lorem"})

#: Renderings of one send task, shared by the reminders whose templates read the same values.
Renderings = dict[tuple[Any, ...], tuple[str, str, str | None]]


@lru_cache(maxsize=256)
def _words(source: str) -> frozenset[str] | None:
    """Every name-like word inside the template's {{ }} and {% %} (more than the variables
    it reads, never fewer); None when it uses a tag whose output is not stable."""
    words: set[str] = set()
    for token in Lexer(source).tokenize():
        if token.token_type in (TokenType.VAR, TokenType.BLOCK):
            found = _WORD.findall(token.contents)
            if token.token_type == TokenType.BLOCK and found and found[0] in _UNSTABLE_TAGS:
                return None
            words.update(found)
    return frozenset(words)


def _rendering_key(reminder: Reminder, event: registry.Event | None) -> tuple[Any, ...] | None:
    """What one reminder's rendering depends on: its rule, its event and those of its own
    values its templates name; None when it cannot be shared (the templates name the
    reminder itself or the unsubscribe link, the event kind adds per-recipient context, or
    a tag's output changes between renderings)."""
    rule = reminder.rule
    sources = (rule.subject_template, rule.text_template, rule.html_template)
    words: set[str] = set()
    for source in sources:
        found = _words(source)
        if found is None:
            return None
        words |= found
    if "reminder" in words or "unsubscribe_url" in words:
        return None
    kind = registry.event_kind(reminder.event_kind)
    if (
        kind is not None
        and event is not None
        and kind.recipient_context(event, reminder.recipient_email)
    ):
        return None
    own = tuple(getattr(reminder, name) for name in _OWN_VALUES if name in words)
    return (
        rule.pk,
        sources,
        reminder.event_kind,
        reminder.event_ref,
        reminder.modification_id,
        own,
    )


def render_reminder(
    reminder: Reminder, event: registry.Event | None, renderings: Renderings | None = None
) -> tuple[str, str, str | None]:
    """(subject, text, html or None) for one reminder. With `renderings` (one send task's),
    a reminder whose templates read the same values as one rendered before gets that
    rendering: the same text, rendered once per rule and event instead of per recipient."""
    key = _rendering_key(reminder, event) if renderings is not None else None
    if key is not None and renderings is not None:
        if key not in renderings:
            renderings[key] = _render_reminder(reminder, event)
        return renderings[key]
    return _render_reminder(reminder, event)


def _render_reminder(
    reminder: Reminder, event: registry.Event | None
) -> tuple[str, str, str | None]:
    rule = reminder.rule
    context = reminder_context(reminder, event)
    subject = " ".join(_render(rule.subject_template, context, html=False).split())
    text = _render(rule.text_template, context, html=False).strip()
    html = _render(rule.html_template, context, html=True) if rule.html_template else None
    details = context.get("meeting_details")
    # A meeting reminder always says when, where, what and where to read more, whatever
    # template a rule was written with (older rules said only the meeting's name and day).
    if details is not None and "meeting_details" not in rule.text_template:
        text = f"{text}\n\n{details() if callable(details) else details}"
    if details is not None and html is not None and "meeting_details" not in rule.html_template:
        rendered = details() if callable(details) else details
        html += format_html("<pre>{}</pre>", rendered)
    return subject[:250], text, html


def load_events(reminders: list[Reminder]) -> dict[tuple[str, str], registry.Event | None]:
    """Each distinct event of these reminders, read once (None: it no longer exists)."""
    events: dict[tuple[str, str], registry.Event | None] = {}
    for reminder in reminders:
        key = (reminder.event_kind, reminder.event_ref)
        if key not in events:
            kind = registry.event_kind(reminder.event_kind)
            events[key] = kind.load(reminder.event_ref) if kind else None
    return events


def build_digest(
    reminders: list[Reminder],
    digest_key: str,
    events: dict[tuple[str, str], registry.Event | None] | None = None,
    renderings: Renderings | None = None,
) -> EmailMultiAlternatives:
    """One message for one recipient: the reminder itself, or a digest that lists them all."""
    events = events if events is not None else load_events(reminders)
    parts = [
        (
            reminder,
            *render_reminder(
                reminder, events[(reminder.event_kind, reminder.event_ref)], renderings
            ),
        )
        for reminder in reminders
    ]
    first = reminders[0]
    if len(parts) == 1:
        _, subject, text, html = parts[0]
        text = f"{text}\n\n--\nStop receiving these reminders: {unsubscribe_url(first)}\n"
        if html is not None:
            html += (
                f'<hr><p><a href="{escape(unsubscribe_url(first))}">'
                "Stop receiving these reminders</a></p>"
            )
    else:
        subject = f"secmods: {len(parts)} reminders"
        sections = [
            f"{n}. {subject_n}\n\n{text_n}\n\nStop receiving this kind of reminder: "
            f"{unsubscribe_url(r)}"
            for n, (r, subject_n, text_n, _) in enumerate(parts, start=1)
        ]
        text = f"You have {len(parts)} reminders.\n\n" + "\n\n----\n\n".join(sections) + "\n"
        html = None
        if any(html_n for *_, html_n in parts):
            html = f"<p>You have {len(parts)} reminders.</p>" + "".join(
                f"<h2>{escape(subject_n)}</h2>"
                + (html_n if html_n is not None else linebreaks(escape(text_n)))
                + f'<p><a href="{escape(unsubscribe_url(r))}">'
                "Stop receiving this kind of reminder</a></p><hr>"
                for r, subject_n, text_n, html_n in parts
            )
    headers = {
        "Message-ID": message_id_for(digest_key),
        "Auto-Submitted": "auto-generated",
    }
    if len({r.rule_id for r in reminders}) == 1:
        # RFC 8058 one-click unsubscribe, when every part is of one kind.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url(first)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    to = formataddr((first.recipient_name, first.recipient_email))
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    return message


# --- The bytes on the wire, for the usual reminder --------------------------------------
# Django's EmailMessage builds a tree of email.mime objects and flattens it through the
# standard library's header folding: about half the sender's CPU per reminder (profiled:
# message() + as_bytes() + two sanitize_address() calls, ~0.5 ms of ~1.7 ms). A reminder is
# nearly always the same plain shape, so `wire_message` writes that shape straight out, and
# gives up (None: send through Django as before) on anything else.

# An address and display name that need no quoting, encoding or IDNA: what sanitize_address
# would pass through unchanged.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9 _-]*")
_FORMATTED = re.compile(r"(?:(?P<name>[^<>\"]*?) *<(?P<address>[^<>]+)>|(?P<bare>[^<> ]+))")
_HEADERS = ("Subject", "From", "To", "Date", "Message-ID")


def _plain_address(value: str) -> str | None:
    """`value` itself when it is "Name <a@b>" or "a@b" of plain ASCII, else None."""
    match = _FORMATTED.fullmatch(value)
    if match is None:
        return None
    address = match.group("address") or match.group("bare")
    name = match.group("name") or ""
    if not _PLAIN_ADDRESS.fullmatch(address) or not _PLAIN_NAME.fullmatch(name):
        return None
    return value


def _text_part(text: str, subtype: str) -> bytes | None:
    """A text part's headers and body, 7bit (ASCII) or 8bit (UTF-8), as Django writes it;
    None for lines too long for SMTP (Django would use quoted-printable)."""
    body = text.replace("\r\n", "\n").replace("\r", "\n").encode()
    if any(len(line) > 998 for line in body.split(b"\n")):
        return None
    encoding = b"7bit" if body.isascii() else b"8bit"
    return (
        b'Content-Type: text/' + subtype.encode() + b'; charset="utf-8"\r\n'
        b"MIME-Version: 1.0\r\nContent-Transfer-Encoding: " + encoding + b"\r\n\r\n"
        + body.replace(b"\n", b"\r\n")
    )  # fmt: skip


def wire_message(message: EmailMultiAlternatives) -> tuple[str, list[str], bytes] | None:
    """(envelope from, recipients, DATA) for SMTP, the same message Django would send
    (headers in Django's order, the same MIME structure); None when the message is not the
    plain kind (non-ASCII or special characters in an address header, a long header,
    attachments, Cc/Bcc/Reply-To, other alternatives): Django's path then sends it."""
    if message.attachments or message.cc or message.bcc or message.reply_to:
        return None
    if len(message.to) != 1 or (message.encoding or settings.DEFAULT_CHARSET) != "utf-8":
        return None
    if len(message.alternatives) > 1 or any(
        mimetype != "text/html" for _, mimetype in message.alternatives
    ):
        return None
    extra = dict(message.extra_headers)
    if {name.lower() for name in extra} & {"from", "to", "cc", "reply-to", "date", "subject"}:
        return None
    sender = _plain_address(message.from_email)
    to = _plain_address(message.to[0])
    if sender is None or to is None or "message-id" not in {n.lower() for n in extra}:
        return None
    headers = {"Subject": message.subject, "From": sender, "To": to}
    headers["Date"] = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
    headers.update(extra)
    lines = []
    for name, value in headers.items():
        line = f"{name}: {value}"
        # Django folds long or non-ASCII headers and refuses newlines in them: leave those
        # to it (998 is SMTP's limit; Django folds from 78, which is a SHOULD).
        if not line.isascii() or "\n" in line or "\r" in line or len(line) > 998:
            return None
        lines.append(line.encode())
    text = _text_part(str(message.body), message.content_subtype)
    if text is None:
        return None
    if not message.alternatives:
        # The part's own headers first, as Django puts them, then the message's.
        head, _, body = text.partition(b"\r\n\r\n")
        data = head + b"\r\n" + b"\r\n".join(lines) + b"\r\n\r\n" + body
    else:
        html = _text_part(str(message.alternatives[0][0]), "html")
        if html is None:
            return None
        boundary = f"==============={uuid.uuid4().int % 10**19:019d}==".encode()
        data = (
            b'Content-Type: multipart/alternative; boundary="' + boundary + b'"\r\n'
            b"MIME-Version: 1.0\r\n" + b"\r\n".join(lines) + b"\r\n\r\n"
            b"--" + boundary + b"\r\n" + text + b"\r\n"
            b"--" + boundary + b"\r\n" + html + b"\r\n"
            b"--" + boundary + b"--\r\n"
        )  # fmt: skip
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return sender, [to], data
