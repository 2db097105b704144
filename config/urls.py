from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

admin.site.site_header = "secmods — SEC modifications"
admin.site.site_title = "secmods"
admin.site.index_title = "Modifications, timetables, meetings and comments"

urlpatterns = [
    # Consultations, agendas and votes (issue 6): the admin login's "Forgotten your
    # password?" link appears once this name exists; it must come before admin/.
    path(
        "admin/password_reset/",
        auth_views.PasswordResetView.as_view(),
        name="admin_password_reset",
    ),
    path("admin/", admin.site.urls),
    # Consultations, agendas and votes (issue 6): Django's own password views (set-password
    # links for invited committee members, password reset) and the respondents' pages.
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(),
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
    path("consultations/", include("secmods.consultations.urls")),
    # The public register, calendars and feeds, at the site root (issue 8).
    # /health/ and the reminders' unsubscribe links (issue 4), before the register's root.
    path("", include("secmods.reminders.urls")),
    path("", include("secmods.register.urls")),
]

handler404 = "secmods.register.views.page_not_found"
# Documents: report exports and library downloads (permission-checked, never MEDIA_URL).
urlpatterns += [path("documents/", include("secmods.documents.urls"))]
