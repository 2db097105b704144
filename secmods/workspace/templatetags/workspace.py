from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest

from secmods.core.roles import is_committee_member, is_secas_staff

from .. import selectors

register = template.Library()


@register.simple_tag
def admin_home(request: HttpRequest) -> dict[str, Any]:
    """What the admin home shows this user: the staff dashboard, a member's home, or nothing
    (the stock list of tables) for anyone else. Kept on the request: the page's blocks ask
    more than once, and the dashboard is read once."""
    cached = getattr(request, "_secmods_admin_home", None)
    if cached is not None:
        return cached
    user = request.user
    home: dict[str, Any] = {}
    if is_secas_staff(user):
        home = {"staff": selectors.staff_dashboard(user)}
    elif is_committee_member(user):
        home = {"member": selectors.member_home(user)}
    request._secmods_admin_home = home  # type: ignore[attr-defined]
    return home


@register.simple_tag
def person_name(user: Any) -> str:
    """A login as people know it: its Person's name, else its full name, else the login.
    Select `author__person` with the rows: a missing Person is then known without a query."""
    try:
        person = user.person
    except ObjectDoesNotExist:
        person = None
    if person is not None and person.name:
        return str(person.name)
    return str(user.get_full_name() or user.get_username())
