"""Every admin add and change form of every registered model, as SECAS staff and as a
committee member, given hostile values in each field and a tampered inline management form:
never a 5xx, and nothing written when the form is refused (DEBUG=False, as in production)."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.template.base import Template
from django.test import Client
from django.test.utils import _TestState
from django.urls import NoReverseMatch, reverse

from tests.admin_forms import admin_form_data, as_post
from tests.core.test_admin_permissions import (  # noqa: F401
    MODEL_LABELS,
    OUR_APPS,
    first_object,
    world,
)
from tests.factories import UserFactory

HOSTILE = [
    "31 Feb 2021",
    "Q5 2021",
    "32/13/2021",
    "next Tuesday",
    "a\x00b",
    "x" * 10_000,
    "99999999999999999999",
    "-1",
    "999999",  # the id of no row
    "[1, 2]",
]
MANAGEMENT_TAMPERING = ["abc", "100000"]
SKIP = {"csrfmiddlewaretoken", "_save", "_continue", "_addanother"}
ROW = re.compile(r"^.+?-(\d+)-")
DATEISH = re.compile(r"when|date|_on$|_at(_\d)?$|_0$|_1$")


def _row_counts() -> dict[str, int]:
    models = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS | {"auth"}]
    return {m._meta.label: m._default_manager.count() for m in models}


def _url(model, obj, mode: str) -> str | None:  # type: ignore[no-untyped-def]
    meta = model._meta
    args = [] if mode == "add" else [obj.pk]
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_{mode}", args=args)
    except NoReverseMatch:
        return None


def _attack(client: Client, url: str, label: str, shard: tuple[int, int] = (0, 1)) -> int:
    """POST hostile variants of the page's own form; return how many were sent."""
    page = client.get(url)
    assert page.status_code < 500, f"GET {url}: {page.status_code}"
    if page.status_code != 200:
        before = _row_counts()
        assert client.post(url, {"title": "x"}).status_code < 500
        assert _row_counts() == before
        return 1
    base = admin_form_data(page.content.decode())
    # The main form's fields and the first row of each inline (the other rows are alike).
    names = [
        n for n in base if n not in SKIP and not n.endswith("-INITIAL_FORMS") and _first_row(n)
    ]
    variants: list[dict[str, list[str]]] = []
    for position, name in enumerate(names):
        if name.endswith(("-TOTAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")):
            values = MANAGEMENT_TAMPERING
        elif DATEISH.search(name):
            values = HOSTILE[:4]
        else:  # two of the values per field, in turn, to stay within the test timeout
            values = [HOSTILE[(position + k * 5) % len(HOSTILE)] for k in range(2)]
        variants += [{**base, name: [value]} for value in values]
    # Every field hostile at once, and an inline claiming rows it does not have.
    variants += [{**base, **{n: [value] for n in names}} for value in HOSTILE]
    variants += [{**base, n: ["5"]} for n in base if n.endswith("-INITIAL_FORMS")]
    sent = 0
    before = _row_counts()
    number, shards = shard
    for data in variants[number::shards]:
        response = client.post(url, as_post(data))
        sent += 1
        assert response.status_code < 500, (
            f"{label}: POST {url} with {_diff(base, data)} gave {response.status_code}"
        )
        after = _row_counts()
        if response.status_code != 302:  # refused: nothing written
            changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            assert not changed, f"{label}: refused POST {_diff(base, data)} wrote {changed}"
        else:  # accepted (a hostile-looking value can be legitimate text): read it again
            before = after
            fresh = client.get(url)
            if fresh.status_code == 200:
                base = admin_form_data(fresh.content.decode())
    return sent


def _first_row(name: str) -> bool:
    match = ROW.match(name)
    return match is None or match.group(1) == "0"


def _diff(base: dict[str, list[str]], data: dict[str, list[str]]) -> str:
    changed = {k: v[0][:30] for k, v in data.items() if base.get(k) != v}
    return repr(changed)[:300]


# The largest forms (a modification with its inlines, members posting their comments) are
# attacked in parts, each within the suite's 120 s per test; small parts also let four xdist
# workers finish together (a 100 s committee part started last was the suite's tail).
SHARDS = {
    "modifications.Modification": 8,
    "committees.Committee": 3,
    "committees.Meeting": 3,
    "consultations.Consultation": 2,
    "parties.Person": 3,
}
CASES = [
    (label, mode, (number, SHARDS.get(label, 1)))
    for label in MODEL_LABELS
    for mode in ("add", "change")
    for number in range(SHARDS.get(label, 1))
]


@pytest.fixture
def _plain_template_rendering(monkeypatch):  # type: ignore[no-untyped-def]
    """Templates render as in production, without the test environment's instrumentation:
    nothing here reads response.context or response.templates, and the test client's copy
    of the context of every template rendered (an admin form renders some 700, one per
    widget) was about a tenth of this walker's time."""
    monkeypatch.setattr(Template, "_render", _TestState.saved_data.template_render)


# Each part posts some hundreds of forms; on a loaded two-core machine a modification's part
# (its page now carries comments and consultations too) came near the suite's 120 s.
@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("label", "mode", "shard"), CASES, ids=[f"{c[0]}-{c[1]}-{c[2][0]}" for c in CASES]
)
@pytest.mark.usefixtures("_plain_template_rendering")
def test_hostile_values_in_every_admin_form(world, label, mode, shard, settings):  # noqa: F811
    settings.DEBUG = False
    model = apps.get_model(label)
    obj = first_object(model)
    assert model in admin.site._registry and obj is not None
    url = _url(model, obj, mode)
    if url is None:
        pytest.skip(f"{label} has no {mode} page")
    for role in ("secas_staff", "committee_member"):
        client = Client(raise_request_exception=False)
        client.force_login(UserFactory(**{role: True}))
        assert _attack(client, url, f"{label} {mode} as {role}", shard) > 0
