"""The Jinja2 environment of the public register's pages (docs/proof.md, "Where the time
went"): the register's table, and the modification page's timeline, report and consultations,
cost more in Django's template engine (a lookup per variable, per row) than every query of
the page. The same helpers as the `register`
template library, under the same names."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest
from django.template.defaultfilters import add, filesizeformat, floatformat
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from jinja2 import Environment
from markupsafe import Markup

from .templatetags.register import anchor, approx_date, inline_terms, machine_time, with_terms
from .timeline import picture


@functools.lru_cache(maxsize=4096)
def _reverse(urlconf: str, prefix: str, name: str, args: tuple[Any, ...]) -> str:
    return reverse(name, urlconf=urlconf, args=args)


def url(name: str, *args: Any) -> str:
    """Django's `{% url %}`, remembered: a page's header, footer and links ask for the same
    few addresses on every request (ten `reverse()` calls a page, a fifth of the meeting
    page's time). The address depends on the URLconf and the script prefix only, which
    are part of the key."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    try:
        return _reverse(urlconf, get_script_prefix(), name, args)
    except TypeError:  # an argument that cannot be a key: ask Django each time
        return reverse(name, urlconf=urlconf, args=args)


@functools.cache
def _choices(model: type[Model], name: str) -> dict[Any, Any]:
    return dict(make_hashable(model._meta.get_field(name).flatchoices))  # type: ignore[union-attr]


def label(instance: Model, name: str) -> Any:
    """`instance.get_<name>_display()`, as Django computes it, with the field's choices
    made into a dict once per process rather than on every call (some forty a page)."""
    value = getattr(instance, name)
    return force_str(
        _choices(type(instance), name).get(make_hashable(value), value), strings_only=True
    )


def date(value: Any, format_string: str) -> str:
    """Django's `date` filter: an aware time in London time first."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, format_string)


def pluralize(count: Any, suffix: str = "s") -> str:
    """Django's `pluralize`: "s", or "singular,plural"."""
    singular, plural = suffix.split(",", 1) if "," in suffix else ("", suffix)
    return singular if count == 1 else plural


def query_string(request: HttpRequest, **changes: Any) -> str:
    """The current query string with some parameters changed (None or "" drops one)."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def _escape(value: Any) -> str:
    """markupsafe's `escape` for a value read from the database (never markup): the same
    five characters, the same entities, without building a Markup object per value."""
    return (
        str(value)
        .replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def register_table_rows(rows: Iterable[Any]) -> Markup:
    """The register table's rows (`selectors.RegisterRow`), byte for byte as the row
    template of modification_list.html wrote them, every value escaped as Jinja2's
    autoescape did. In Jinja2 a row cost ~45 yields through three nested generators and
    20 escapes; with 50 rows that was more than the page's query and the building of its
    rows (docs/proof.md, "Round 6"). tests/register/test_listing.py holds this function to
    that template."""
    out = []
    for row in rows:
        badge = "" if row.published_at else ' <span class="badge">Not published</span>'
        if row.next_key_precision:
            when = approx_date(row.next_key_precision, row.next_key_from, row.next_key_to)
            next_key = (
                f'<span class="when precision-{_escape(row.next_key_precision)}">'
                f'{_escape(when)}</span> <span class="muted">{_escape(row.next_key_label)}</span>'
            )
        else:
            next_key = '<span class="muted">None planned</span>'
        if row.overdue_count:
            next_key += f' · <span class="overdue">{_escape(row.overdue_count)} overdue</span>'
        out.append(
            "\n    <tr>\n"
            f'      <th scope="row" data-label="Reference"><a href="{_escape(row.url)}">'
            f"{_escape(row.reference)}</a>{badge}</th>\n"
            f'      <td data-label="Title">{_escape(row.title)}</td>\n'
            f'      <td data-label="Proposer">{_escape(row.proposer)}</td>\n'
            f'      <td data-label="Lead Analyst">{_escape(row.lead_analyst)}</td>\n'
            f'      <td data-label="Stage"><span class="stage stage-{_escape(row.stage)}">'
            f"{_escape(row.stage_display)}</span></td>\n"
            f'      <td data-label="Path">{_escape(row.path_display)}</td>\n'
            f'      <td data-label="Next key date">{next_key}</td>\n'
            f'      <td data-label="Target release">{_escape(row.target_release)}</td>\n'
            f'      <td data-label="Latest update">{_escape(row.latest_update)}</td>\n'
            f'      <td data-label="Last updated"><time datetime="{_escape(row.updated_iso)}">'
            f"{_escape(row.updated_text)}</time></td>\n"
            "    </tr>\n    "
        )
    return Markup("".join(out))  # noqa: S704 (every value in it was escaped above)


def environment(**options: Any) -> Environment:
    # Django keeps the newline that ends a template; so does this, for the same bytes.
    env = Environment(keep_trailing_newline=True, **options)  # noqa: S701 (autoescape is on)
    env.globals.update(
        url=url,
        static=static,
        query_string=query_string,
        approx_date=approx_date,
        label=label,
        timeline_picture=picture,
        register_table_rows=register_table_rows,
    )
    env.filters.update(machine_time=machine_time, date=date, pluralize=pluralize)
    # The modification page's: the glossary's markup, and Django's own filters where Jinja2
    # has none or writes it otherwise (its filesizeformat says "1.2 kB", Django's "1.2 KB").
    env.filters.update(
        inline_terms=inline_terms,
        with_terms=with_terms,
        anchor=anchor,
        add=add,
        floatformat=floatformat,
        filesizeformat=filesizeformat,
    )
    return env
