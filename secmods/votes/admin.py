from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from secmods.core.admin import SafeFieldsMixin, ServiceWritesAdmin
from secmods.core.people import display_name
from secmods.core.roles import is_secas_staff
from secmods.modifications.models import Modification, Stage

from . import services
from .models import Ballot, DecisionRule, Vote


@admin.register(DecisionRule)
class DecisionRuleAdmin(ServiceWritesAdmin, SimpleHistoryAdmin):
    list_display = [
        "name",
        "category_share",
        "more_for_than_against",
        "min_categories_in_favour",
        "is_default",
    ]
    filter_horizontal = ["categories"]

    def service_save(self, request: HttpRequest, current: Any, fields: dict[str, Any]) -> Any:
        return services.save_decision_rule(current, editor=request.user, **fields)

    def service_delete(self, request: HttpRequest, obj: DecisionRule) -> None:
        services.delete_decision_rule(obj)


class VoteInline(SafeFieldsMixin, admin.TabularInline):
    model = Vote
    extra = 0
    fields = ("person", "party_category", "choice", "recorded_by_name", "recorded_at")
    readonly_fields = fields
    can_delete = False

    @admin.display(description="recorded by")
    def recorded_by_name(self, obj: Vote) -> str:
        # A name, not a login, and no link to the user page only staff may open.
        return display_name(obj.recorded_by) if obj.recorded_by_id else "—"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # through "Record a vote", which checks the member and the stage

    def get_queryset(self, request: HttpRequest) -> QuerySet[Vote]:
        return (
            super()
            .get_queryset(request)
            .select_related("person__organisation", "party_category", "recorded_by__person")
        )


@admin.register(Ballot)
class BallotAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    list_display = ["modification", "meeting", "rule", "outcome", "opened_at", "decided_at"]
    list_select_related = ["modification", "meeting__committee", "rule"]
    list_filter = ["outcome"]
    readonly_fields = (
        "modification",
        "meeting",
        "rule",
        "outcome",
        "tally_display",
        "decided_at",
        "decided_by_name",
    )
    fields = readonly_fields
    inlines = [VoteInline]
    actions = ["record_outcome"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a ballot opens with its first vote

    def service_save(self, request: HttpRequest, current: Any, fields: dict[str, Any]) -> Any:
        # Every field is read-only (a ballot changes through its votes and "Record the
        # outcome"): saving the page writes nothing.
        return current

    def service_delete(self, request: HttpRequest, obj: Ballot) -> None:
        services.delete_ballot(obj)

    @admin.display(description="decided by")
    def decided_by_name(self, obj: Ballot) -> str:
        return display_name(obj.decided_by) if obj.decided_by_id else "—"

    @admin.display(description="Tally")
    def tally_display(self, obj: Ballot) -> str:
        if not obj.tally:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (c["category"], c["for"], c["against"], c["abstain"], c["position"])
                for c in obj.tally.get("categories", [])
            ),
        )
        return format_html(
            "<table><tr><th>Category</th><th>For</th><th>Against</th><th>Abstain</th>"
            "<th>Position</th></tr>{}</table><p>{}</p>",
            rows,
            obj.tally.get("reason", ""),
        )

    @admin.action(description="Record the outcome (and take the path's next step)")
    def record_outcome(self, request: HttpRequest, queryset: QuerySet[Ballot]) -> None:
        for ballot in queryset.select_related("modification"):
            try:
                decided = services.record_vote_outcome(ballot.modification, user=request.user)
            except ValidationError as exc:
                self.message_user(
                    request,
                    f"{ballot.modification.reference}: {' '.join(exc.messages)}",
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    f"{ballot.modification.reference}: {decided.get_outcome_display()}. "
                    f"{decided.tally.get('reason', '')}",
                )


class VoteForm(forms.ModelForm):
    modification: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,  # type: ignore[arg-type]
        help_text="A modification at the Change Board.",
    )

    class Meta:
        model = Vote
        fields = ["person", "choice"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        field = self.fields["modification"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Modification.objects.filter(stage=Stage.CHANGE_BOARD)
        self.order_fields(["modification", "person", "choice"])


@admin.register(Vote)
class VoteAdmin(SafeFieldsMixin, SimpleHistoryAdmin):
    """Staff record each member's vote here; the service checks membership and repeats."""

    form = VoteForm
    list_display = ["person", "party_category", "choice", "ballot", "recorded_at"]
    list_select_related = ["person", "party_category", "ballot__modification"]
    list_filter = ["choice", "party_category"]
    autocomplete_fields = ["person"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Vote, form: Any, change: bool) -> None:
        # Validated in save_form's service call below; nothing is saved twice.
        pass

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A decided ballot's votes are the record of its outcome (services.delete_vote).
        if obj is not None and obj.ballot.decided_at is not None:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: Vote) -> None:
        services.delete_vote(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Vote]) -> None:
        for vote in queryset.select_related("ballot"):
            try:
                services.delete_vote(vote)
            except ValidationError as exc:
                self.message_user(request, f"{vote}: {' '.join(exc.messages)}", messages.ERROR)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # a vote has no related rows

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        return services.record_vote(
            form.cleaned_data["modification"],
            person=form.cleaned_data["person"],
            choice=form.cleaned_data["choice"],
            recorded_by=request.user,
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change, **kwargs)
        staff = is_secas_staff(request.user)

        class CheckedVoteForm(form):  # type: ignore[misc,valid-type]
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean() or {}
                if not staff:
                    raise ValidationError("Only SECAS staff record votes.")
                modification = cleaned.get("modification")
                person = cleaned.get("person")
                if modification is not None and person is not None:
                    try:
                        services.check_vote(modification, person)
                    except ValidationError as exc:
                        self.add_error(None, exc.messages)
                return cleaned

        return CheckedVoteForm
