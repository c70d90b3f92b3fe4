"""Write ``indomain.jsonl``: our own labelled references in the styles that
conference-notes posts use (Google Scholar Chicago, IEEE, APA, ACM, Vancouver,
LNCS, natbib/BibTeX-rendered, Markdown-in-post), from the facts in papers.py,
plus a few irregular hand-written strings. Labels follow AnyStyle's
conventions (see shared/refdata/README.md) so they mix with its data.

Deterministic: ``python -m kb.ingest.refparse.data.build_indomain``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from kb.ingest.refparse.data.papers import VENUES, P

OUT = Path(__file__).with_name("indomain.jsonl")
_LATEX = {
    "é": "{\\'e}",
    "á": "{\\'a}",
    "ó": "{\\'o}",
    "ö": '{\\"o}',
    "ü": '{\\"u}',
    "è": "{\\`e}",
    "ł": "{\\l}",
    "Ł": "{\\L}",
    "ç": "{\\c{c}}",
}


class Paper:
    def __init__(self, row: tuple) -> None:
        (
            self.kind,
            authors,
            self.title,
            self.venue,
            self.year,
            self.volume,
            self.issue,
            self.pages,
            self.publisher,
            self.place,
            self.arxiv,
            self.doi,
        ) = row
        self.names = [tuple(a.split("|")) for a in authors.split(";")]

    def venue_forms(self) -> tuple[str, str, str, str]:
        if isinstance(self.venue, str) and self.venue in VENUES:
            return VENUES[self.venue]
        if isinstance(self.venue, tuple):
            return (self.venue[0], self.venue[0], self.venue[1], self.venue[1])
        return (self.venue, self.venue, self.venue, self.venue)


def initials(given: str, dots: bool = True) -> str:
    out = []
    for word in given.replace(".", "").split():
        parts = word.split("-")
        if dots:
            out.append("-".join(p[0] + "." for p in parts))
        else:
            out.append("".join(p[0] for p in parts))
    return (" " if dots else "").join(out)


def join(names: list[str], conj: str = "and", oxford: bool = True) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        comma = "," if oxford and (conj == "&" or "," in names[0]) else ""
        return f"{names[0]}{comma} {conj} {names[1]}"
    return ", ".join(names[:-1]) + f"{',' if oxford else ''} {conj} " + names[-1]


def dash(pages: str, d: str = "–") -> str:
    return pages.replace("-", d)


def em(text: str, mark: str) -> str:
    return f"{mark}{text}{mark}" if mark else text


def chicago(p: Paper, r: random.Random) -> list[tuple[str, str]]:
    """Google Scholar's Chicago/MLA export, as pasted into posts."""
    g, f = p.names[0]
    if len(p.names) > 3:
        auth = f"{f}, {g}, et al."
    else:
        rest = [f"{gi} {fi}" for gi, fi in p.names[1:]]
        auth = join([f"{f}, {g}"] + rest) + ("" if auth_end(p) else ".")
    mark = r.choice(["_", "_", "*", ""])
    out = [("author", auth), ("title", f'"{p.title[0].upper() + p.title[1:]}."')]
    full, scholar, short, acm = p.venue_forms()
    if p.kind == "conf":
        out.append(("container-title", em(scholar, mark) + "."))
        if p.publisher in ("Springer", "IEEE", "ACM", "PMLR") and r.random() < 0.6:
            pub = {"PMLR": "JMLR. org", "IEEE": "IEEE", "ACM": "ACM"}.get(p.publisher, p.publisher)
            out.append(("publisher", pub + ","))
            if p.publisher == "Springer":
                out[-1] = ("publisher", "Springer,")
                out.append(("location", "Cham,"))
        out.append(("date", f"{p.year}."))
    elif p.kind == "journal":
        out += [
            ("journal", em(full, mark)),
            ("volume", f"{p.volume}.{p.issue}"),
            ("date", f"({p.year}):"),
            ("pages", f"{p.pages}."),
        ]
    elif p.kind == "arxiv":
        out += [("note", em(f"arXiv preprint arXiv:{p.arxiv}", mark)), ("date", f"({p.year}).")]
    elif p.kind == "book":
        out[1] = ("title", em(p.title, mark) + ".")
        out += [("location", p.place + ":"), ("publisher", p.publisher + ","), ("date", f"{p.year}.")]
    elif p.kind in ("thesis", "report"):
        out += [("date", f"({p.year}).")]
    else:  # chapter
        out += [
            ("container-title", em(p.venue, mark) + "."),
            ("publisher", p.publisher + ","),
            ("location", p.place + ","),
            ("date", f"{p.year}."),
            ("pages", f"{p.pages}."),
        ]
    return out


