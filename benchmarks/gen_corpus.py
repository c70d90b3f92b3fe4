"""Seeded synthetic corpus of conference-notes posts, mixing the layouts kb must read.

    python benchmarks/gen_corpus.py OUT_DIR --posts 1000 --seed 7

Each post picks a conference, a layout (prose with link-text talks, headings
"Title — Speaker", a Markdown table, bullets) and a reference style (numbered
Chicago, bibtex block, inline arXiv links only, footnotes), with realistic sizes
(4–15 KB). Same seed, same files.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

CONFS = [
    ("NeurIPS", "Vancouver"),
    ("ICML", "Long Beach"),
    ("ICLR", "New Orleans"),
    ("CVPR", "Seattle"),
    ("ICCV", "Seoul"),
    ("ECCV", "Glasgow"),
    ("ACL", "Florence"),
    ("EMNLP", "Hong Kong"),
    ("NAACL", "Minneapolis"),
    ("KDD", "Anchorage"),
    ("SIGMOD", "Amsterdam"),
    ("VLDB", "Los Angeles"),
    ("AAAI", "Honolulu"),
    ("CHI", "Glasgow"),
]
GIVEN = (
    "Ada Alan Amir Ana Andrea Anh Arjun Barbara Bo Carlos Chen Daniela Dmitry Elena Emma Fatima Felix Gao Hana "
    "Hiro Igor Ines Jia Jonas Kai Karen Lars Lea Li Lucia Maria Mei Mohamed Nadia Nikhil Olga Omar Pablo Priya "
    "Quentin Rosa Ruiqi Sara Sven Tomas Uma Victor Wei Xin Yara Yuki Zoe"
).split()
FAMILY = (
    "Abbott Bauer Castro Dubois Eriksen Fischer Garcia Hoffmann Ivanova Jensen Kowalski Laurent Moreau Novak "
    "Okafor Petrov Quinn Rossi Schmidt Tanaka Ueda Vargas Wagner Xu Yamamoto Zhang Liang Kumar Nguyen Park "
    "Silva Costa Meyer Weber Klein Wolf Braun Zimmermann Hartmann Lange Krause Lehmann Kaiser Fuchs Vogel"
).split()
ADJ = (
    "Scalable Robust Efficient Deep Sparse Causal Contrastive Generative Probabilistic Hierarchical Adaptive "
    "Differentiable Federated Interpretable Structured Neural Latent Implicit Equivariant Compositional"
).split()
NOUN = (
    "Representations Transformers Networks Models Priors Embeddings Policies Graphs Kernels Flows Retrieval "
    "Attention Segmentation Detection Translation Parsing Indexes Queries Optimizers Features"
).split()
TAIL = (
    "for Image Recognition",
    "for Language Understanding",
    "at Scale",
    "without Labels",
    "via Self-Supervision",
    "in the Wild",
    "for Query Processing",
    "with Few Examples",
    "under Distribution Shift",
    "for Robotics",
)
VENUES = (
    "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition",
    "Advances in Neural Information Processing Systems",
    "International Conference on Machine Learning",
    "Proceedings of the Annual Meeting of the Association for Computational Linguistics",
    "Proceedings of the VLDB Endowment",
    "International Conference on Learning Representations",
)
FILLER = (
    "The main idea is that {a} can be learned end to end, which removes much of the hand tuning. "
    "They showed results on several benchmarks and compared against strong baselines. "
    "A question from the audience asked how this scales; the answer was that it mostly depends on memory. "
    "I found the discussion of failure cases the most useful part, since papers rarely show them. "
    "There was a nice connection to {b}, and the slides had a clear diagram of the pipeline. "
)


def _name(r: random.Random) -> tuple[str, str]:
    return r.choice(GIVEN), r.choice(FAMILY)


def _title(r: random.Random) -> str:
    return f"{r.choice(ADJ)} {r.choice(NOUN)} {r.choice(TAIL)}"


def _paper(r: random.Random, year: int) -> dict:
    authors = [_name(r) for _ in range(r.randint(1, 4))]
    return {
        "authors": authors,
        "title": _title(r),
        "venue": r.choice(VENUES),
        "year": year - r.randint(0, 6),
        "arxiv": f"{r.randint(15, 23):02d}{r.randint(1, 12):02d}.{r.randint(1000, 99999):05d}",
    }


def _chicago(p: dict) -> str:
    (g, f), rest = p["authors"][0], p["authors"][1:]
    names = f"{f}, {g}" + (", et al." if len(rest) > 1 else f", and {rest[0][0]} {rest[0][1]}." if rest else ".")
    return f'{names} "{p["title"]}." _{p["venue"]}_. {p["year"]}.'


def _bibtex(p: dict, key: str) -> str:
    authors = " and ".join(f"{f}, {g}" for g, f in p["authors"])
    return (
        f"@inproceedings{{{key},\n  title={{{p['title']}}},\n  author={{{authors}}},\n"
        f"  booktitle={{{p['venue']}}},\n  year={{{p['year']}}}\n}}"
    )


def _body(r: random.Random, papers: list[dict], style: str) -> str:
    k = r.randint(1, len(papers))
    cite = f"[{k}]" if style in ("chicago", "footnote") else ""
    if style == "links":
        p = papers[k - 1]
        cite = f"[{p['title']}](https://arxiv.org/abs/{p['arxiv']})"
    if style == "footnote":
        cite = f"[^{k}]"
    return FILLER.format(a=r.choice(NOUN).lower(), b=_title(r).lower()) + f"This builds on {cite}.\n"


def make_post(r: random.Random, index: int) -> str:
    conf, city = r.choice(CONFS)
    year = r.randint(2015, 2024)
    layout = r.choice(["prose", "headings", "table", "bullets"])
    style = r.choice(["chicago", "bibtex", "links", "footnote"])
    papers = [_paper(r, year) for _ in range(r.randint(6, 25))]
    talks = [(_title(r), _name(r)) for _ in range(r.randint(3, 8))]
    toml = r.random() < 0.3
    head = (
        f'+++\ntitle = "{conf} {year} notes #{index}"\ndate = {year}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}\n+++\n'
        if toml
        else f"---\ntitle: {conf} {year} in {city}\ntags: [{conf.lower()}, notes]\n---\n"
    )
    out = [head, f"Some notes from {conf} {year}, which was held in {city}.\n"]
    out.append(f"\n## Workshop on {r.choice(ADJ)} {r.choice(NOUN)}\n")
    if layout == "table":
        out.append("\n| Title | Speaker | Slides |\n|---|---|---|\n")
        out += [f"| {t} | {g} {f} | [pdf](https://talks.example.org/slides/{f.lower()}.pdf) |\n" for t, (g, f) in talks]
        out += ["\n" + _body(r, papers, style) for _ in talks]
    for n, (title, (g, f)) in enumerate(talks, 1):
        if layout == "headings":
            out.append(f"\n### {title} — {g} {f} (University of {r.choice(FAMILY)})\n\n")
        elif layout == "bullets":
            out.append(f"\n- {title} - {g} {f}, {r.choice(FAMILY)} Lab\n\n")
        elif layout == "prose":
            out.append(
                f"\nThe next [talk](https://talks.example.org/slides/{f.lower()}-{n}.pdf) was on {title} "
                f"by [{g} {f}](https://{f.lower()}.example.org/).\n\n"
            )
        if layout != "table":
            out += [_body(r, papers, style) + "\n" for _ in range(r.randint(2, 5))]
            if r.random() < 0.3:
                out.append(f"![figure](https://img.example.org/{index}-{n}.png)\n\n")
    if style == "chicago":
        out.append("\n### References\n\n" + "\n".join(f"[{i}] {_chicago(p)}\n" for i, p in enumerate(papers, 1)))
    elif style == "footnote":
        out.append("\n" + "\n".join(f"[^{i}]: {_chicago(p)}\n" for i, p in enumerate(papers, 1)))
    elif style == "bibtex":
        out.append(
            "\n## Bibliography\n\n```bibtex\n"
            + "\n\n".join(_bibtex(p, f"{p['authors'][0][1].lower()}{p['year']}{i}") for i, p in enumerate(papers))
            + "\n```\n"
        )
    return "".join(out)


def generate(out_dir: Path, posts: int, seed: int = 7) -> list[Path]:
    r = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(posts):
        path = out_dir / f"post-{i:05d}.md"
        path.write_text(make_post(r, i), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--posts", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    paths = generate(args.out, args.posts, args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} posts, {size / len(paths) / 1024:.1f} KiB on average, in {args.out}")


if __name__ == "__main__":
    main()
