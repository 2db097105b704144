from django.urls import path, re_path

from secmods.core.pagecache import cached_public_page as cached

from . import feeds, views

app_name = "register"

# A reference in any spelling users type: MP160, mp160, DP160, 160, SECMP0007, MP102A,
# "mp 160" (as %20). Anything else still reaches the view, which answers a helpful 404.
REFERENCE = r"(?P<reference>[^/]{1,40})"

# cached(): anonymous readers get these from the public page cache (secmods/core/pagecache.py),
# kept until any public content changes.
urlpatterns = [
    path("", cached(views.modification_list), name="home"),
    path("modifications/", cached(views.modification_list), name="modifications"),
    re_path(
        rf"^modifications/{REFERENCE}/$", cached(views.modification_detail), name="modification"
    ),
    re_path(
        rf"^modifications/{REFERENCE}/calendar\.ics$",
        cached(views.modification_ics),
        name="modification-calendar",
    ),
    re_path(
        rf"^modifications/{REFERENCE}/feed\.atom$",
        cached(feeds.modification_feed),
        name="modification-feed",
    ),
    path("meetings/", cached(views.meeting_list), name="meetings"),
    path("meetings/<int:meeting_id>/", cached(views.meeting_detail), name="meeting"),
    path("glossary/", cached(views.glossary), name="glossary"),
    path("calendar/meetings.ics", cached(views.meetings_ics), name="meetings-calendar"),
    path(
        "calendar/committees/<slug:slug>.ics",
        cached(views.committee_ics),
        name="committee-calendar",
    ),
    path("feeds/modifications.atom", cached(feeds.modifications_feed), name="feed"),
    path("favicon.ico", views.favicon, name="favicon"),
]
