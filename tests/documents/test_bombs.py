"""Archive bombs are refused early, whatever their parts declare, by every door: the upload
check, the parser (so the admin import), and import_report."""

from __future__ import annotations

import time
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from secmods.documents.filetypes import ExpansionError, check_upload
from secmods.documents.models import Document
from secmods.documents.parsing import DocumentError, parse_document
from secmods.modifications.models import Modification
from tests.documents.bombs import docx_bomb, pdf_bomb
from tests.documents.test_commands import run  # noqa: F401  (the fixture)


@pytest.fixture(scope="module")
def bomb_docx() -> bytes:
    data = docx_bomb(95)
    # The file: well under a megabyte, honest headers under the old 100 MB cap.
    assert len(data) < 600 * 1024
    return data


@pytest.fixture(scope="module")
def bomb_pdf() -> bytes:
    data = pdf_bomb(400)
    assert len(data) < 600 * 1024
    return data


def bounded(call, *, seconds: float = 3.0, megabytes: int = 100) -> Exception:
    """Run `call`, which must raise; check it took under `seconds` and allocated under
    `megabytes` at its peak (tracemalloc counts the bytes zlib and lxml hand to Python)."""
    start = time.monotonic()
    with pytest.raises((ExpansionError, DocumentError)) as caught:
        call()
    elapsed = time.monotonic() - start
    tracemalloc.start()
    try:
        with pytest.raises((ExpansionError, DocumentError)):
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < seconds, f"{elapsed:.1f} s"
    assert peak < megabytes * 1024 * 1024, f"{peak / 1_048_576:.0f} MB"
    return caught.value


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_the_upload_check_refuses_a_bomb_fast_and_small(kind, bomb_docx, bomb_pdf):
    data = bomb_docx if kind == "docx" else bomb_pdf
    error = bounded(lambda: check_upload(data, f"small.{kind}", max_bytes=20 * 1024 * 1024))
    assert f"small.{kind} expands to more than" in str(error)
    assert "archive bomb" in str(error) and "\n" not in str(error)


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_the_parser_refuses_a_bomb_fast_and_small(kind, bomb_docx, bomb_pdf):
    data = bomb_docx if kind == "docx" else bomb_pdf
    error = bounded(lambda: parse_document(data, f"report.{kind}"))
    assert f"report.{kind} expands to more than" in str(error)


def test_a_part_that_lies_about_its_size_is_refused_as_damaged():
    import io
    import zipfile

    from tests.documents.helpers import word_report

    data = bytearray(word_report())
    # Shrink the size the central directory declares for word/document.xml.
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("word/document.xml")
    central = bytes(data).rindex(
        b"PK\x01\x02", 0, bytes(data).index(b"word/document.xml", archive.start_dir)
    )
    size_at = central + 24
    data[size_at : size_at + 4] = (info.file_size // 10).to_bytes(4, "little")
    with pytest.raises(DocumentError, match="not a readable Word file"):
        parse_document(bytes(data), "liar.docx")


def test_import_report_refuses_a_bomb_with_one_line(run, db, tmp_path, capsys, bomb_docx):  # noqa: F811
    path = tmp_path / "mp204.docx"
    path.write_bytes(bomb_docx)
    start = time.monotonic()
    assert run("import_report", str(path), "--reference", "MP204", "--title", "x") == 1
    assert time.monotonic() - start < 5
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mp204.docx expands to more than 12 MB (XML)" in err[0]
    assert not Modification.objects.exists()


def test_the_admin_import_and_library_refuse_a_bomb(secas_client, db, bomb_docx):
    response = secas_client.post(
        reverse("admin:documents_import_report"),
        {"file": SimpleUploadedFile("mp204.docx", bomb_docx), "reference": "MP204"},
    )
    assert response.status_code == 200
    assert "mp204.docx expands to more than 12 MB (XML)" in response.content.decode()
    assert not Modification.objects.exists() and not Document.objects.exists()
