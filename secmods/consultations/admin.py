from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from simple_history.admin import SimpleHistoryAdmin

from secmods.committees.models import Meeting
from secmods.committees.selectors import meetings_for_commenting
from secmods.core.admin import (
    SafeFieldsMixin,
    SafeInlineMixin,
    ServiceAdminMixin,
    adopt,
    model_fields,
    save_formset_through,
    shared_choices_formset,
)
from secmods.core.forms import VersionedForm
from secmods.core.people import display_name
from secmods.core.roles import is_secas_staff

from .forms import ResponseForm
from .models import (
    Answer,
    Comment,
    Consultation,
    Invitation,
    Question,
    Response,
)
from .selectors import consultation_summary
from .services import (
    Invitee,
    add_question,
    can_edit_comment,
    check_comment_meeting,
    create_comment,
    delete_comment,
    delete_consultation,
    delete_invitation,
    delete_question,
    delete_response,
    display_deadline,
    invite_respondents,
    mark_comments_noted,
    open_consultation,
    publish_responses,
    reissue_link,
    revoke_invitation,
    send_invitation,
    submit_response,
    update_comment,
    update_consultation,
    update_question,
)


class CommentMeetingFilter(admin.SimpleListFilter):
    """Filter by meeting, listing the meetings in one query (the default filter asks for each
    meeting's committee separately)."""

    title = "meeting"
    parameter_name = "meeting__id__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[Any, str]]:
        meetings = Meeting.objects.select_related("committee").filter(comments__isnull=False)
        return [(m.pk, str(m)) for m in meetings.distinct().order_by("-starts_at")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        value = self.value()
        if value and str(value).isdecimal():
            return queryset.filter(meeting_id=int(value))
        return queryset


class CommentForm(forms.ModelForm):
    request_user: Any = None  # set by CommentAdmin.get_form

    class Meta:
        model = Comment
        fields = ["modification", "meeting", "text", "position", "noted_in_report"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        author = self.instance.author if self.instance.author_id else self.request_user
        try:
            check_comment_meeting(author, cleaned.get("meeting"))
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


def comment_meeting_choices(user: Any) -> Any:
    """The meetings a comment may be tied to: any for SECAS staff; for a member, those of
    his committees open for comment (the comment's own page and the modification's page)."""
    if is_secas_staff(user):
        return Meeting.objects.select_related("committee")
    return meetings_for_commenting(user, timezone.localdate())


@admin.register(Comment)
class CommentAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    form = CommentForm
    actions = ["mark_noted", "mark_not_noted"]
    list_display = [
        "modification",
        "author_name",
        "meeting",
        "position",
        "noted_in_report",
        "created_at",
    ]
    list_select_related = ["modification", "author__person", "meeting__committee"]
    list_filter = ["position", "noted_in_report", "meeting__committee", CommentMeetingFilter]
    search_fields = ["text", "author__username", "author__first_name", "author__last_name"]
    autocomplete_fields = ["modification"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = ["author_name", "created_at", "updated_at"]
        if not is_secas_staff(request.user):
            readonly.append("noted_in_report")
        return readonly

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["modification", "meeting", "text", "position", "noted_in_report"]
        return [*fields, "author_name", "created_at", "updated_at"] if obj else fields

    @admin.display(description="author", ordering="author__person__name")
    def author_name(self, obj: Comment) -> str:
        # The person's name, not their login; and no link to the user page, which only
        # SECAS staff may open.
        return display_name(obj.author)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change, **kwargs)
        form.request_user = request.user  # type: ignore[attr-defined]
        return form

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "meeting":
            kwargs["queryset"] = comment_meeting_choices(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit_comment(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_edit_comment(request.user, obj))

    def save_model(self, request: HttpRequest, obj: Comment, form: Any, change: bool) -> None:
        fields = model_fields(form)
        if change:
            saved = update_comment(Comment.objects.get(pk=obj.pk), editor=request.user, **fields)
        else:
            saved = create_comment(author=request.user, **fields)
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Comment) -> None:
        delete_comment(obj, editor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        for comment in queryset:
            delete_comment(comment, editor=request.user)

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        if not is_secas_staff(request.user):
            # Bulk delete would bypass the own-comments rule.
            actions.pop("delete_selected", None)
            actions.pop("mark_noted", None)
            actions.pop("mark_not_noted", None)
        return actions

    @admin.action(description="Mark as noted in the report")
    def mark_noted(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        changed = mark_comments_noted(queryset, noted=True)
        self.message_user(request, f"{changed} comment(s) marked as noted in the report.")

    @admin.action(description="Mark as not noted in the report")
    def mark_not_noted(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        changed = mark_comments_noted(queryset, noted=False)
        self.message_user(request, f"{changed} comment(s) marked as not noted.")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # Links from a member's admin home prefill the modification and meeting.
        return {
            key: value
            for key in ("modification", "meeting")
            if (value := request.GET.get(key, "")).isdecimal()
        }


# --- Consultations -----------------------------------------------------------------------
class QuestionInline(SafeInlineMixin, admin.TabularInline):
    model = Question
    extra = 0
    fields = ["order", "kind", "text"]


class InvitationInline(SafeFieldsMixin, admin.TabularInline):
    model = Invitation
    extra = 0
    fields = ["email", "name", "organisation", "sent_at", "revoked_at", "has_responded"]
    readonly_fields = ["email", "name", "organisation", "sent_at", "revoked_at", "has_responded"]
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # invite through "Invite respondents", which sends the links

    @admin.display(boolean=True, description="Responded")
    def has_responded(self, obj: Invitation) -> bool:
        return hasattr(obj, "response")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        return super().get_queryset(request).select_related("organisation", "response")


class InviteForm(forms.Form):
    invitees = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        # Help text is HTML in the admin: the <...> must be escaped or it disappears.
        help_text=escape(
            "One per line: an address (ann@example.org), or a name and address "
            "(Ann Example <ann@example.org>)."
        ),
    )

    def clean_invitees(self) -> list[Invitee]:
        people = []
        for number, line in enumerate(self.cleaned_data["invitees"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            name, address = parseaddr(line)
            try:
                validate_email(address)
            except ValidationError as exc:
                raise ValidationError(f"Line {number}: '{line}' is not an email address.") from exc
            people.append(Invitee(email=address, name=name))
        if not people:
            raise ValidationError("Give at least one email address.")
        return people


class ConsultationForm(VersionedForm):
    """Collects a consultation; open_consultation / update_consultation choose the defaults
    (opening now, the deadline 5pm London on a Working Day, the title)."""

    closes_on = forms.DateField(
        required=False,
        label="Closing day",
        help_text="Responses are due by 5pm London time on this Working Day. Leave empty for "
        "15 Working Days after opening, or give an exact deadline below instead.",
    )
    versioned_what = "consultation"

    class Meta:
        model = Consultation
        fields = ["modification", "kind", "title", "opens_at", "closes_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A committee member reads the page: the fields are read-only, not on the form.
        for name in ("title", "opens_at", "closes_at"):
            if name in self.fields:
                self.fields[name].required = False
        if "closes_at" in self.fields:
            self.fields["closes_at"].help_text = "An exact deadline (London time), if not 5pm."

    def _get_validation_exclusions(self) -> Any:
        # Chosen by the service when left empty; it validates them.
        return super()._get_validation_exclusions() | {"title", "opens_at", "closes_at"}  # type: ignore[misc]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            k: data[k]
            for k in ("modification", "kind", "title", "opens_at", "closes_at")
            if k in data
        }
        fields["closes_on"] = data.get("closes_on")
        return fields


@admin.register(Consultation)
class ConsultationAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    form = ConsultationForm
    list_display = ["title", "modification", "kind", "opens_at", "closes_at", "response_count"]
    list_select_related = ["modification"]
    list_filter = ["kind"]
    search_fields = ["title"]
    autocomplete_fields = ["modification"]
    inlines = [QuestionInline, InvitationInline]
    readonly_fields = ["created_by", "created_at", "links"]
    fields = ["modification", "kind", "title", "opens_at", "closes_on", "closes_at", "links"]
    actions = ["publish"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [*self.fields, "loaded_version"] if obj is not None else list(self.fields)
        # Summary, invitations and responses by email are SECAS staff's pages: a committee
        # member reading the consultation is shown no link that would refuse them.
        return fields if is_secas_staff(request.user) else [f for f in fields if f != "links"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Consultation]:
        return super().get_queryset(request).annotate(_responses=Count("responses"))

    @admin.display(description="Responses", ordering="_responses")
    def response_count(self, obj: Any) -> int:
        return obj._responses

    @admin.display(description="")
    def links(self, obj: Consultation) -> str:
        if not obj.pk:
            return "Save first; then invite respondents and see the summary."
        return format_html(
            '<a href="{}">Summary by Party Category</a> · <a href="{}">Invite respondents</a> · '
            '<a href="{}">Enter a response received by email</a> · '
            '<a href="{}">Export all responses (CSV)</a> · <a href="{}">Published page</a>',
            reverse("admin:consultations_consultation_summary", args=[obj.pk]),
            reverse("admin:consultations_consultation_invite", args=[obj.pk]),
            reverse("admin:consultations_consultation_enter_response", args=[obj.pk]),
            reverse("consultations:responses_csv", args=[obj.pk]),
            reverse("consultations:published_responses", args=[obj.pk]),
        )

    def save_model(self, request: HttpRequest, obj: Consultation, form: Any, change: bool) -> None:
        if change:
            saved = update_consultation(
                obj,
                expected_version=form.cleaned_data.get("loaded_version"),
                user=request.user,
                **form.service_fields(),
            )
            adopt(obj, saved)
        # A new consultation is opened in save_related: open_consultation takes its
        # questions, which are in the inline.

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:
            return super().save_related(request, form, formsets, change)
        questions = next(f for f in formsets if f.model is Question)
        specs = [
            {"text": q.cleaned_data["text"], "kind": q.cleaned_data["kind"]}
            for q in sorted(
                (
                    q
                    for q in questions.forms
                    if q.has_changed() and not q.cleaned_data.get("DELETE")
                ),
                key=lambda q: q.cleaned_data.get("order") or 0,
            )
        ]
        fields = form.service_fields()
        fields["title"] = fields.get("title") or ""
        saved = open_consultation(questions=specs, created_by=request.user, **fields)
        adopt(form.instance, saved)
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        consultation = form.instance
        if formset.model is Question:
            save_formset_through(
                formset,
                create=lambda f: add_question(
                    consultation,
                    text=f.cleaned_data["text"],
                    kind=f.cleaned_data["kind"],
                    order=f.cleaned_data.get("order"),
                ),
                update=lambda f, obj: update_question(
                    obj, **{k: f.cleaned_data[k] for k in f.changed_data}
                ),
                delete=lambda f, obj: delete_question(obj),
            )
        else:
            save_formset_through(formset)  # invitations: through "Invite respondents"

    def delete_model(self, request: HttpRequest, obj: Consultation) -> None:
        delete_consultation(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Consultation]) -> None:
        for obj in queryset:
            delete_consultation(obj)

    @admin.action(description="Publish the non-confidential responses")
    def publish(self, request: HttpRequest, queryset: QuerySet[Consultation]) -> None:
        for consultation in queryset:
            try:
                count = publish_responses(consultation, user=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{consultation}: {exc.messages[0]}", messages.ERROR)
            else:
                self.message_user(request, f"{consultation}: {count} response(s) published.")

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/summary/",
                view(self.summary_view),
                name="consultations_consultation_summary",
            ),
            path(
                "<int:pk>/invite/", view(self.invite_view), name="consultations_consultation_invite"
            ),
            path(
                "<int:pk>/enter-response/",
                view(self.enter_response_view),
                name="consultations_consultation_enter_response",
            ),
            *super().get_urls(),
        ]

    def _staff_consultation(self, request: HttpRequest, pk: int) -> Consultation:
        if not is_secas_staff(request.user):
            raise PermissionDenied
        return get_object_or_404(Consultation.objects.select_related("modification"), pk=pk)

    def _context(self, request: HttpRequest, consultation: Consultation, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": consultation,
            "consultation": consultation,
            "title": title,
            "deadline": display_deadline(consultation.closes_at),
        }

    def summary_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        consultation = self._staff_consultation(request, pk)
        context = self._context(request, consultation, f"Summary: {consultation.title}")
        context["summaries"] = consultation_summary(consultation)
        context["response_count"] = consultation.responses.count()
        context["confidential_count"] = consultation.responses.filter(confidential=True).count()
        return TemplateResponse(request, "admin/consultations/summary.html", context)

    def invite_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        consultation = self._staff_consultation(request, pk)
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                sent = invite_respondents(consultation, form.cleaned_data["invitees"])
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                self.message_user(
                    request,
                    f"{len(sent)} invitation(s) queued: they go out within a minute. An "
                    "address the mail server refuses keeps an empty 'sent' column.",
                )
                return HttpResponseRedirect(
                    reverse("admin:consultations_consultation_change", args=[pk])
                )
        context = self._context(request, consultation, f"Invite respondents: {consultation}")
        context["form"] = form
        return TemplateResponse(request, "admin/consultations/form.html", context)

    def enter_response_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        consultation = self._staff_consultation(request, pk)
        form = ResponseForm(request.POST or None, consultation=consultation, staff=True)
        if request.method == "POST" and form.is_valid():
            try:
                submit_response(
                    consultation,
                    answers=form.answers(),
                    respondent_name=form.cleaned_data["respondent_name"],
                    respondent_email=form.cleaned_data["respondent_email"],
                    organisation_name=form.cleaned_data["organisation_name"],
                    party_category=form.cleaned_data["party_category"],
                    confidential=form.cleaned_data["confidential"],
                    entered_by=request.user,
                    received_at=form.cleaned_data["received_at"],
                )
            except ValidationError as exc:
                form.apply_errors(exc)
            else:
                self.message_user(request, "Response entered.")
                return HttpResponseRedirect(
                    reverse("admin:consultations_consultation_change", args=[pk])
                )
        context = self._context(request, consultation, f"Enter a response: {consultation}")
        context["form"] = form
        return TemplateResponse(request, "admin/consultations/form.html", context)


class AnswerInline(SafeFieldsMixin, admin.TabularInline):
    model = Answer
    extra = 0
    fields = ("question", "position", "text")
    readonly_fields = ("question", "position", "text")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(SafeFieldsMixin, SimpleHistoryAdmin):
    """Staff read responses here (confidential ones too); changes go through the form."""

    list_display = [
        "organisation_name",
        "party_category",
        "consultation",
        "confidential",
        "received_at",
        "published_at",
    ]
    list_select_related = ["party_category", "consultation"]
    list_filter = ["consultation", "party_category", "confidential"]
    search_fields = ["organisation_name", "respondent_name"]
    readonly_fields = [
        "consultation",
        "invitation",
        "respondent_name",
        "respondent_email",
        "organisation_name",
        "party_category",
        "confidential",
        "entered_by",
        "received_at",
        "published_at",
    ]
    inlines = [AnswerInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_secas_staff(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Response) -> None:
        delete_response(obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Response]) -> None:
        for response in queryset:
            delete_response(response, user=request.user)


@admin.register(Invitation)
class InvitationAdmin(SafeFieldsMixin, admin.ModelAdmin):
    """Staff withdraw a respondent's link, or send a new one (earlier links stop working)."""

    list_display = ["email", "name", "consultation", "sent_at", "revoked_at", "has_responded"]
    list_select_related = ["consultation", "response"]
    list_filter = ["consultation"]
    search_fields = ["email", "name"]
    fields = ("consultation", "email", "name", "organisation", "sent_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke", "send_new_link"]

    @admin.display(boolean=True, description="Responded")
    def has_responded(self, obj: Invitation) -> bool:
        return hasattr(obj, "response")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # through the consultation's "Invite respondents"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Invitation) -> None:
        delete_invitation(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        for invitation in queryset:
            delete_invitation(invitation)

    @admin.action(description="Withdraw the link (it stops working at once)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        for invitation in queryset:
            revoke_invitation(invitation)
        self.message_user(request, f"{queryset.count()} link(s) withdrawn.")

    @admin.action(description="Send a new link (earlier links stop working)")
    def send_new_link(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        sent = 0
        for invitation in queryset.select_related("consultation__modification"):
            if timezone.now() >= invitation.consultation.closes_at:
                self.message_user(
                    request, f"{invitation.email}: the consultation has closed.", messages.ERROR
                )
                continue
            reissue_link(invitation)
            send_invitation(invitation)
            sent += 1
        if sent:
            self.message_user(request, f"{sent} new link(s) queued: they go out within a minute.")


# --- Inlines on a modification's page (registered in ConsultationsConfig.ready) -----------
class _Shown(forms.Widget):
    """A value shown as text: another author's comment on the modification's page. Rendered
    without the template engine, since a busy modification has dozens of them."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        return format_html('<p class="shown">{}</p>', self.text)


class _CommentFormSet(shared_choices_formset("meeting")):  # type: ignore[misc]
    def add_fields(self, form: Any, index: Any) -> None:
        super().add_fields(form, index)
        # Another author's comment: its row is shown but cannot be deleted from here.
        if "DELETE" in form.fields and getattr(form, "locked", False):
            form.fields["DELETE"].disabled = True
            form.fields["DELETE"].widget = _Shown("")


class ModificationCommentForm(CommentForm):
    class Meta:
        model = Comment
        fields = ["meeting", "position", "text", "noted_in_report"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "cols": 50})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # On this page each author changes his own comments; the others' are read-only text
        # (a disabled field ignores whatever is posted for it). SECAS staff still tick
        # "noted in report" on any, and change the words on the comment's own page.
        comment = self.instance
        self.locked = bool(comment.pk) and comment.author_id != getattr(
            self.request_user, "pk", None
        )
        if not self.locked:
            return
        shown = {
            "meeting": str(comment.meeting) if comment.meeting_id else "",
            "position": comment.get_position_display(),
            "text": comment.text,
        }
        for name, field in self.fields.items():
            if name in shown:
                field.disabled = True
                field.widget = _Shown(shown[name])
            elif not can_edit_comment(self.request_user, comment):
                field.disabled = True


class ModificationCommentInline(SafeInlineMixin, admin.TabularInline):
    """Committee members' comments, on the modification's page; members add theirs here."""

    model = Comment
    form = ModificationCommentForm
    formset = _CommentFormSet
    autocomplete_fields = ["meeting"]
    plain_pickers = ("meeting",)
    fields = ["author_name", "meeting", "position", "text", "noted_in_report", "created_at"]
    verbose_name = "comment"
    verbose_name_plural = "comments"
    # A member (who cannot edit the modification) may still post this inline's rows.
    open_to_viewers = True

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        # A member sees an empty row to write in; staff add one with "Add another".
        return 0 if is_secas_staff(request.user) else 1

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = ["author_name", "created_at"]
        if not is_secas_staff(request.user):
            readonly.append("noted_in_report")
        return readonly

    @admin.display(description="author")
    def author_name(self, obj: Comment) -> str:
        return display_name(obj.author) if obj.author_id else ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        # The row title (Comment.__str__) names the modification.
        return (
            super()
            .get_queryset(request)
            .select_related("modification", "author__person", "meeting__committee")
        )

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.request_user = request.user
        # Staff open any comment on its own page to change its words (an inline instance
        # is made per request, so this is this user's page only).
        self.show_change_link = is_secas_staff(request.user)
        return formset

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "meeting":
            kwargs["queryset"] = comment_meeting_choices(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @staticmethod
    def save_through_services(request: HttpRequest, formset: Any, modification: Any) -> None:
        save_formset_through(
            formset,
            create=lambda f: create_comment(
                author=request.user,
                modification=modification,
                **_comment_fields(f, ("meeting", "position", "text")),
            ),
            update=lambda f, obj: update_comment(
                Comment.objects.get(pk=obj.pk),
                editor=request.user,
                **_comment_fields(f, ("meeting", "position", "text", "noted_in_report")),
            ),
            delete=lambda f, obj: delete_comment(obj, editor=request.user),
        )


def _comment_fields(form: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """What the row's author may set (a read-only column is no form field)."""
    return {
        name: form.cleaned_data[name]
        for name in names
        if name in form.fields and not form.fields[name].disabled
    }


class ModificationConsultationInline(SafeFieldsMixin, admin.TabularInline):
    """The modification's consultations, to open from its page (they are edited on theirs)."""

    model = Consultation
    extra = 0
    fields = readonly_fields = ["title", "kind", "opens_at", "closes_at"]  # type: ignore[assignment]
    can_delete = False
    show_change_link = True
    verbose_name_plural = "consultations"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
