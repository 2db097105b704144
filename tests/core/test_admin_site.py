from django.contrib import admin
from django.urls import reverse

from secmods.core.admin_site import SecmodsAdminSite


def test_the_admin_site_is_ours_with_its_header() -> None:
    assert isinstance(admin.site, SecmodsAdminSite)
    assert admin.site.site_header == "secmods — SEC modifications"


def test_the_sidebar_lists_sec_change_first_and_the_framework_tables_last(
    seed, secas_client
) -> None:  # type: ignore[no-untyped-def]
    page = secas_client.get(reverse("admin:modifications_modification_changelist"))
    labels = [app["app_label"] for app in page.context["available_apps"]]
    assert labels[0] == "modifications"
    assert labels.index("committees") < labels.index("consultations") < labels.index("glossary")
    for framework in ("authtoken", "auth", "axes"):
        if framework in labels:
            assert labels.index(framework) > labels.index("parties"), labels
