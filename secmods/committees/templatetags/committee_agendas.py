from __future__ import annotations

from typing import Any

from django import template

from secmods.committees.selectors import next_agendas_for_member, papers_due_on

register = template.Library()


@register.simple_tag
def next_agendas(user: Any) -> list[dict[str, Any]]:
    """The next meeting of each of the user's committees, with its agenda."""
    return [
        {"meeting": meeting, "papers_due": papers_due_on(meeting)}
        for meeting in next_agendas_for_member(user)
    ]