def auth_end(p: Paper) -> bool:
    return p.names[-1][0].endswith(".") and len(p.names) == 1


def ieee(p: Paper, r: random.Random) -> list[tuple[str, str]]:
    names = [f"{initials(g)} {f}" for g, f in p.names]
    auth = names[0] + " et al.," if len(names) > 6 else join(names) + ","
    full, scholar, short, acm = p.venue_forms()
    out = [("citation-number", f"[{r.randint(1, 60)}]"), ("author", auth), ("title", f"“{p.title},”")]
    if p.kind == "conf":
        venue = r.choice([f"in Proc. {short}", f"in {full}", f"in _Proc. {short}_"])
        out += [("container-title", venue + ","), ("date", f"{p.year},")]
        out += [("pages", f"pp. {dash(p.pages)}.")] if p.pages else []
        if not p.pages:
            out[-1] = ("date", f"{p.year}.")
    elif p.kind == "journal":
        out += [
            ("journal", r.choice([full, p.venue[1]]) + ","),
            ("volume", f"vol. {p.volume}, no. {p.issue},"),
            ("pages", f"pp. {dash(p.pages)},"),
            ("date", f"{p.year}."),
        ]
    elif p.kind == "arxiv":
        out += [("note", r.choice([f"arXiv preprint arXiv:{p.arxiv},", f"arXiv:{p.arxiv},"])), ("date", f"{p.year}.")]
    elif p.kind == "book":
        out[2] = ("title", f"_{p.title}_.")
        out += [("location", p.place + ":"), ("publisher", p.publisher + ","), ("date", f"{p.year}.")]
    elif p.kind == "thesis":
        out += [
            ("genre", "Ph.D. dissertation,"),
            ("publisher", p.publisher + ","),
            ("location", p.place + ","),
            ("date", f"{p.year}."),
        ]
    elif p.kind == "report":
        out += [
            ("publisher", p.publisher + ","),
            ("location", p.place + ","),
            ("genre", "Tech. Rep.,"),
            ("date", f"{p.year}."),
        ]
    else:
        out += [
            ("container-title", f"in _{p.venue}_."),
            ("location", p.place + ":"),
            ("publisher", p.publisher + ","),
            ("date", f"{p.year},"),
            ("pages", f"pp. {dash(p.pages)}."),
        ]
    return out


def apa(p: Paper, r: random.Random) -> list[tuple[str, str]]:
    names = [f"{f}, {initials(g)}" for g, f in p.names]
    if len(names) > 7:
        auth = ", ".join(names[:6]) + ", … " + names[-1]
    else:
        auth = join(names, "&")
    full, scholar, short, acm = p.venue_forms()
    out = [("author", auth), ("date", f"({p.year})."), ("title", f"{p.title}.")]
    if p.kind == "conf":
        out += [("container-title", f"In _{full}_")]
        out += [("pages", f"(pp. {dash(p.pages)}).")] if p.pages else []
        if p.publisher:
            out.append(("publisher", p.publisher + "."))
    elif p.kind == "journal":
        out += [("journal", f"_{full}_,"), ("volume", f"_{p.volume}_({p.issue}),"), ("pages", f"{dash(p.pages)}.")]
        if p.doi:
            out.append(("url", f"https://doi.org/{p.doi}"))
    elif p.kind == "arxiv":
        out += [("note", f"_arXiv preprint arXiv:{p.arxiv}_.")]
    elif p.kind == "book":
        out[2] = ("title", f"_{p.title}_.")
        out += [("publisher", p.publisher + ".")]
    elif p.kind == "thesis":
        out[2] = ("title", f"_{p.title}_")
        out += [("genre", "[Doctoral dissertation,"), ("publisher", p.publisher + "].")]
    elif p.kind == "report":
        out += [("genre", "(Technical Report)."), ("publisher", p.publisher + ".")]
    else:
        out += [
            ("container-title", f"In _{p.venue}_"),
            ("pages", f"(pp. {dash(p.pages)})."),
            ("publisher", p.publisher + "."),
        ]
    return out


