from django.urls import path, re_path

from . import feeds, views

app_name = "register"

# A reference in any spelling users type: MP160, mp160, DP160, 160, SECMP0007, MP102A,
# "mp 160" (as %20). Anything else still reaches the view, which answers a helpful 404.
REFERENCE = r"(?P<reference>[^/]{1,40})"

urlpatterns = [
    path("", views.modification_list, name="home"),
    path("modifications/", views.modification_list, name="modifications"),
    re_path(rf"^modifications/{REFERENCE}/$", views.modification_detail, name="modification"),
    re_path(
        rf"^modifications/{REFERENCE}/calendar\.ics$",
        views.modification_ics,
        name="modification-calendar",
    ),
    re_path(
        rf"^modifications/{REFERENCE}/feed\.atom$",
        feeds.ModificationFeed(),
        name="modification-feed",
    ),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("glossary/", views.glossary, name="glossary"),
    path("calendar/meetings.ics", views.meetings_ics, name="meetings-calendar"),
    path("calendar/committees/<slug:slug>.ics", views.committee_ics, name="committee-calendar"),
    path("feeds/modifications.atom", feeds.ModificationsFeed(), name="feed"),
    path("favicon.ico", views.favicon, name="favicon"),
]
