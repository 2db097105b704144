from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "secmods — SEC modifications"
admin.site.site_title = "secmods"
admin.site.index_title = "Modifications, timetables, meetings and comments"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("secmods.reminders.urls")),
]
