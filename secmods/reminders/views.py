"""/health/ and the unsubscribe link of each reminder email."""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from . import selectors, services
from .models import ReminderRule


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    report = selectors.reminder_health()
    return JsonResponse(
        {
            "status": "ok" if report.ok else "unhealthy",
            "dispatcher_last_run_at": report.last_run_at.isoformat()
            if report.last_run_at
            else None,
            "failed_reminders": report.failed,
            "problems": report.problems,
        },
        status=200 if report.ok else 503,
    )


# CSRF-exempt on purpose: the signed token is the credential, and mail clients' one-click
# unsubscribe (RFC 8058) POSTs without a cookie. GET only shows a button, because mail
# scanners follow links.
@csrf_exempt
@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        email, rule = services.read_unsubscribe_token(token)
    except (signing.BadSignature, ReminderRule.DoesNotExist):
        return render(request, "reminders/unsubscribe_invalid.html", status=400)
    done = False
    if request.method == "POST":
        services.unsubscribe(email, rule)
        done = True
    return render(
        request, "reminders/unsubscribe.html", {"email": email, "rule": rule, "done": done}
    )
