"""The production URLs plus /bench/plain/..., the hand-written views the real ones are
compared to (bench/plain_views.py)."""

from django.urls import path

from bench.plain_views import (
    plain_committee_ics,
    plain_detail,
    plain_feed,
    plain_list,
    plain_meeting,
    plain_meetings,
    plain_meetings_ics,
    plain_modification_feed,
    plain_modification_ics,
    plain_page,
    plain_register,
)
from config.urls import handler404  # noqa: F401
from config.urls import urlpatterns as production_urlpatterns

urlpatterns = [
    path("bench/plain/modifications/", plain_list),
    path("bench/plain/modifications/<str:reference>/", plain_detail),
    path("bench/plain/register/", plain_register),
    path("bench/plain/modifications/<str:reference>/page/", plain_page),
    path("bench/plain/calendar/meetings.ics", plain_meetings_ics),
    path("bench/plain/meetings/", plain_meetings),
    path("bench/plain/meetings/<int:meeting_id>/", plain_meeting),
    path("bench/plain/calendar/committees/<slug:slug>.ics", plain_committee_ics),
    path("bench/plain/modifications/<str:reference>/calendar.ics", plain_modification_ics),
    path("bench/plain/feeds/modifications.atom", plain_feed),
    path("bench/plain/modifications/<str:reference>/feed.atom", plain_modification_feed),
    *production_urlpatterns,
]
