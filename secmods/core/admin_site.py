"""The admin site: the stock one, with SEC change first in its list of apps."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest

# Where SEC change is run, in the order analysts and members use it; the framework's own
# tables (API tokens, logins, lock-outs, groups) come after, alphabetically.
APP_ORDER = [
    "modifications",
    "committees",
    "consultations",
    "votes",
    "documents",
    "reminders",
    "glossary",
    "parties",
]


class SecmodsAdminSite(admin.AdminSite):
    site_header = "secmods — SEC modifications"
    site_title = "secmods"
    index_title = "Modifications, timetables, meetings and comments"

    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict[str, Any]]:
        rank = {label: i for i, label in enumerate(APP_ORDER)}
        apps = super().get_app_list(request, app_label)
        return sorted(apps, key=lambda app: (rank.get(app["app_label"], len(rank)), app["name"]))


class SecmodsAdminConfig(AdminConfig):
    default_site = "secmods.core.admin_site.SecmodsAdminSite"