def acm_style(p: Paper, r: random.Random) -> list[tuple[str, str]]:
    names = [f"{g} {f}" for g, f in p.names]
    full, scholar, short, acm = p.venue_forms()
    out = [("author", join(names) + "."), ("date", f"{p.year}."), ("title", f"{p.title}.")]
    if p.kind == "conf":
        out += [("container-title", f"In _{full}_ ({acm}).")]
        if p.publisher:
            out += [("publisher", p.publisher + ",")]
            if p.place:
                out += [("location", p.place + ",")]
        if p.pages:
            out += [("pages", f"{dash(p.pages)}.")]
        if p.doi:
            out += [("url", f"https://doi.org/{p.doi}")]
    elif p.kind == "journal":
        out += [
            ("journal", f"_{full}_"),
            ("volume", f"{p.volume}, {p.issue}"),
            ("date", f"({p.year}),"),
            ("pages", f"{dash(p.pages)}."),
        ]
        if p.doi:
            out += [("url", f"https://doi.org/{p.doi}")]
    elif p.kind == "arxiv":
        out += [("note", f"_arXiv preprint arXiv:{p.arxiv}_"), ("date", f"({p.year}).")]
    elif p.kind == "book":
        out[2] = ("title", f"_{p.title}_.")
        out += [("publisher", p.publisher + ","), ("location", p.place + ".")]
    elif p.kind == "thesis":
        out[2] = ("title", f"_{p.title}_.")
        out += [("genre", "Ph.D. Dissertation."), ("publisher", p.publisher + ","), ("location", p.place + ".")]
    elif p.kind == "report":
        out += [("genre", "Technical Report."), ("publisher", p.publisher + ".")]
    else:
        out += [
            ("container-title", f"In _{p.venue}_."),
            ("publisher", p.publisher + ","),
            ("location", p.place + ","),
            ("pages", f"{dash(p.pages)}."),
        ]
    return out


def vancouver(p: Paper, r: random.Random) -> list[tuple[str, str]]:
    names = [f"{f} {initials(g, dots=False)}" for g, f in p.names]
    auth = ", ".join(names[:6]) + (", et al." if len(names) > 6 else ".")
    full, scholar, short, acm = p.venue_forms()
    out = [("citation-number", f"{r.randint(1, 80)}."), ("author", auth), ("title", f"{p.title}.")]
    if p.kind == "conf":
        out += [("container-title", f"In: {full};"), ("date", f"{p.year}.")]
        out += [("pages", f"p. {p.pages}.")] if p.pages else []
    elif p.kind == "journal":
        out += [("journal", p.venue[1] + "."), ("volume", f"{p.year};{p.volume}({p.issue}):"), ("pages", f"{p.pages}.")]
    elif p.kind == "arxiv":
        out += [("note", f"arXiv:{p.arxiv} [Preprint]."), ("date", f"{p.year}.")]
    elif p.kind in ("book", "thesis", "report"):
        if p.kind == "thesis":
            out[2] = ("title", f"{p.title} [dissertation].")
        out += [("location", p.place + ":"), ("publisher", p.publisher + ";"), ("date", f"{p.year}.")]
    else:
        out += [
            ("container-title", f"In: {p.venue}."),
            ("location", p.place + ":"),
            ("publisher", p.publisher + ";"),
            ("date", f"{p.year}."),
            ("pages", f"p. {p.pages}."),
        ]
    return out


def plainnat(p: Paper, r: random.Random) -> list[tuple[str, str]]:
    """natbib plainnat as in ML papers, sometimes with BibTeX leftovers (``--``, ``{\\'e}``)."""
    d = r.choice(["–", "--", "-"])
    names = [f"{g} {f}" for g, f in p.names]
    full, scholar, short, acm = p.venue_forms()
    out = [("author", join(names) + "."), ("title", f"{p.title}.")]
    if p.kind == "conf":
        out += [("container-title", f"In _{r.choice([full, scholar, short])}_,")]
        out += [("pages", f"pages {dash(p.pages, d)},")] if p.pages else []
        out += [("date", f"{p.year}.")]
    elif p.kind == "journal":
        out += [
            ("journal", f"_{full}_,"),
            ("volume", f"{p.volume}({p.issue}):{dash(p.pages, d)},"),
            ("date", f"{p.year}."),
        ]
    elif p.kind == "arxiv":
        out += [("note", f"_arXiv preprint arXiv:{p.arxiv}_,"), ("date", f"{p.year}.")]
    elif p.kind == "book":
        out[1] = ("title", f"_{p.title}_.")
        out += [("publisher", p.publisher + ","), ("date", f"{p.year}.")]
    elif p.kind == "thesis":
        out += [("genre", "PhD thesis,"), ("publisher", p.publisher + ","), ("date", f"{p.year}.")]
    elif p.kind == "report":
        out += [("genre", "Technical report,"), ("publisher", p.publisher + ","), ("date", f"{p.year}.")]
    else:
        out += [
            ("container-title", f"In _{p.venue}_,"),
            ("pages", f"pages {dash(p.pages, d)}."),
            ("publisher", p.publisher + ","),
            ("date", f"{p.year}."),
        ]
    return out


