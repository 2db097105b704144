from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from secmods.core.admin import (
    SafeFieldsMixin,
    ServiceAdminMixin,
    ServiceWritesAdmin,
    adopt,
    model_fields,
)
from secmods.core.people import display_name
from secmods.core.roles import is_secas_staff

from . import registry, selectors, services
from .forms import ReminderRuleForm
from .models import (
    Reminder,
    ReminderRule,
    ReminderStatus,
    Unsubscription,
)


def _london(value: Any) -> str:
    return f"{timezone.localtime(value):%a %d %b %Y %H:%M}" if value else "—"


class EventKindFilter(admin.SimpleListFilter):
    """Filter by event kind, offered by its label ("Meeting papers due"), not its key."""

    title = "event"
    parameter_name = "event_kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return registry.event_kind_choices()

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(event_kind=self.value()) if self.value() else queryset


def _event_label(key: str) -> str:
    kind = registry.event_kind(key)
    return kind.label if kind is not None else key


def _recipient_label(key: str) -> str:
    kind = registry.recipient_kind(key)
    return kind.label if kind is not None else key


@admin.register(ReminderRule)
class ReminderRuleAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = ReminderRuleForm
    list_display = ["name", "is_active", "event_display", "when_display", "recipients_display"]
    list_filter = ["is_active", EventKindFilter, "offset_unit"]
    search_fields = ["name"]
    autocomplete_fields = ["committee"]
    fieldsets = [
        (None, {"fields": ["name", "is_active"]}),
        ("Which events", {"fields": ["event_kind", "milestone_kind", "committee"]}),
        ("When", {"fields": [("offset", "offset_unit"), "send_time"]}),
        ("To whom", {"fields": ["recipient_kinds", "addresses"]}),
        (
            "Email",
            {
                "fields": ["subject_template", "text_template", "html_template"],
                "description": "Django templates. In context: modification, milestone, "
                "meeting, committee, agenda_items, event_label, event_day, due_at, "
                "recipient_name, modification_url, site_url, unsubscribe_url "
                "(the link to stop these reminders is added to every email).",
            },
        ),
    ]

    @admin.display(description="When")
    def when_display(self, obj: ReminderRule) -> str:
        if obj.offset_unit == "on_the_day":
            return f"on the day at {obj.send_time:%H:%M}"
        return f"{obj.offset} {obj.get_offset_unit_display()} at {obj.send_time:%H:%M}"

    @admin.display(description="Event", ordering="event_kind")
    def event_display(self, obj: ReminderRule) -> str:
        return _event_label(obj.event_kind)

    @admin.display(description="To")
    def recipients_display(self, obj: ReminderRule) -> str:
        return ", ".join(_recipient_label(k) for k in obj.recipient_kinds or []) or "—"

    def save_model(self, request: HttpRequest, obj: ReminderRule, form: Any, change: bool) -> None:
        current = ReminderRule.objects.get(pk=obj.pk) if change else None
        saved, result = services.save_rule(current, **model_fields(form))
        adopt(obj, saved)
        self.message_user(
            request,
            f"Reminders re-planned: {result.planned} planned, {result.withdrawn} withdrawn, "
            f"{result.kept} unchanged.",
            messages.INFO,
        )

    def delete_model(self, request: HttpRequest, obj: ReminderRule) -> None:
        services.delete_rule(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ReminderRule]) -> None:
        for rule in queryset:
            services.delete_rule(rule)


@admin.register(Reminder)
class ReminderAdmin(SafeFieldsMixin, admin.ModelAdmin):
    change_list_template = "admin/reminders/reminder/change_list.html"
    list_display = [
        "due_display",
        "status",
        "recipient_email",
        "rule",
        "event_label",
        "sent_display",
        "attempts",
        "short_error",
    ]
    list_select_related = ["rule"]
    list_filter = ["status", "rule", EventKindFilter]
    search_fields = ["recipient_email", "event_label", "message_id"]
    date_hierarchy = "due_at"
    actions = ["retry_failed", "withdraw_planned"]
    readonly_fields = [f.name for f in Reminder._meta.fields]

    @admin.display(description="Due (London)", ordering="due_at")
    def due_display(self, obj: Reminder) -> str:
        return _london(obj.due_at) if obj.due_at else "-"

    @admin.display(description="Sent (London)", ordering="sent_at")
    def sent_display(self, obj: Reminder) -> str:
        return _london(obj.sent_at) if obj.sent_at else ""

    @admin.display(description="Error / note")
    def short_error(self, obj: Reminder) -> str:
        text = obj.error or obj.note
        return text if len(text) < 120 else text[:117] + "..."

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "reminder_health": selectors.reminder_health()}
        return super().changelist_view(request, extra_context)

    @admin.action(description="Send the selected failed reminders again", permissions=["view"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        ids = queryset.values_list("pk", flat=True)
        count = services.retry_failed_reminders(ids, by=display_name(request.user))
        self.message_user(request, f"{count} failed reminder(s) will be sent again.")

    @admin.action(
        description="Withdraw the selected planned reminders (or acknowledge failed ones)",
        permissions=["view"],
    )
    def withdraw_planned(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        ids = queryset.values_list("pk", flat=True)
        count = services.withdraw_reminders(ids, by=str(request.user))
        self.message_user(request, f"{count} reminder(s) withdrawn.")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)

        if not is_secas_staff(request.user):
            return {}
        return actions


@admin.register(Unsubscription)
class UnsubscriptionAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    list_display = ["email", "rule", "created_at"]
    list_filter = ["rule"]
    search_fields = ["email"]

    def service_save(self, request: HttpRequest, current: Any, fields: dict[str, Any]) -> Any:
        return services.save_unsubscription(current, **fields)

    def service_delete(self, request: HttpRequest, obj: Unsubscription) -> None:
        services.delete_unsubscription(obj)


_INLINE_FIELDS = [
    "due_display",
    "status",
    "rule",
    "recipient_email",
    "event_label",
    "note_or_error",
]


class ReminderInline(SafeFieldsMixin, admin.TabularInline):
    """On the modification's page: its planned, sent, skipped and failed reminders."""

    model = Reminder
    fk_name = "modification"
    extra = 0
    can_delete = False
    fields = _INLINE_FIELDS  # type: ignore[assignment]
    readonly_fields = _INLINE_FIELDS
    verbose_name_plural = "reminders (planned and sent)"

    @admin.display(description="Due (London)")
    def due_display(self, obj: Reminder) -> str:
        return _london(obj.due_at) if obj.due_at else "-"

    @admin.display(description="Note")
    def note_or_error(self, obj: Reminder) -> str:
        if obj.status == ReminderStatus.SENT:
            return f"sent {_london(obj.sent_at)}"
        return obj.error or obj.note

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reminder]:
        return (
            super()
            .get_queryset(request)
            .exclude(status=ReminderStatus.WITHDRAWN)
            .select_related("rule")
            .order_by("-due_at", "pk")
        )
