"""PDF to text: ours (pypdfium2, service.documents.pdf_text) against pypdf, on the same 50 letters of the corpus."""
from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from service.documents import MAX_PAGES, pdf_text
from tests.sitehelpers import CORPUS

LETTERS = 50
ROUNDS = 3  # each library reads the letters this many times, taking turns; the best round counts
LETTER = "children's services focused visit"


def missing() -> str | None:
    """Why these figures cannot be measured here, or None."""
    return None if (CORPUS / "publications.csv").is_file() else f"the Ofsted corpus is not at {CORPUS}"


def letters(folder: Path = CORPUS, n: int = LETTERS) -> list[bytes]:
    """The first n focused-visit letters of the corpus, by file id."""
    with open(folder / "publications.csv", newline="") as f:
        ids = sorted(int(row["file_id"]) for row in csv.DictReader(f) if row["label"].lower() == LETTER)
    paths = [folder / "files" / f"{i}.pdf" for i in ids]
    return [p.read_bytes() for p in paths if p.is_file()][:n]


def pypdf_text(data: bytes, max_pages: int = MAX_PAGES) -> str:
    """The same text with pypdf: the first max_pages pages, separated by form feeds."""
    reader = PdfReader(io.BytesIO(data))
    return "\f".join(page.extract_text() for page in reader.pages[:max_pages])


def _seconds(read: Callable[[bytes], str], documents: list[bytes]) -> float:
    started = time.perf_counter()
    for data in documents:
        read(data)
    return time.perf_counter() - started


def measure() -> dict[str, Any]:
    """Seconds for each library over the same letters (best of ROUNDS), and how many times faster ours is."""
    documents = letters()
    rounds = [(_seconds(pdf_text, documents), _seconds(pypdf_text, documents)) for _ in range(ROUNDS)]
    ours, theirs = min(r[0] for r in rounds), min(r[1] for r in rounds)
    return {"pdf_letters": len(documents), "pdf_pypdfium2_s": ours, "pdf_pypdf_s": theirs,
            "pdf_vs_pypdf": theirs / ours}
