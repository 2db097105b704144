from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "secmods.register"
    verbose_name = "Public register"
