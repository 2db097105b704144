"""What `forget_person` erases here (registered in ConsultationsConfig.ready): responses
and invitations sent to the person's address; comments keep their text, by the anonymous
login."""

from __future__ import annotations

from secmods.parties.services import FORGOTTEN_NAME, Erasure, placeholder_email

from .models import Comment, Invitation, Response


def erase(erasure: Erasure) -> None:
    report, erased, email = erasure.report, erasure.report.erased, erasure.email
    if erasure.user_id is not None:
        comments = Comment.objects.filter(author_id=erasure.user_id).count()
        if comments:
            report.kept.append(
                f"{comments} comment(s): their text, now by the anonymous login "
                f"'{erasure.anonymous_login}'"
            )
    if not email:
        return
    responses = Response.objects.filter(respondent_email__iexact=email)
    ids = list(responses.values_list("pk", flat=True))
    erased["consultation responses"] = responses.update(
        respondent_name=FORGOTTEN_NAME, respondent_email=""
    )
    erased["consultation response history rows"] = Response.history.filter(  # type: ignore[attr-defined]
        id__in=ids
    ).update(respondent_name=FORGOTTEN_NAME, respondent_email="")
    if ids:
        report.kept.append(
            f"{len(ids)} consultation response(s): organisation, Party Category and answers"
        )
    invitations = 0
    for invitation in Invitation.objects.filter(email__iexact=email):
        invitation.name = ""
        invitation.email = placeholder_email("invitation", invitation.pk)
        invitation.save(update_fields=["name", "email"])
        invitations += 1
    erased["consultation invitations"] = invitations
