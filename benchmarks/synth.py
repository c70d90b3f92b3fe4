"""Seeded synthetic knowledge base, written straight into the tables (no Markdown, no parsing).

    python benchmarks/synth.py data/synth.sqlite --papers 100000 --talks 20000 --people 50000

or from Python::

    from benchmarks.synth import build
    counts = build(engine, papers=100_000, talks=20_000, people=50_000, seed=7)

Realistic-looking rows: names from many languages (some with diacritics, some
people with an initials alias), paper titles from ML/CS templates with coined
method names (the rare words), venues and years skewed to recent, 1–6 authors
per paper with a few prolific ones, conferences → posts → events → talks with
1–2 speakers and a summary that cites a paper title. Same seed, same rows.

Bulk inserts (executemany per table, one transaction) take a few seconds for
the full size. :func:`build` wraps them in :func:`kb.search.index.suspended`
(index triggers off, one rebuild at the end) unless ``index="triggers"``.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from kb.models import (
    Authorship,
    Conference,
    Event,
    Paper,
    Person,
    PersonAlias,
    Post,
    Talk,  # noqa: E402
    TalkSpeaker,
)

GIVEN = (
    "Ada Alan Amir Ana Andrea Anh Arjun Barbara Barret Bo Bolei Carlos Chen Chiara Daniela Dmitry Elena Emma "
    "Fatima Felix François Gao Hana Hiro Hyun-woo Igor Inès Jia Jonas Jörg Kai Karen Kenji Lars Lea Li Lucía "
    "Łukasz Maria Mei Mohamed Nadia Nikhil Olga Omar Pablo Priya Quentin Ramón Rosa Ruiqi Sara Sebastián Seo-yeon "
    "Søren Sven Tomás Uma Victor Wei Xin Yara Yoshua Yuki Zoë Zeynep Ngozi Oluwaseun Aarav Ishaan Mateo Nils "
    "Ivana Petra Dagmar Bernhard Geoffrey Ilya Aleksander Kyunghyun Noam Ashish Jakob Llion Aidan Niki Hugo "
    "Thibault Matthieu Gaël Émilie Agnès Björn Åsa Håkan Ørjan Tiago João Gonçalo Iñaki Begoña Chidi Amara Tunde "
    "Wen Hao Jun Ming Xiaoyu Yifan Zhiyuan Haruto Sakura Minh Thảo Dũng Anika Rahul Deepa Kavya Vikram"
).split()
FAMILY = (
    "Abbott Bauer Castro Dubois Eriksen Fischer García Hoffmann Ivanova Jensen Kowalski Laurent Moreau Novák "
    "Okafor Petrov Quinn Rossi Schmidt Tanaka Ueda Vargas Wagner Xu Yamamoto Zhang Liang Kumar Nguyễn Park "
    "Silva Costa Meyer Weber Klein Wolf Braun Zimmermann Hartmann Lange Krause Lehmann Kaiser Fuchs Vogel "
    "Schölkopf Vedaldi Zoph Kossaifi Müller Gómez Pérez Núñez Çelik Yılmaz Şahin Öztürk Dvořák Horváth Nagy "
    "Kovačević Jovanović Lindqvist Søndergaard Ångström Haugen Virtanen Korhonen Mäkinen O'Brien McAllister "
    "Fitzgerald Okonkwo Adeyemi Mensah Banerjee Chatterjee Iyer Raghunathan Subramanian Takahashi Watanabe "
    "Kobayashi Suzuki Matsumoto Kim Lee Choi Jung Kang Cho Yoon Wang Li Liu Chen Yang Huang Zhao Wu Zhou Sun "
    "Ma Hu Guo Lin He Gao Luo Zheng Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan "
    "Cai Jiang Yu Du Ye Cheng Wei Su Lu Ding Ren Shen Yao Lu Jiang Hinton Bengio LeCun Sutskever Goodfellow "
    "Vaswani Shazeer Parmar Uszkoreit Jones Gomez Kaiser Polosukhin Devlin Chang Toutanova Radford Brown "
    "Henderson Fong Patrick Simonyan Zisserman Mahendran Ulyanov Lempitsky Springenberg Selvaraju Binder"
).split()
ADJ = (
    "Scalable Robust Efficient Deep Sparse Causal Contrastive Generative Probabilistic Hierarchical Adaptive "
    "Differentiable Federated Interpretable Structured Neural Latent Implicit Equivariant Compositional Recurrent "
    "Convolutional Bayesian Variational Adversarial Self-Supervised Semi-Supervised Unsupervised Multimodal "
    "Multilingual Cross-Lingual Continual Few-Shot Zero-Shot Lightweight Quantized Distributed Asynchronous "
    "Stochastic Deterministic Invertible Autoregressive Diffusion-Based Graph-Based Transformer-Based Attention-Based "
    "Memory-Efficient Provable Certified Fair Private Calibrated Uncertainty-Aware Physics-Informed"
).split()
NOUN = (
    "Representations Transformers Networks Models Priors Embeddings Policies Graphs Kernels Flows Retrieval "
    "Attention Segmentation Detection Translation Parsing Indexes Queries Optimizers Features Autoencoders "
    "Classifiers Estimators Samplers Agents Planners Encoders Decoders Tokenizers Architectures Objectives "
    "Regularizers Augmentations Benchmarks Datasets Metrics Explanations Attributions Saliency Gradients "
    "Distillation Pruning Quantization Alignment Grounding Reasoning Memory Routing Mixtures Experts"
).split()
TASK = (
    "Image Recognition",
    "Language Understanding",
    "Machine Translation",
    "Speech Recognition",
    "Question Answering",
    "Object Detection",
    "Semantic Segmentation",
    "Reinforcement Learning",
    "Graph Classification",
    "Time Series",
    "Recommendation",
    "Query Optimization",
    "Program Synthesis",
    "Protein Folding",
    "Molecule Generation",
    "Text Summarization",
    "Dialogue Systems",
    "Visual Question Answering",
    "Video Understanding",
    "Robot Control",
    "Anomaly Detection",
    "Causal Discovery",
    "Density Estimation",
    "Image Synthesis",
    "3D Reconstruction",
    "Pose Estimation",
    "Optical Flow",
    "Named Entity Recognition",
    "Coreference Resolution",
    "Sentiment Analysis",
)
TEMPLATES = (
    "{adj} {noun} for {task}",
    "{coin}: {adj} {noun} for {task}",
    "On the {noun2} of {adj} {noun}",
    "{coin}: Towards {adj} {task}",
    "Learning {adj} {noun} with {noun2}",
    "{adj} {noun} at Scale",
    "Rethinking {noun} in {task}",
    "{coin}: {adj} and {adj2} {noun}",
    "When Do {noun} Help {task}?",
    "{adj} {task} via {adj2} {noun}",
    "A Theory of {adj} {noun}",
    "{noun} Are {adj} {noun2}",
)
SYLLABLES = "ka zo ri mu ne ta vo lix bra qu en dor fi gan tel sy pha rex mon ul vi tro ce zen".split()
VENUES = (
    "Advances in Neural Information Processing Systems",
    "International Conference on Machine Learning",
    "International Conference on Learning Representations",
    "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition",
    "Proceedings of the IEEE International Conference on Computer Vision",
    "European Conference on Computer Vision",
    "Proceedings of the Annual Meeting of the Association for Computational Linguistics",
    "Proceedings of EMNLP",
    "Proceedings of NAACL-HLT",
    "AAAI Conference on Artificial Intelligence",
    "Proceedings of the VLDB Endowment",
    "Proceedings of ACM SIGMOD",
    "KDD",
    "Journal of Machine Learning Research",
    "Transactions on Machine Learning Research",
    "arXiv preprint",
    "Nature",
    "IEEE Transactions on Pattern Analysis and Machine Intelligence",
    "Interspeech",
    "CHI",
)
CONFS = (
    ("NeurIPS", "Montréal"),
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
    ("Interspeech", "Brno"),
)
EVENT_KINDS = ("workshop", "tutorial", "keynote", "main", "session")
FILLER = (
    "The main idea is that {a} can be learned end to end. They compared against strong baselines on {t}. "
    "A question from the audience asked how this scales; memory is the limit. The slides connected it to {b}. "
)


@dataclass
class SynthCounts:
    papers: int
    talks: int
    people: int
    posts: int
    seconds: float


def _fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).lower()


def _coin(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize() + rng.choice(
        ("", "", "Net", "-2", "GAN", "Former")
    )


def title(rng: random.Random) -> str:
    """A paper or talk title.  ``title(random.Random(1))`` → e.g. 'Tovoka: Sparse Flows for Optical Flow'"""
    return rng.choice(TEMPLATES).format(
        adj=rng.choice(ADJ),
        adj2=rng.choice(ADJ),
        noun=rng.choice(NOUN),
        noun2=rng.choice(NOUN),
        task=rng.choice(TASK),
        coin=_coin(rng),
    )


def _people(rng: random.Random, n: int) -> list[tuple[str, str, str]]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        middle = f" {rng.choice('ABCDEFGHIJKLMNOPRSTW')}." if rng.random() < 0.5 else ""
        name = f"{given}{middle} {family}"
        if _fold(name) not in seen:  # the key is folded: "Zoë X" and "Zoe X" would collide
            seen.add(_fold(name))
            out.append((name, given + middle, family))
    return out


def _rows(rng: random.Random, papers: int, talks: int, people: int, posts: int) -> dict[type, list[dict]]:
    rows: dict[type, list[dict]] = {
        m: [] for m in (Conference, Post, Event, Person, PersonAlias, Paper, Authorship, Talk, TalkSpeaker)
    }
    for pid, (name, given, family) in enumerate(_people(rng, people), start=1):
        rows[Person].append(
            {"id": pid, "key": _fold(name), "name": name, "family": family, "given": given, "family_key": _fold(family)}
        )
        if rng.random() < 0.2:  # initials as the posts often write them
            alias = f"{given[0]}. {family}"
            rows[PersonAlias].append({"person_id": pid, "alias": alias, "key": _fold(alias)})
    # A few prolific authors: index drawn from a skewed distribution.
    author = lambda: min(int(rng.paretovariate(0.6)), people) if rng.random() < 0.3 else rng.randint(1, people)  # noqa: E731
    paper_titles = []
    for pid in range(1, papers + 1):
        t = title(rng)
        paper_titles.append(t)
        year = min(2024, max(1995, int(2024 - rng.expovariate(1 / 6))))
        rows[Paper].append({"id": pid, "title": t, "year": year, "venue": rng.choice(VENUES), "type": "inproceedings"})
        chosen = list(dict.fromkeys(author() for _ in range(rng.randint(1, 6))))
        rows[Authorship] += [{"paper_id": pid, "position": i, "person_id": a} for i, a in enumerate(chosen)]
    confs = sorted({(rng.choice(CONFS), rng.randint(2012, 2024)) for _ in range(posts)})[: max(1, posts // 3)]
    for cid, ((name, city), year) in enumerate(confs, start=1):
        rows[Conference].append(
            {"id": cid, "key": f"{name.lower()}|{year}", "name": name, "year": year, "location": city}
        )
    talk_id = event_id = 0
    per_post = max(1, talks // posts)
    for post_id in range(1, posts + 1):
        cid = rng.randint(1, len(confs))
        (cname, _), cyear = confs[cid - 1]
        events = []
        for _ in range(rng.randint(2, 5)):
            event_id += 1
            ename = f"Workshop on {rng.choice(ADJ)} {rng.choice(TASK)}" if rng.random() < 0.7 else "Main conference"
            rows[Event].append(
                {
                    "id": event_id,
                    "key": f"{cname.lower()}|{cyear}/{event_id}",
                    "conference_id": cid,
                    "name": ename,
                    "kind": rng.choice(EVENT_KINDS),
                }
            )
            events.append(event_id)
        n = per_post if post_id < posts else talks - talk_id
        body = []
        for pos in range(n):
            talk_id += 1
            t = title(rng)
            summary = FILLER.format(a=rng.choice(NOUN).lower(), b=rng.choice(paper_titles), t=rng.choice(TASK))
            rows[Talk].append(
                {
                    "id": talk_id,
                    "post_id": post_id,
                    "event_id": rng.choice(events),
                    "key": f"t{talk_id}",
                    "position": pos,
                    "title": t,
                    "kind": "other",
                    "summary": summary,
                }
            )
            for i, sp in enumerate(dict.fromkeys(author() for _ in range(rng.randint(1, 2)))):
                rows[TalkSpeaker].append({"talk_id": talk_id, "person_id": sp, "position": i})
            if pos < 12:  # posts retell some of their talks
                body.append(f"## {t}\n\n{summary}\n")
        text = f"Notes from {cname} {cyear} in the sun.\n\n" + "\n".join(body)
        rows[Post].append(
            {
                "id": post_id,
                "path": f"synth/{cname.lower()}-{cyear}-{post_id}.md",
                "conference_id": cid,
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
                "title": f"{cname} {cyear}: notes",
                "date": f"{cyear}-06-{1 + post_id % 28:02d}",
                "body": text,
            }
        )
    return rows


def insert_rows(engine: Engine, rows: dict[type, list[dict]], batch: int = 20_000) -> None:
    """Core executemany per table, parents first, in one write transaction."""
    with engine.execution_options(kb_write=True).begin() as conn:
        for model, items in rows.items():
            for i in range(0, len(items), batch):
                conn.execute(insert(model.__table__), items[i : i + batch])


def build(
    engine: Engine,
    papers: int = 100_000,
    talks: int = 20_000,
    people: int = 50_000,
    posts: int = 500,
    seed: int = 7,
    index: str = "rebuild",
) -> SynthCounts:
    """Fill an empty database. ``index="rebuild"``: triggers off, one index rebuild; ``"triggers"``: row by row."""
    from kb.search.index import suspended

    t0 = time.perf_counter()
    rows = _rows(random.Random(seed), papers, talks, people, posts)
    if index == "triggers":
        insert_rows(engine, rows)
    else:
        with suspended(engine):
            insert_rows(engine, rows)
    return SynthCounts(papers, talks, people, posts, time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db")
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--talks", type=int, default=20_000)
    ap.add_argument("--people", type=int, default=50_000)
    ap.add_argument("--posts", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    from kb.db import open_db

    counts = build(open_db(args.db), args.papers, args.talks, args.people, args.posts, args.seed)
    print(
        f"{counts.papers} papers, {counts.talks} talks, {counts.people} people, {counts.posts} posts "
        f"in {counts.seconds:.1f} s -> {args.db}"
    )


if __name__ == "__main__":
    main()
