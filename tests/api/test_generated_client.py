"""A Python client generated from /api/schema/ by openapi-python-client imports whole and
lists, reads and writes through the real API (marked `conformance`).

The client is generated into a temporary folder and talks to the tracker's WSGI application
in process (httpx's WSGI transport: no server, no network). It parses every answer into its
own models, which are as strict as the schema: a null where the schema says an object, or
a missing required field, raises.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from secmods.glossary.models import GlossaryTerm
from tests.factories import ModificationFactory

pytestmark = pytest.mark.conformance
PACKAGE = "secmods_api_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):  # type: ignore[no-untyped-def]
    tmp_path = tmp_path_factory.mktemp("client")
    schema = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(schema))
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Any endpoint or model it could not generate is reported as a warning.
    assert "Warning" not in result.stdout, result.stdout
    sys.path.insert(0, str(tmp_path))
    yield importlib.import_module(PACKAGE)
    sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def test_the_generated_client_imports_whole(generated):  # type: ignore[no-untyped-def]
    failed = {}
    modules = list(pkgutil.walk_packages(generated.__path__, PACKAGE + "."))
    for module in modules:
        try:
            importlib.import_module(module.name)
        except Exception as exc:
            failed[module.name] = repr(exc)
    assert len(modules) > 100
    assert not failed


def _client(generated, user=None):  # type: ignore[no-untyped-def]
    from config.wsgi import application

    client_module = importlib.import_module(f"{PACKAGE}.client")
    token = Token.objects.get_or_create(user=user)[0].key if user else ""
    client = client_module.AuthenticatedClient(
        base_url="http://testserver", token=token, prefix="Token"
    )
    headers = {"Authorization": f"Token {token}"} if token else {}
    client.set_httpx_client(
        httpx.Client(
            base_url="http://testserver",
            transport=httpx.WSGITransport(app=application),
            headers=headers,
        )
    )
    return client


def _api(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def test_the_generated_client_lists_reads_and_writes(
    generated, seed, secas_user, _keep_test_connection
):  # type: ignore[no-untyped-def]
    bare = ModificationFactory(proposer=None, published_at=seed.published_at)
    anonymous, staff = _client(generated), _client(generated, secas_user)

    listed = _api("modifications.modifications_list").sync_detailed(client=anonymous)
    assert listed.status_code == 200, listed.content
    page = listed.parsed
    assert page.count >= 2
    assert any(row.reference == bare.reference and row.proposer is None for row in page.results)

    read = _api("modifications.modifications_retrieve").sync_detailed(
        bare.reference, client=anonymous
    )
    assert read.status_code == 200, read.content
    assert read.parsed.lead_analyst is None and read.parsed.next_key_date is None

    models = importlib.import_module(f"{PACKAGE}.models")
    milestone = _api("modifications.modifications_milestones_create").sync_detailed(
        "MP160",
        client=staff,
        body=models.MilestoneRequest.from_dict(
            {
                "kind": "working_group",
                "label": "Working Group",
                "when": {"date": "2021-07-01", "precision": "quarter"},
            }
        ),
    )
    assert milestone.status_code == 201, milestone.content
    assert milestone.parsed.when.display == "Q3 2021"

    term = _api("glossary.glossary_create").sync_detailed(
        client=staff,
        body=models.GlossaryTermRequest.from_dict(
            {
                "acronym": "TABASC",
                "full_term": "Technical Architecture and Business Architecture Sub-Committee",
            }
        ),
    )
    assert term.status_code == 201, term.content
    assert GlossaryTerm.objects.filter(acronym="TABASC").exists()

    refused = _api("glossary.glossary_create").sync_detailed(
        client=anonymous,
        body=models.GlossaryTermRequest.from_dict({"acronym": "X", "full_term": "Y"}),
    )
    assert refused.status_code == 401
