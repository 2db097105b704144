from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "secmods — SEC modifications"
admin.site.site_title = "secmods"
admin.site.index_title = "Modifications, timetables, meetings and comments"

urlpatterns = [
    path("admin/", admin.site.urls),
    # The public register, calendars and feeds, at the site root (issue 8).
    path("", include("secmods.register.urls")),
]

handler404 = "secmods.register.views.page_not_found"
