from django.urls import path

from . import views

app_name = "consultations"

urlpatterns = [
    path("respond/<str:token>/", views.respond, name="respond"),
    path("<int:pk>/responses/", views.published_responses, name="published_responses"),
    path("<int:pk>/responses.csv", views.responses_csv, name="responses_csv"),
]
