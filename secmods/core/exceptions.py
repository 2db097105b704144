"""Errors the services raise and every door (admin, API, commands) turns into its answer."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class MoveRefused(ValidationError):
    """A lifecycle move the table forbids; `messages` says why (the API answers 409)."""
