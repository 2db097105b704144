"""The site's URLs: the admin, the REST API and its schema, and the public pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from secmods.committees.api import AgendaViewSet, CommitteeViewSet, MeetingViewSet
from secmods.consultations.api import CommentViewSet, ConsultationViewSet
from secmods.core.accounts import QueuedPasswordResetForm
from secmods.core.api import ApiRootView, api_error_or
from secmods.core.errors import not_found_or
from secmods.glossary.api import GlossaryTermViewSet
from secmods.modifications.api import MilestoneViewSet, ModificationViewSet
from secmods.votes.api import VoteViewSet

# --- REST API: /api/v1/ (the API), /api/schema/ (OpenAPI 3), /api/docs/, /api/redoc/ ------
api_router = SimpleRouter()
api_router.register("modifications", ModificationViewSet, basename="modification")
api_router.register(
    r"modifications/(?P<reference>[^/]+)/milestones", MilestoneViewSet, basename="milestone"
)
api_router.register(
    r"modifications/(?P<reference>[^/]+)/comments", CommentViewSet, basename="comment"
)
api_router.register("meetings", MeetingViewSet, basename="meeting")
api_router.register("committees", CommitteeViewSet, basename="committee")
api_router.register("glossary", GlossaryTermViewSet, basename="glossary")
# Issue 6: consultations, agendas and Change Board votes.
api_router.register("consultations", ConsultationViewSet, basename="consultation")

# Agendas and votes are sub-resources with their own verbs (docs/api.md): explicit routes.
agenda_routes: list[URLPattern | URLResolver] = [
    path("", AgendaViewSet.as_view({"get": "agenda", "post": "add_item"}), name="agenda"),
    path(
        "order/",
        AgendaViewSet.as_view({"put": "reorder", "patch": "reorder"}),
        name="agenda-order",
    ),
    path(
        "<str:item_id>/",
        AgendaViewSet.as_view({"delete": "remove_item"}),
        name="agenda-item",
    ),
    path(
        "<str:item_id>/outcome/",
        AgendaViewSet.as_view({"post": "outcome"}),
        name="agenda-outcome",
    ),
]
vote_routes: list[URLPattern | URLResolver] = [
    path("", VoteViewSet.as_view({"get": "ballots", "post": "vote"}), name="votes"),
    path("outcome/", VoteViewSet.as_view({"post": "outcome"}), name="votes-outcome"),
]

api_urls: list[URLPattern | URLResolver] = [
    path("v1/meetings/<str:meeting_id>/agenda/", include(agenda_routes)),
    path("v1/modifications/<str:reference>/votes/", include(vote_routes)),
    path("v1/", ApiRootView.as_view(), name="api-root"),
    path("v1/", include(api_router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

password_views: list[URLPattern | URLResolver] = [
    # Set-password links for invited committee members, and password reset.
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    # The admin login's "Forgotten your password?" link appears once this name exists; it
    # must come before admin/.
    path(
        "admin/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="admin_password_reset",
    ),
    path("admin/", admin.site.urls),
    path("api/", include(api_urls)),
    *password_views,
    path("consultations/", include("secmods.consultations.urls")),
    # Report exports and library downloads (permission-checked, never MEDIA_URL).
    path("documents/", include("secmods.documents.urls")),
    # /health/ and the reminders' unsubscribe links, before the register's root.
    path("", include("secmods.reminders.urls")),
    # The public register, calendars and feeds, at the site root.
    path("", include("secmods.register.urls")),
]

# Errors (DEBUG=False): JSON under /api/ (also for errors Django answers itself: a body over
# 2.5 MB, an uncaught exception), the admin's look with a way back under /admin/, the
# register's look elsewhere (its 404 page has a search box). secmods/templates/4xx-500.html.
handler400 = api_error_or(400, "django.views.defaults.bad_request")
handler403 = api_error_or(403, "secmods.core.errors.permission_denied")
handler404 = api_error_or(404, not_found_or("secmods.register.views.page_not_found"))
handler500 = api_error_or(500, "secmods.core.errors.server_error")
