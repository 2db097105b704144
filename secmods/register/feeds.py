"""Atom feeds: new modifications and stage changes, for the register and per modification."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from secmods.core.caching import cache_for_reader
from secmods.modifications.models import Modification

from . import selectors
from .selectors import FeedEntry


def _tag(entry: FeedEntry) -> str:
    # tag: URIs (RFC 4151) never change when the site moves or a reference is re-spelled.
    host = urlsplit(settings.SITE_URL).hostname or "secmods.localhost"
    return f"tag:{host},2021:{entry.key}"


class ModificationsFeed(Feed):
    feed_type = Atom1Feed
    title = "SEC modifications: new modifications and stage changes"
    subtitle = "Modifications published on the secmods register, and their moves between stages."
    # RFC 4287 §4.1.1: a feed whose entries name no author must name one itself.
    author_name = "SECAS (the SEC Administrator and Secretariat)"

    def author_link(self) -> str:
        return f"{settings.SITE_URL}/"

    # Each entry names it too: some readers do not carry the feed's author to its entries.
    def item_author_name(self, item: FeedEntry) -> str:
        return self.author_name

    def item_author_link(self, item: FeedEntry) -> str:
        return self.author_link()

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.request = request
        response = super().__call__(request, *args, **kwargs)
        # A member's feed lists unpublished modifications: never public in a shared cache.
        cache_for_reader(request, response, max_age=300)
        return response

    def link(self) -> str:
        return reverse("register:modifications")

    def feed_url(self) -> str:
        return reverse("register:feed")

    def items(self) -> list[FeedEntry]:
        return selectors.feed_entries(self.request.user)

    def item_title(self, item: FeedEntry) -> str:
        modification = item.modification
        if item.stage_change is not None:
            change = item.stage_change
            return (
                f"{modification.reference} {modification.title}: moved from "
                f"{change.get_from_stage_display()} to {change.get_to_stage_display()}"
            )
        return f"New modification: {modification.reference} {modification.title}"

    def item_description(self, item: FeedEntry) -> str:
        """The entry's <summary type="html">: its text is HTML, so the plain text is escaped
        here, and again by the XML writer; a reader then shows "<b>" as typed, not bold."""
        return escape(self._summary_text(item))

    def _summary_text(self, item: FeedEntry) -> str:
        modification = item.modification
        if item.stage_change is not None:
            change = item.stage_change
            parts = [f"{modification.reference} is now at {change.get_to_stage_display()}."]
            if change.decided_by:
                parts.append(f"Decided by: {change.decided_by}.")
            if change.reason:
                parts.append(change.reason)
            return " ".join(parts)
        proposer = modification.proposer
        by = ""
        if proposer is not None:
            organisation = proposer.organisation
            by = f" Raised by {organisation.name if organisation else proposer.name}"
            by += f" on {modification.raised_on:%d %B %Y}."
        return f"{modification.title}.{by} Stage: {modification.get_stage_display()}."

    def item_link(self, item: FeedEntry) -> str:
        url = reverse("register:modification", args=[item.modification.reference])
        if item.stage_change is not None:
            return f"{url}#stage-change-{item.stage_change.pk}"
        return url

    def item_guid(self, item: FeedEntry) -> str:
        return _tag(item)

    item_guid_is_permalink = False

    def item_pubdate(self, item: FeedEntry) -> dt.datetime:
        return item.when

    def item_updateddate(self, item: FeedEntry) -> dt.datetime:
        return item.when


class ModificationFeed(ModificationsFeed):
    """One modification's publication and stage changes."""

    def get_object(self, request: HttpRequest, reference: str) -> Modification:  # type: ignore[override]
        modification = selectors.published_modification(request.user, reference)
        if modification is None:
            raise Http404("No published modification has that reference.")
        return modification

    def title(self, obj: Modification) -> str:  # type: ignore[override]
        return f"{obj.reference} {obj.title}: stage changes"

    def subtitle(self, obj: Modification) -> str:  # type: ignore[override]
        return f"Publication and stage changes of {obj.reference} on the secmods register."

    def link(self, obj: Modification) -> str:  # type: ignore[override]
        return reverse("register:modification", args=[obj.reference])

    def feed_url(self, obj: Modification) -> str:  # type: ignore[override]
        return reverse("register:modification-feed", args=[obj.reference])

    def items(self, obj: Modification) -> list[FeedEntry]:  # type: ignore[override]
        return selectors.feed_entries(self.request.user, modification=obj)
