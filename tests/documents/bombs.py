"""Archive bombs: small files that expand to far more than their size (test inputs)."""

from __future__ import annotations

import io
import random
import zipfile

from .helpers import word_report


def docx_bomb(expanded_mb: int = 95) -> bytes:
    """A real .docx (python-docx) whose word/document.xml is padded to `expanded_mb` MB of
    paragraphs, stored at about 300 KB: the zip declares the true sizes (under any 100 MB
    cap) and every part is valid, so only decompressing tells what it costs."""
    source = zipfile.ZipFile(io.BytesIO(word_report()))
    xml = source.read("word/document.xml").decode()
    rng = random.Random(326)
    target = expanded_mb * 1024 * 1024
    # Paragraphs of a few words, repeated with a little variety, compress about 300:1.
    words = ["DCC", "SEC", "Party", "meter", "data", "report", "CSC", "SMKI"]
    block = "".join(
        f"<w:p><w:r><w:t>{rng.choice(words)} {rng.choice(words)}</w:t></w:r></w:p>"
        for _ in range(12)
    )
    padding = block * (target // len(block) + 1)
    body_end = xml.index("<w:sectPr")
    xml = xml[:body_end] + padding[: target - len(xml)] + xml[body_end:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            data = xml.encode() if info.filename == "word/document.xml" else source.read(info)
            archive.writestr(info.filename, data)
    return out.getvalue()


def pdf_bomb(expanded_mb: int = 400) -> bytes:
    """A PDF whose one page content stream inflates to `expanded_mb` MB (of spaces, which
    deflate about 1000:1), with a /Length that is honest about the compressed bytes."""
    import zlib

    compressor = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    stream = b"".join(compressor.compress(chunk) for _ in range(expanded_mb)) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()
