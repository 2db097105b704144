"""Validators shared by every app."""

from django.core.exceptions import ValidationError


def no_nul_bytes(value: str) -> None:
    # PostgreSQL refuses NUL in text columns with a DataError (a 500); refuse it as input.
    if value and "\x00" in value:
        raise ValidationError("Text may not contain NUL (\\x00) characters.", code="nul")