def lncs(p: Paper, r: random.Random) -> list[tuple[str, str]]:
    names = [f"{f}, {initials(g)}" for g, f in p.names]
    auth = names[0] + ", et al.:" if len(names) > 4 else ", ".join(names) + ":"
    full, scholar, short, acm = p.venue_forms()
    out = [("author", auth), ("title", f"{p.title}.")]
    if p.kind == "conf":
        out += [("container-title", f"In: {r.choice([full, short])}.")]
        out += [("pages", f"pp. {dash(p.pages)}.")] if p.pages else []
        out += [("publisher", p.publisher)] if p.publisher else []
        out += [("date", f"({p.year})")]
    elif p.kind == "journal":
        out += [
            ("journal", p.venue[0]),
            ("volume", f"{p.volume}({p.issue}),"),
            ("pages", dash(p.pages)),
            ("date", f"({p.year})"),
        ]
    elif p.kind == "arxiv":
        out += [("note", f"arXiv preprint arXiv:{p.arxiv}"), ("date", f"({p.year})")]
    elif p.kind in ("book", "thesis", "report"):
        if p.kind != "book":
            out += [("genre", "Ph.D. thesis," if p.kind == "thesis" else "Tech. rep.,")]
        out += [("publisher", p.publisher + ","), ("location", p.place), ("date", f"({p.year})")]
    else:
        out += [
            ("container-title", f"In: {p.venue},"),
            ("pages", f"pp. {dash(p.pages)}."),
            ("publisher", p.publisher + ","),
            ("location", p.place),
            ("date", f"({p.year})"),
        ]
    return out


def markdown(p: Paper, r: random.Random) -> list[tuple[str, str]]:
    """Reference lines as people type them in Markdown posts."""
    full, scholar, short, acm = p.venue_forms()
    first = p.names[0]
    lead = f"{first[0]} {first[1]} et al." if len(p.names) > 2 else join([f"{g} {f}" for g, f in p.names])
    link = f"<https://arxiv.org/abs/{p.arxiv}>" if p.arxiv else (f"<https://doi.org/{p.doi}>" if p.doi else "")
    form = r.randrange(3)
    if form == 0:
        out = [("title", f"**{p.title}**"), ("author", f"— {lead}" + ("" if lead.endswith(".") else "."))]
        if p.kind in ("conf", "journal"):
            out.append(("container-title" if p.kind == "conf" else "journal", f"*{short}*,"))
        out.append(("date", f"{p.year}."))
    elif form == 1:
        out = [
            ("citation-number", f"[^{r.randint(1, 30)}]:"),
            ("author", lead),
            ("date", f"({p.year})."),
            ("title", f"_{p.title}_."),
        ]
        if p.kind in ("conf", "journal"):
            out.append(("container-title" if p.kind == "conf" else "journal", f"{short}."))
    else:
        out = [("citation-number", f"{r.randint(1, 30)}."), ("author", lead + ","), ("title", f"“{p.title},”")]
        if p.kind in ("conf", "journal"):
            out.append(("container-title" if p.kind == "conf" else "journal", f"*{full}*,"))
        out.append(("date", f"{p.year}."))
    if p.arxiv and form == 1:
        out.append(("note", f"arXiv:{p.arxiv}"))
    elif link:
        out.append(("url", link))
    return out


STYLES = (ieee, apa, acm_style, vancouver, plainnat, lncs, markdown)


