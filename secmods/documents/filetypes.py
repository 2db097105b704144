"""What a file really is, found from its content (never from its name or the browser's word).

Pure functions, no database. A document library accepts the files SECAS works with: PDF,
Word (.docx), Excel (.xlsx, consultation response tables) and plain text; the name's
extension must agree with the content, so that a page saved as "minutes.pdf" or a script
named "notes.txt" is refused at upload rather than served.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
import zlib
from pathlib import PurePath
from typing import Any

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT = "text/plain"

EXTENSIONS = {PDF: {".pdf"}, DOCX: {".docx"}, XLSX: {".xlsx"}, TEXT: {".txt", ".csv", ".md"}}
DEFAULT_EXTENSION = {PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx", TEXT: ".txt"}


class FileTypeError(ValueError):
    """The file is not one the library accepts, or its name does not match its content."""


class ExpansionError(FileTypeError):
    """The file expands (or takes) more than a real document would: refused before parsing."""


# What a real document expands to, measured by decompressing (never by what its headers
# declare, which a crafted file sets at will). A 40-page report is about 0.5 MB of Word XML
# and 2 MB of PDF streams; the limits leave room for long reports and embedded images while
# keeping what a parser is handed (and so its memory) to tens of MB.
MAX_ZIP_EXPANDED = 100 * 1024 * 1024  # every part of a .docx/.xlsx, streamed and counted
MAX_ZIP_XML = 12 * 1024 * 1024  # the XML parts python-docx parses into a tree
MAX_PDF_STREAM = 32 * 1024 * 1024  # one FlateDecode stream (a page's content, an image)
MAX_PDF_EXPANDED = 256 * 1024 * 1024  # all of a PDF's FlateDecode streams together
CHECK_SECONDS = 5.0  # decompressing to count; a real file needs a fraction of this

_CHUNK = 1 << 20


def _inflate_count(
    stream: Any,
    limit: int,
    deadline: float,
    what: str,
    filename: str,
    *,
    raw: bool = False,
    stated: int = 0,
) -> int:
    """Decompress `stream` (bytes, or a readable file of decompressed data when not raw),
    counting the bytes and keeping none; ExpansionError past `limit` bytes or the deadline."""
    total = 0
    if raw:
        inflater = zlib.decompressobj()
        pending = stream
        while pending:
            try:
                out = inflater.decompress(pending, _CHUNK)
            except zlib.error:
                return total  # not Flate after all: the parser will say what it is
            total += len(out)
            if total > limit:
                raise _too_big(filename, what, stated or limit)
            if time.monotonic() > deadline:
                raise _too_slow(filename)
            pending = inflater.unconsumed_tail
            if inflater.eof or not out:
                break
        return total
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise _too_big(filename, what, stated or limit)
        if time.monotonic() > deadline:
            raise _too_slow(filename)
    return total


def _too_big(filename: str, what: str, limit: int) -> ExpansionError:
    return ExpansionError(
        f"{filename} expands to more than {limit // 1_048_576} MB ({what}): refused as an "
        "archive bomb or a damaged file."
    )


def _too_slow(filename: str) -> ExpansionError:
    return ExpansionError(
        f"{filename} takes more than {CHECK_SECONDS:.0f} s to decompress: refused as an "
        "archive bomb or a damaged file."
    )


def check_zip_expansion(
    data: bytes,
    filename: str,
    *,
    total_limit: int = MAX_ZIP_EXPANDED,
    xml_limit: int = MAX_ZIP_XML,
    seconds: float = CHECK_SECONDS,
) -> set[str]:
    """The names in the zip, after decompressing every part to count what it really holds.

    ExpansionError when the parts expand beyond the limits; zipfile.BadZipFile (and the
    other zipfile errors) when the archive is damaged, including a part whose declared size
    is smaller than its data (zipfile stops at the declared size and the CRC fails)."""
    deadline = time.monotonic() + seconds
    total = xml = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        for info in infos:
            if info.is_dir():
                continue
            is_xml = info.filename.lower().endswith((".xml", ".rels"))
            with archive.open(info) as part:
                size = _inflate_count(
                    part,
                    min(total_limit - total, xml_limit - xml) if is_xml else total_limit - total,
                    deadline,
                    "XML" if is_xml else "in all",
                    filename,
                    stated=xml_limit if is_xml and xml_limit - xml <= total_limit - total else 0,
                )
            total += size
            if is_xml:
                xml += size
    return {info.filename for info in infos}


_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")


def check_pdf_expansion(
    data: bytes,
    filename: str,
    *,
    stream_limit: int = MAX_PDF_STREAM,
    total_limit: int = MAX_PDF_EXPANDED,
    seconds: float = CHECK_SECONDS,
) -> None:
    """Inflate every FlateDecode stream of the raw file (found by its `stream` keyword, not
    its declared /Length), counting and discarding: ExpansionError past the limits."""
    deadline = time.monotonic() + seconds
    total = 0
    position = 0
    while match := _STREAM_START.search(data, position):
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            break
        position = end + len(b"endstream")
        header = data[max(0, match.start() - 1024) : match.start()]
        header = header[header.rfind(b"obj") + 1 :] if b"obj" in header else header
        if b"/FlateDecode" not in header and b"/Fl " not in header and b"/Fl]" not in header:
            continue
        size = _inflate_count(
            data[start:end],
            min(stream_limit, total_limit - total),
            deadline,
            "one stream" if stream_limit < total_limit - total else "in all",
            filename,
            raw=True,
            stated=stream_limit if stream_limit < total_limit - total else total_limit,
        )
        total += size


def _is_pdf(data: bytes, filename: str) -> bool:
    from pypdf import PdfReader

    check_pdf_expansion(data, filename)
    try:
        reader = PdfReader(io.BytesIO(data))
        # An encrypted PDF is a legitimate PDF (a DCC assessment may be one): it cannot be
        # read here, but its structure opened, which is what we check.
        return reader.is_encrypted or len(reader.pages) >= 0
    except Exception:  # pypdf fails in many ways on a damaged file
        return False


def _zip_names(data: bytes, filename: str) -> set[str]:
    try:
        return check_zip_expansion(data, filename)
    except ExpansionError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return set()


def _is_docx(data: bytes) -> bool:
    import docx

    try:
        docx.Document(io.BytesIO(data))
    except Exception:  # python-docx, lxml and zlib fail in many ways on a damaged package
        return False
    return True


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    return controls <= len(text) // 100


def sniff(data: bytes, filename: str = "the file") -> str | None:
    """The content type the bytes really are, among those accepted, or None.

    ExpansionError (a FileTypeError) for a file that expands beyond the limits."""
    if data.lstrip()[:5] == b"%PDF-":
        return PDF if _is_pdf(data, filename) else None
    if data[:4] == b"PK\x03\x04":
        names = _zip_names(data, filename)
        if "word/document.xml" in names:
            return DOCX if _is_docx(data) else None
        if "xl/workbook.xml" in names:
            return XLSX
        return None
    return TEXT if data and _is_text(data) else None


def check_upload(data: bytes, filename: str, *, max_bytes: int) -> str:
    """The content type to store and serve, or FileTypeError saying why the file is refused."""
    if not data:
        raise FileTypeError(f"{filename} is empty.")
    if len(data) > max_bytes:
        raise FileTypeError(
            f"{filename} is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB."
        )
    content_type = sniff(data, filename)
    if content_type is None:
        raise FileTypeError(
            f"{filename} is not a PDF, Word (.docx), Excel (.xlsx) or plain-text file "
            "(judged by its content)."
        )
    extension = PurePath(filename).suffix.lower()
    if extension not in EXTENSIONS[content_type]:
        raise FileTypeError(
            f"{filename}: the name says '{extension or 'no extension'}' but the content is "
            f"{DEFAULT_EXTENSION[content_type]}; rename it to match."
        )
    return content_type
