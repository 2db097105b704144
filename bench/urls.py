"""The production URLs plus /bench/plain/..., the hand-written views the API is compared to."""

from django.urls import path

from bench.plain_views import plain_detail, plain_list
from config.urls import handler404  # noqa: F401
from config.urls import urlpatterns as production_urlpatterns

urlpatterns = [
    path("bench/plain/modifications/", plain_list),
    path("bench/plain/modifications/<str:reference>/", plain_detail),
    *production_urlpatterns,
]
