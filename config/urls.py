from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "secmods — SEC modifications"
admin.site.site_title = "secmods"
admin.site.index_title = "Modifications, timetables, meetings and comments"

urlpatterns = [
    path("admin/", admin.site.urls),
]

# --- REST API (issue 5) ---------------------------------------------------------------
from django.urls import URLPattern, URLResolver  # noqa: E402
from drf_spectacular.views import (  # noqa: E402
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.routers import SimpleRouter  # noqa: E402

from secmods.committees.api import CommitteeViewSet, MeetingViewSet  # noqa: E402
from secmods.consultations.api import CommentViewSet  # noqa: E402
from secmods.glossary.api import GlossaryTermViewSet  # noqa: E402
from secmods.modifications.api import MilestoneViewSet, ModificationViewSet  # noqa: E402

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

# /api/v1/ (the API), /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI), /api/redoc/
api_urls: list[URLPattern | URLResolver] = [
    path("v1/", include(api_router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
urlpatterns += [path("api/", include(api_urls))]
# Routes no pattern matches answer JSON under /api/, the site's own 404 page elsewhere.
from secmods.core.api import api_not_found_or  # noqa: E402

handler404 = api_not_found_or(globals().get("handler404", "django.views.defaults.page_not_found"))
