"""Pages: the respondent's form (personal link, no account), published responses, CSV."""

from __future__ import annotations

from typing import Any, TextIO, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from secmods.core.caching import cache_for_reader
from secmods.core.roles import is_secas_staff

from . import selectors, services
from .forms import ResponseForm
from .models import Consultation, Response


@never_cache
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.resolve_response_link(token)
    except services.LinkInvalid as exc:
        return render(request, "consultations/link_invalid.html", {"reason": str(exc)}, status=403)
    consultation = invitation.consultation
    existing = Response.objects.filter(invitation=invitation).first()
    now = timezone.now()
    context: dict[str, Any] = {
        "consultation": consultation,
        "invitation": invitation,
        "existing": existing,
        "deadline": services.display_deadline(consultation.closes_at),
        "closed_reason": "",
        "saved": False,
    }
    try:
        services.check_open(consultation, now)
    except services.ConsultationClosed as exc:
        context["closed_reason"] = exc.messages[0]
    if request.method == "POST":
        form = ResponseForm(request.POST, consultation=consultation, response=existing)
        if form.is_valid():
            try:
                with transaction.atomic():
                    existing = services.submit_response(
                        consultation,
                        invitation=invitation,
                        answers=form.answers(),
                        respondent_name=form.cleaned_data["respondent_name"],
                        respondent_email=form.cleaned_data["respondent_email"],
                        organisation_name=form.cleaned_data["organisation_name"],
                        party_category=form.cleaned_data["party_category"],
                        confidential=form.cleaned_data["confidential"],
                    )
            except services.LinkInvalid as exc:
                return render(
                    request, "consultations/link_invalid.html", {"reason": str(exc)}, status=403
                )
            except ValidationError as exc:
                form.apply_errors(exc)
            else:
                context.update(saved=True, existing=existing)
                form = ResponseForm(consultation=consultation, response=existing)
        status = 400 if form.errors else 200
    else:
        initial = {}
        if existing is None:
            initial = {
                "respondent_name": invitation.name,
                "respondent_email": invitation.email,
                "organisation_name": invitation.organisation.name
                if invitation.organisation
                else "",
                "party_category": invitation.organisation.party_category_id
                if invitation.organisation
                else None,
            }
        form = ResponseForm(consultation=consultation, response=existing, initial=initial)
        status = 200
    context["form"] = form
    return render(request, "consultations/respond.html", context, status=status)


def _consultation_for(request: HttpRequest, pk: int) -> Consultation:
    consultation = selectors.visible_consultations(request.user).filter(pk=pk).first()
    if consultation is None:
        raise Http404("No such consultation.")
    return consultation


def published_responses(request: HttpRequest, pk: int) -> HttpResponse:
    """The register's page of responses: published and never confidential, for everyone
    (staff included: this is the public page)."""
    consultation = _consultation_for(request, pk)
    responses = selectors.public_responses(consultation)
    return render(
        request,
        "consultations/published_responses.html",
        {
            "consultation": consultation,
            "questions": list(consultation.questions.all()),
            "responses": responses,
        },
    )


def responses_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff get every response (confidential marked); anyone else the published ones."""
    consultation = _consultation_for(request, pk)
    staff = is_secas_staff(request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{consultation.modification.reference}-{consultation.kind}-responses.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if staff:  # confidential responses: kept by no cache at all
        response["Cache-Control"] = "private, no-store"
    else:
        cache_for_reader(request, response, max_age=300)
    response.write("\ufeff")  # Excel needs the BOM to read UTF-8
    selectors.write_responses_csv(
        cast(TextIO, response),
        consultation,
        selectors.responses_for(request.user, consultation),
        staff=staff,
    )
    return response
