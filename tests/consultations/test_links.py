"""The respondent's personal link: no account, signed, expiring, revocable."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail, signing
from django.core.mail.backends import locmem
from django.urls import reverse

from secmods.consultations import selectors, services
from secmods.consultations.models import Answer, Invitation, Response
from tests.factories import (
    ConsultationFactory,
    InvitationFactory,
    OrganisationFactory,
    QuestionFactory,
    party_category,
)

LONDON = ZoneInfo("Europe/London")
DURING = dt.datetime(2021, 3, 15, 11, tzinfo=LONDON)


def _path(invitation: Invitation) -> str:
    return reverse("consultations:respond", args=[services.response_token(invitation)])


def _form(question, **extra):  # type: ignore[no-untyped-def]
    return {
        "respondent_name": "Rita Respondent",
        "respondent_email": "rita@example.org",
        "organisation_name": "Big Energy plc",
        "party_category": party_category("large-supplier").pk,
        f"q{question.pk}_position": "agree",
        f"q{question.pk}_text": "We support removing the forecast.",
        **extra,
    }


def test_invitations_email_a_working_personal_link(db, client, settings, run_queued_tasks):
    settings.SITE_URL = "https://secmods.example"
    consultation = ConsultationFactory()
    question = QuestionFactory(consultation=consultation)
    organisation = OrganisationFactory(name="Big Energy plc")
    with time_machine.travel(DURING, tick=False), run_queued_tasks():
        invitations = services.invite_respondents(
            consultation,
            [
                {"email": "Rita@Example.org", "name": "Rita", "organisation": organisation},
                services.Invitee(email="sam@example.org"),
            ],
        )
        assert not mail.outbox  # nothing is sent in the request: a worker sends it
    assert [m.to for m in mail.outbox] == [["rita@example.org"], ["sam@example.org"]]
    body = mail.outbox[0].body
    assert "by 5pm (London time) on Friday 26 March 2021" in body
    link = next(line for line in body.splitlines() if line.startswith("https://secmods.example"))
    path = link.removeprefix("https://secmods.example")
    assert Invitation.objects.get(pk=invitations[0].pk).sent_at is not None

    with time_machine.travel(DURING, tick=False):
        page = client.get(path)
        assert page.status_code == 200
        assert b"Big Energy plc" in page.content  # prefilled from the invitation
        saved = client.post(path, _form(question))
    assert saved.status_code == 200, saved.content
    assert b"your response is saved" in saved.content
    response = Response.objects.get()
    assert response.invitation == invitations[0]
    assert response.party_category.slug == "large-supplier"
    assert selectors.respondents_yet_to_answer(consultation).get() == invitations[1]


def test_inviting_the_same_address_twice_writes_nothing_and_sends_nothing(db):
    consultation = ConsultationFactory()
    InvitationFactory(consultation=consultation, email="dup@example.org")
    with time_machine.travel(DURING, tick=False):
        try:
            services.invite_respondents(
                consultation, [{"email": "new@example.org"}, {"email": "dup@example.org"}]
            )
        except services.ValidationError as exc:
            assert "dup@example.org is already invited" in str(exc)
        else:
            raise AssertionError("expected a refusal")
    assert Invitation.objects.count() == 1 and not mail.outbox


def test_a_tampered_link_is_refused(db, client):
    invitation = InvitationFactory()
    QuestionFactory(consultation=invitation.consultation)
    token = services.response_token(invitation)
    forged = signing.dumps(
        {"i": invitation.pk, "k": invitation.key}, salt="another-salt"
    )  # signed, but not for response links
    with time_machine.travel(DURING, tick=False):
        for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "x"):
            page = client.get(reverse("consultations:respond", args=[bad]))
            assert page.status_code == 403
            assert b"not valid" in page.content
        # Another invitation's key with this id: refused too.
        other = signing.dumps(
            {"i": invitation.pk, "k": "guessed"}, salt=services.settings.CONSULTATION_LINK_SALT
        )
        page = client.get(reverse("consultations:respond", args=[other]))
        assert page.status_code == 403


def test_an_expired_link_is_refused(db, client, settings):
    settings.CONSULTATION_LINK_MAX_AGE = 3600
    invitation = InvitationFactory()
    QuestionFactory(consultation=invitation.consultation)
    with time_machine.travel(DURING, tick=False):
        path = _path(invitation)
    with time_machine.travel(DURING + dt.timedelta(minutes=59), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(DURING + dt.timedelta(minutes=61), tick=False):
        page = client.get(path)
    assert page.status_code == 403 and b"expired" in page.content


def test_a_revoked_or_replaced_link_is_refused_and_writes_nothing(db, client):
    invitation = InvitationFactory()
    question = QuestionFactory(consultation=invitation.consultation)
    with time_machine.travel(DURING, tick=False):
        old = _path(invitation)
        services.reissue_link(invitation)
        page = client.post(old, _form(question))
        assert page.status_code == 403 and b"replaced" in page.content
        new = _path(invitation)
        services.revoke_invitation(invitation)
        page = client.post(new, _form(question))
        assert page.status_code == 403 and b"withdrawn" in page.content
    assert not Response.objects.exists()


def test_a_response_after_the_deadline_is_a_clear_error_and_nothing_changes(db, client):
    invitation = InvitationFactory()
    question = QuestionFactory(consultation=invitation.consultation)
    with time_machine.travel(DURING, tick=False):
        path = _path(invitation)
        client.post(path, _form(question))
    late = dt.datetime(2021, 3, 26, 17, 0, tzinfo=LONDON)
    with time_machine.travel(late, tick=False):
        page = client.get(path)
        assert b"closed at 5pm (London time) on Friday 26 March 2021" in page.content
        assert b"<form" not in page.content
        page = client.post(path, _form(question, **{f"q{question.pk}_position": "disagree"}))
    assert page.status_code == 400
    assert b"responses can no longer be given or changed" in page.content
    assert Answer.objects.get().position == "agree"


def test_the_form_reports_bad_input_per_field(db, client):
    invitation = InvitationFactory()
    question = QuestionFactory(consultation=invitation.consultation)
    with time_machine.travel(DURING, tick=False):
        page = client.post(
            _path(invitation),
            _form(
                question,
                organisation_name="",
                **{f"q{question.pk}_position": "maybe", f"q{question.pk}_text": ""},
            ),
        )
    assert page.status_code == 400
    assert page.context["form"].errors.keys() == {"organisation_name", f"q{question.pk}_position"}
    assert not Response.objects.exists()


def test_staff_withdraw_a_link_or_send_a_new_one_from_the_admin(
    db, secas_client, settings, run_queued_tasks
):
    settings.SITE_URL = "https://secmods.example"
    invitation = InvitationFactory()
    QuestionFactory(consultation=invitation.consultation)
    url = reverse("admin:consultations_invitation_changelist")
    with time_machine.travel(DURING, tick=False):
        old = _path(invitation)
        with run_queued_tasks():
            secas_client.post(url, {"action": "send_new_link", "_selected_action": [invitation.pk]})
        (message,) = mail.outbox
        assert secas_client.get(old).status_code == 403
        new = message.body.split("https://secmods.example", 1)[1].split()[0]
        assert secas_client.get(new).status_code == 200
        secas_client.post(url, {"action": "revoke", "_selected_action": [invitation.pk]})
        assert secas_client.get(new).status_code == 403


class RefusingBackend(locmem.EmailBackend):
    """A mail server that refuses one address."""

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        if any("refused@" in address for m in messages for address in m.to):
            raise OSError("550 mailbox unavailable")
        return super().send_messages(messages)


def test_one_refused_address_does_not_lose_the_other_invitations(db, settings, run_queued_tasks):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    consultation = ConsultationFactory()
    with time_machine.travel(DURING, tick=False), run_queued_tasks():
        invitations = services.invite_respondents(
            consultation, [{"email": "refused@example.org"}, {"email": "ok@example.org"}]
        )
    sent = {
        i.email: i.sent_at for i in Invitation.objects.filter(pk__in=[x.pk for x in invitations])
    }
    assert sent["refused@example.org"] is None and sent["ok@example.org"] is not None
    assert [m.to for m in mail.outbox] == [["ok@example.org"]]