def garble(fields: list[tuple[str, str]], r: random.Random) -> list[tuple[str, str]]:
    """Accents as LaTeX commands or as UTF-8 read as MacRoman/cp1252, as found in posts."""
    how = r.choice(["latex", "macroman", "cp1252", "none", "none"])
    if how == "none":
        return fields
    out = []
    for label, text in fields:
        if label == "author" and any(ord(c) > 127 for c in text):
            if how == "latex":
                text = "".join(_LATEX.get(c, c) for c in text)
            else:
                try:
                    text = text.encode("utf-8").decode("mac_roman" if how == "macroman" else "cp1252")
                except UnicodeDecodeError:
                    pass
        out.append((label, text))
    return out


# Irregular strings written by hand (labelled the same way).
HAND = [
    [
        ("author", "Hinton, G. E., & Salakhutdinov, R. R."),
        ("date", "(2006)."),
        ("title", "Reducing the dimensionality of data with neural networks."),
        ("journal", "_Science_,"),
        ("volume", "_313_(5786),"),
        ("pages", "504–507."),
    ],
    [
        ("citation-number", "[7]"),
        ("author", "J. Long, E. Shelhamer, T. Darrell."),
        ("title", "Fully convolutional networks for semantic segmentation."),
        ("container-title", "CVPR"),
        ("date", "2015."),
    ],
    [
        ("author", "Krähenbühl, Philipp, and Vladlen Koltun."),
        ("title", '"Efficient inference in fully connected CRFs with Gaussian edge potentials."'),
        ("container-title", "_Advances in neural information processing systems_."),
        ("date", "2011."),
    ],
    [
        ("author", "HOCHREITER, S. AND SCHMIDHUBER, J."),
        ("date", "1997."),
        ("title", "Long short-term memory."),
        ("journal", "Neural Computation"),
        ("volume", "9, 8,"),
        ("pages", "1735–1780."),
    ],
    [
        ("citation-number", "3)"),
        ("author", "Chen, T. et al."),
        ("title", "A simple framework for contrastive learning of visual representations."),
        ("container-title", "In ICML,"),
        ("date", "2020."),
        ("url", "<https://arxiv.org/abs/2002.05709>"),
    ],
    [
        ("author", "Radford, Alec, et al."),
        ("title", '"Learning transferable visual models from natural language supervision."'),
        ("container-title", "_International Conference on Machine Learning_."),
        ("publisher", "PMLR,"),
        ("date", "2021."),
    ],
    [
        ("author", "Stonebraker, M., Abadi, D. J., Batkin, A., et al."),
        ("date", "(2005)."),
        ("title", "C-Store: A column-oriented DBMS."),
        ("container-title", "In _Proceedings of the 31st International Conference on Very Large Data Bases_"),
        ("pages", "(pp. 553–564)."),
        ("publisher", "VLDB Endowment."),
    ],
    [
        ("author", "Chang, F., Dean, J., Ghemawat, S., Hsieh, W. C., Wallach, D. A., Burrows, M., … Gruber, R. E."),
        ("date", "(2008)."),
        ("title", "Bigtable: A distributed storage system for structured data."),
        ("journal", "_ACM Transactions on Computer Systems_,"),
        ("volume", "_26_(2),"),
        ("pages", "1–26."),
    ],
    [
        ("author", "Bayer R, McCreight E."),
        ("title", "Organization and maintenance of large ordered indexes."),
        ("journal", "Acta Inform."),
        ("volume", "1972;1(3):"),
        ("pages", "173-89."),
    ],
    [
        ("author", "Schroff, Florian, Dmitry Kalenichenko, and James Philbin."),
        ("title", '"FaceNet: A unified embedding for face recognition and clustering."'),
        ("container-title", "_Proceedings of the IEEE conference on computer vision and pattern recognition_."),
        ("date", "2015."),
    ],
    [
        ("author", "Tan, Mingxing, and Quoc Le."),
        ("title", '"EfficientNet: Rethinking model scaling for convolutional neural networks."'),
        ("container-title", "_International conference on machine learning_."),
        ("publisher", "PMLR,"),
        ("date", "2019."),
    ],
    [
        ("author", "Peters, M. E., Neumann, M., Iyyer, M., Gardner, M., Clark, C., Lee, K., & Zettlemoyer, L."),
        ("date", "(2018)."),
        ("title", "Deep contextualized word representations."),
        ("note", "_arXiv preprint arXiv:1802.05365_."),
    ],
    [
        ("author", "Sutskever, I., Vinyals, O., & Le, Q. V."),
        ("date", "(2014)."),
        ("title", "Sequence to sequence learning with neural networks."),
        ("container-title", "In _Advances in neural information processing systems_"),
        ("pages", "(pp. 3104-3112)."),
    ],
    [
        ("citation-number", "[12]"),
        ("author", "R. Girshick,"),
        ("title", "“Fast R-CNN,”"),
        ("container-title", "in _2015 IEEE International Conference on Computer Vision (ICCV)_,"),
        ("location", "Santiago, Chile,"),
        ("date", "2015,"),
        ("pages", "pp. 1440-1448,"),
        ("doi", "doi: 10.1109/ICCV.2015.169."),
    ],
    [
        ("author", "Yang, Z., Dai, Z., Yang, Y., Carbonell, J., Salakhutdinov, R. R., & Le, Q. V."),
        ("date", "(2019)."),
        ("title", "XLNet: Generalized autoregressive pretraining for language understanding."),
        ("container-title", "_Advances in Neural Information Processing Systems_,"),
        ("volume", "_32_."),
    ],
    [
        ("author", "Veličković, Petar, et al."),
        ("title", '"Graph attention networks."'),
        ("note", "_arXiv preprint arXiv:1710.10903_"),
        ("date", "(2017)."),
    ],
    [
        ("author", "Corbett, J. C., Dean, J., Epstein, M., et al."),
        ("date", "(2013)."),
        ("title", "Spanner: Google’s globally distributed database."),
        ("journal", "_ACM Transactions on Computer Systems (TOCS)_,"),
        ("volume", "_31_(3),"),
        ("pages", "1–22."),
    ],
    [
        ("citation-number", "[^bert]:"),
        ("author", "Devlin et al."),
        ("date", "2019."),
        ("title", "*BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding.*"),
        ("container-title", "NAACL."),
        ("url", "<https://aclanthology.org/N19-1423/>"),
    ],
    [
        ("author", "Ke, Guolin, et al."),
        ("title", '"LightGBM: A highly efficient gradient boosting decision tree."'),
        ("container-title", "_Advances in neural information processing systems_"),
        ("volume", "30"),
        ("date", "(2017)."),
    ],
    [
        ("author", "Rumelhart, D. E., Hinton, G. E., & Williams, R. J."),
        ("date", "(1986)."),
        ("title", "Learning representations by back-propagating errors."),
        ("journal", "_Nature_,"),
        ("volume", "_323_(6088),"),
        ("pages", "533–536."),
    ],
    [
        ("author", "Jégou, Hervé, Matthijs Douze, and Cordelia Schmid."),
        ("title", '"Hamming embedding and weak geometric consistency for large scale image search."'),
        ("container-title", "_European conference on computer vision_."),
        ("publisher", "Springer,"),
        ("location", "Berlin, Heidelberg,"),
        ("date", "2008."),
    ],
    [
        ("author", "Shannon, C. E."),
        ("date", "(1948)."),
        ("title", "A mathematical theory of communication."),
        ("journal", "The Bell System Technical Journal,"),
        ("volume", "27(3),"),
        ("pages", "379–423."),
    ],
    [
        ("author", "Plato."),
        ("title", "_The Republic_."),
        ("translator", "Translated by Allan Bloom."),
        ("location", "New York:"),
        ("publisher", "Basic Books,"),
        ("date", "1968."),
    ],
    [
        ("author", "Wang, Alex, et al."),
        ("title", '"GLUE: A multi-task benchmark and analysis platform for natural language understanding."'),
        (
            "container-title",
            "_Proceedings of the 2018 EMNLP Workshop BlackboxNLP: Analyzing and Interpreting Neural Networks for NLP_.",
        ),
        ("date", "2018."),
    ],
]


def build() -> list[dict]:
    """All in-domain records, deterministically."""
    r = random.Random(7)
    records = []
    for _i, row in enumerate(P):
        paper = Paper(row)
        styles = [chicago] + r.sample(STYLES, 3)
        for style in styles:
            fields = garble(style(paper, r), r)
            records.append(fields)
    records += HAND
    out = []
    for n, fields in enumerate(records):
        fields = [(label, " ".join(text.split())) for label, text in fields if text.strip()]
        out.append({"id": f"indomain-{n}", "text": " ".join(t for _, t in fields), "fields": fields})
    return out


def main() -> None:
    with OUT.open("w", encoding="utf-8") as f:
        for rec in build():
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
