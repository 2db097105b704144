"""What a file really is, found from its content (never from its name or the browser's word).

Pure functions, no database. A document library accepts the files SECAS works with: PDF,
Word (.docx), Excel (.xlsx, consultation response tables) and plain text; the name's
extension must agree with the content, so that a page saved as "minutes.pdf" or a script
named "notes.txt" is refused at upload rather than served.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT = "text/plain"

EXTENSIONS = {PDF: {".pdf"}, DOCX: {".docx"}, XLSX: {".xlsx"}, TEXT: {".txt", ".csv", ".md"}}
DEFAULT_EXTENSION = {PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx", TEXT: ".txt"}


class FileTypeError(ValueError):
    """The file is not one the library accepts, or its name does not match its content."""


def _is_pdf(data: bytes) -> bool:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        # An encrypted PDF is a legitimate PDF (a DCC assessment may be one): it cannot be
        # read here, but its structure opened, which is what we check.
        return reader.is_encrypted or len(reader.pages) >= 0
    except Exception:  # pypdf fails in many ways on a damaged file
        return False


# A zip that would expand beyond this is refused before anything opens it (a "zip bomb").
MAX_UNCOMPRESSED = 100 * 1024 * 1024


def _zip_names(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return set()
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
        return set()
    return {info.filename for info in infos}


def _is_docx(data: bytes) -> bool:
    import docx

    if "word/document.xml" not in _zip_names(data):
        return False
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


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are, among those accepted, or None."""
    if data.lstrip()[:5] == b"%PDF-":
        return PDF if _is_pdf(data) else None
    if data[:4] == b"PK\x03\x04":
        names = _zip_names(data)
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
    content_type = sniff(data)
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
