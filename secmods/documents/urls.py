from django.urls import path

from . import views

app_name = "documents"

# Included under /documents/ in config/urls.py.
urlpatterns = [
    path("<int:pk>/", views.download_document, name="download"),
    path("reports/<str:reference>.docx", views.report_docx, name="report_docx"),
    path("reports/<str:reference>.html", views.report_html, name="report_html"),
    path("meetings/<int:pk>/pack.docx", views.meeting_pack_docx, name="meeting_pack_docx"),
]
