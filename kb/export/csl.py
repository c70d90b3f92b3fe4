"""Papers → CSL-JSON, the input of pandoc's ``--citeproc``, Zotero and citeproc-js.

Values are plain Unicode (JSON needs no LaTeX); ``id`` is the paper's citekey,
so ``[@fongUnderstandingDeepNetworks2019]`` in a Markdown manuscript works with
both the BibTeX and the CSL-JSON export.

>>> from kb.export.records import Author, PaperRecord
>>> item = csl_item(PaperRecord(1, "k", "inproceedings", "A {GAN}", 2019, "ICCV", pages="1-9",
...                             authors=[Author("Bau", "David")], et_al=True))
>>> item["type"], item["author"], item["issued"], item["page"]
('paper-conference', [{'family': 'Bau', 'given': 'David'}, {'literal': 'others'}], {'date-parts': [[2019]]}, '1-9')
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from kb.export.bibtex import is_arxiv_preprint
from kb.export.records import PaperRecord, Selection, load_selection

CSL_TYPES = {
    "inproceedings": "paper-conference",
    "article": "article-journal",
    "book": "book",
    "incollection": "chapter",
    "phdthesis": "thesis",
    "techreport": "report",
    "misc": "document",
}


def csl_type(rec: PaperRecord) -> str:
    """CSL item type; an arXiv preprint is ``article`` (CSL's type for preprints)."""
    if is_arxiv_preprint(rec):
        return "article"
    return CSL_TYPES.get(rec.type, "document")


def csl_item(rec: PaperRecord) -> dict[str, Any]:
    item: dict[str, Any] = {"id": rec.citekey, "citation-key": rec.citekey, "type": csl_type(rec)}
    authors: list[dict[str, str]] = []
    for a in rec.authors:
        if a.family and a.given:
            authors.append({"family": a.family, "given": a.given})
        elif a.family or a.given:
            authors.append({"family": a.family or a.given})
    if rec.et_al and authors:
        authors.append({"literal": "others"})  # citeproc renders "et al." once the list is cut
    if authors:
        item["author"] = authors
    optional = {
        "title": rec.title,
        "container-title": None if is_arxiv_preprint(rec) else rec.venue,
        "publisher": rec.publisher or ("arXiv" if is_arxiv_preprint(rec) else None),
        "page": rec.pages,
        "volume": rec.volume,
        "issue": rec.issue,
        "DOI": rec.doi,
        "URL": rec.url or (f"https://arxiv.org/abs/{rec.arxiv_id}" if rec.arxiv_id else None),
        "number": f"arXiv:{rec.arxiv_id}" if is_arxiv_preprint(rec) else None,
    }
    item.update({k: v for k, v in optional.items() if v})
    if rec.year is not None:
        item["issued"] = {"date-parts": [[rec.year]]}
    return item


def format_csl_json(records: list[PaperRecord]) -> str:
    """A JSON array of CSL items (pure: no database)."""
    return json.dumps([csl_item(r) for r in records], ensure_ascii=False, indent=2) + "\n"


def export_csl_json(session: Session, selection: Selection = Selection(), unicode: bool = True) -> str:
    """CSL-JSON of the selected papers (always UTF-8: ``unicode`` is accepted for a uniform signature)."""
    return format_csl_json(load_selection(session, selection))
