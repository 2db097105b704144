from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("reminders/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
