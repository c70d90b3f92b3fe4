"""``kb train``: the talk labellers retrained on the shipped training data plus this KB's corrections.

*Shipped training data* is what the shipped models were trained on, as far as this machine has it:
our annotations of the real corpus (``corpus/annotations``, train and dev splits) when the corpus
itself is there (``../shared`` or ``$KB_SHARED``; its text cannot ship, licences), and our own sample
posts with their gold files (``imports/`` and ``tests/fixtures``) when kb runs from a checkout. The
KB's corrected posts (:class:`~kb.models.Annotation`, written by :mod:`kb.corrections`) are added,
each :data:`WEIGHT` times: one corrected post must outweigh 150 others of other authors.

Training is deterministic (crfsuite's L-BFGS, fixed parameters, examples in a fixed order): the same
inputs give byte-identical models, named by their sha256. The model is stored in the KB
(:class:`~kb.models.TrainedModel`, one per KB) and :func:`activate` points the extractor at it; without
one the shipped model is used (``kb train --reset``).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kb.corpus import REPO_ROOT, annotated, shared_dir
from kb.db import session_scope
from kb.errors import KbError
from kb.ingest.talks import model as talk_model
from kb.models import Annotation, Post, TrainedModel

# The line labeller's L-BFGS runs to 500 iterations: at 200 it stopped 7 % above its optimum (loss 4,193 vs
# 3,924 at convergence, ~800), so which optimum-adjacent point it reached moved with any feature's order;
# repository folds: talks 0.617 at 200, 0.636 at 500, 0.638 at 1,000 (~25 s vs ~39 s of kb train's 60).
# c2 (L2) 6.0: with training run to convergence, repository folds gave talks 0.637 at 1.5, 0.642 at 3.0, 0.653
# at 6.0 and 0.645 at 12.0 (citations 0.432 / 0.446 / 0.451 / 0.377).
LINE_PARAMS = {"c1": 0.0, "c2": 6.0, "max_iterations": 500, "feature.possible_transitions": True}
SPAN_PARAMS = {"c1": 0.05, "c2": 0.01, "max_iterations": 200, "feature.possible_transitions": True}
WEIGHT = 5  # copies of each corrected post among the examples (chosen on the dev split, benchmarks/bench_adapt.py)
NAME = "talks"

# Our own sample posts (prose-heavy ML blog posts, talks told in sentences) train too, so the
# labellers learn when the sentence detectors are right. tests/fixtures/holdout4 stays out: it is
# the sample set the learned extractor has never seen.
SAMPLE_SETS = (
    ("tests/fixtures", "imports"),
    ("tests/fixtures/holdout", None),
    ("tests/fixtures/holdout2", None),
    ("tests/fixtures/holdout3", None),
)


def samples(root: Path | None) -> list[tuple[str, str, dict]]:
    """(text, file name, gold) of the seed and our sample posts (those this installation has)."""
    out = []
    pairs = [(REPO_ROOT / g, REPO_ROOT / (p or g)) for g, p in SAMPLE_SETS]
    if root is not None:
        pairs.append((root / "corpus", root / "corpus"))
    for gold_dir, post_dir in pairs:
        for gold_path in sorted(gold_dir.glob("*.gold.json")):
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            post = post_dir / gold["source"]
            if post.exists():
                out.append((post.read_text(encoding="utf-8"), post.name, gold))
    return out


# kb train's model reads the style of the KB's corrected posts only when asked (kb train --style): on the
# dev split's adaptation benchmark with 538 annotated documents, the style cost the other repositories'
# posts talk F1 -0.075 / -0.110 after one / two corrected posts (without it -0.001 / +0.003; README)
STYLE = False
SAMPLE_REPEAT = 2  # each of our sample posts is shown this many times: they hold every layout of the field guide


def sample_examples(root: Path | None) -> list:
    """Our sample posts as training examples, each :data:`SAMPLE_REPEAT` times, so that the layouts
    they cover keep their weight as the annotated real posts grow in number."""
    from kb.ingest.talks.examples import example

    out = []
    for text, name, gold in samples(root):
        ex = example(text, name, gold)[0]
        ex.group = f"ours/{name}"
        out += [ex] * SAMPLE_REPEAT
    return out


def shipped_examples(
    splits: tuple[str, ...] = ("train", "dev"), root: Path | None = None, exclude_repos: frozenset[str] = frozenset()
) -> tuple[list, str]:
    """The shipped training data this machine has, and a line saying what it is. Building the examples
    (~35 s: every annotated post through the extractor's analysis) is done once per set of inputs: they are
    kept in the user's cache (:func:`_examples_cache`) and read back (~3 s) while nothing they come from
    has changed."""
    root = root or shared_dir()
    docs = [] if root is None else [(d, g) for d, g in annotated(root, splits) if d.repo not in exclude_repos]
    path = _examples_cache(_examples_key(splits, root, docs))
    try:
        with path.open("rb") as f:
            return pickle.load(f)  # noqa: S301 - written by this function, in this user's own cache folder
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        pass  # not built yet, or written by another kb: build it again
    found = _build_shipped(root, docs, splits)
    _keep_examples(path, found)
    return found


def _build_shipped(root: Path | None, docs: list, splits: tuple[str, ...]) -> tuple[list, str]:
    from kb.ingest.talks.examples import example

    exs = sample_examples(root)
    what = f"{len(exs)} sample posts"
    if root is not None:
        n = 0
        for doc, gold in docs:
            if doc.kind != "multi":  # as the shipped models (training.train_talks)
                continue
            ex, _ = example(doc.text(), doc.file.name, gold)
            ex.group = doc.repo
            exs.append(ex)
            n += 1
        what += f" + {n} annotated real posts ({', '.join(splits)})"
    else:
        what += " (no ../shared/realcorpus here: the real-corpus annotations are left out)"
    return exs, what


def _examples_key(splits: tuple[str, ...], root: Path | None, docs: list) -> str:
    """What the shipped examples are made from: the extractor's code and data (its features), our sample posts
    and their gold, and the annotated posts (blob sha, kind and gold) of ``splits``."""
    from importlib.metadata import version

    # wordfreq's tables give the rarity features; the pickle's classes are this kb's
    h = hashlib.sha256(repr((splits, SAMPLE_REPEAT, SAMPLE_SETS, root is not None, version("wordfreq"))).encode())
    ingest = Path(__file__).resolve().parent / "ingest"
    for f in sorted(ingest.rglob("*")):
        if f.is_file() and f.suffix in (".py", ".json", ".txt", ".tsv", ".crfsuite"):
            h.update(f.relative_to(ingest).as_posix().encode() + b"\0" + f.read_bytes())
    for text, name, gold in samples(root):
        h.update(name.encode() + text.encode() + json.dumps(gold, sort_keys=True).encode())
    for doc, gold in docs:
        h.update(
            f"{doc.sha} {doc.repo} {doc.kind} {doc.file.name}".encode() + json.dumps(gold, sort_keys=True).encode()
        )
    return h.hexdigest()


def _user_cache(*parts: str) -> Path:
    """A folder of kb's in the user's cache (``$XDG_CACHE_HOME/kb/…``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "kb", *parts)


def _examples_cache(key: str) -> Path:
    return _user_cache("train") / f"examples-{key[:32]}.pickle"


def _keep_examples(path: Path, found: tuple[list, str]) -> None:
    """Write the examples to ``path`` (readable by this user only), the one kept: older sets (~100 MB each)
    are removed. A cache that cannot be written costs the next kb train the build, nothing else."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("examples-*.pickle"):
            old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".examples-")  # mode 0600
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(found, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def kb_examples(session: Session) -> list:
    """One example per corrected post of this KB (its stored text and corrected record), by path."""
    from kb.ingest.talks.examples import example

    out = []
    rows = session.exec(
        select(Post, Annotation).join(Annotation, Annotation.post_id == Post.id).order_by(Post.path)
    ).all()
    for post, ann in rows:
        ex, _ = example(post.front_matter + post.body, Path(post.path).name, json.loads(ann.record))
        ex.group = f"kb/{post.path}"
        ex.author = "kb"  # one style per KB: its corrected posts teach the others (kb.ingest.talks.style)
        out.append(ex)
    return out


def _train(seqs, params: dict, path: Path) -> None:
    import pycrfsuite

    t = pycrfsuite.Trainer(verbose=False)
    for x, y in seqs:
        if x:
            t.append(x, y)
    t.set_params(params)
    t.train(str(path))


def fit(exs: list, out: dict[str, Path], style: bool = False) -> None:
    """Train both models into ``out`` (keys lines, spans). Where the OS forks, the span tagger trains in a
    child process while this one trains the line labeller (crfsuite holds the GIL: threads would take
    turns); each model is the same file either way.
    ``style``: each example whose author has other examples also reads their style (a KB's model, which
    reads the style of its corrected posts; :mod:`kb.ingest.talks.style`)."""
    from kb.ingest.talks.style import leave_one_out

    lines = [(ex.line_features, ex.line_labels) for ex in (leave_one_out(exs) if style else exs)]
    spans = [s for ex in exs for s in zip(ex.span_features, ex.span_labels, strict=False)]
    if not hasattr(os, "fork"):
        _train(lines, LINE_PARAMS, out["lines"])
        _train(spans, SPAN_PARAMS, out["spans"])
        return
    import multiprocessing

    child = multiprocessing.get_context("fork").Process(target=_train, args=(spans, SPAN_PARAMS, out["spans"]))
    child.start()  # forked: the child has the examples already, nothing is pickled
    try:
        _train(lines, LINE_PARAMS, out["lines"])
    finally:
        child.join()
    if child.exitcode != 0:
        raise KbError(f"training the span tagger failed (exit code {child.exitcode})")


def model_sha(lines: bytes, spans: bytes) -> str:
    return hashlib.sha256(hashlib.sha256(lines).digest() + hashlib.sha256(spans).digest()).hexdigest()


@dataclass
class Trained:
    sha256: str
    lines: bytes
    spans: bytes
    meta: dict


def train_bytes(exs: list, style: bool = False) -> Trained:
    """Fit on ``exs`` in a private folder; the model files' bytes and sha."""
    with tempfile.TemporaryDirectory(prefix="kb-train-") as tmp:
        paths = {"lines": Path(tmp) / "lines.crfsuite", "spans": Path(tmp) / "spans.crfsuite"}
        fit(exs, paths, style=style)
        lines, spans = paths["lines"].read_bytes(), paths["spans"].read_bytes()
    return Trained(model_sha(lines, spans), lines, spans, {})


def train(
    engine: Engine,
    splits: tuple[str, ...] = ("train", "dev"),
    weight: int = WEIGHT,
    base: list | None = None,
    on_step: Callable[[str], None] | None = None,
    style: bool | None = None,
) -> Trained:
    """Retrain on the shipped data (or ``base`` examples) plus the KB's corrections; store it in the KB.
    ``style`` (default :data:`STYLE`): the model also reads the corrected posts' style."""
    style = STYLE if style is None else style
    t0 = time.perf_counter()
    step = on_step or (lambda _msg: None)
    step("reading the shipped training data")
    what = "given base examples"
    if base is None:
        base, what = shipped_examples(splits)
    step("reading this KB's corrected posts")
    with session_scope(engine) as s:
        mine = kb_examples(s)
    if not base and not mine:
        raise KbError(
            "nothing to train on: no shipped training data here (../shared, a checkout's samples) "
            "and no corrected post in this KB"
        )
    step(f"training on {len(base)} + {len(mine)}×{weight} posts")
    # style=True: a KB's model reads the style of the KB's corrected posts, so it learns, from the shipped
    # repositories' other documents, how far to trust an author's style (the shipped model does not: a KB
    # without corrections has no style, and reading styles in training costs it citations, see README)
    model = train_bytes(base + [ex for ex in mine for _ in range(weight)], style=style)
    model.meta = {
        "shipped": what,
        "corrected_posts": len(mine),
        "weight": weight,
        "bytes": len(model.lines) + len(model.spans),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if mine and style:  # the author's style: which line shapes head talks in the corrected posts
        from kb.ingest.talks.style import learn

        model.meta["style"] = learn(mine).to_json()
    with session_scope(engine, write=True) as s:
        row = s.get(TrainedModel, NAME) or TrainedModel(name=NAME, sha256="", lines=b"", spans=b"")
        row.sha256, row.lines, row.spans, row.meta = model.sha256, model.lines, model.spans, json.dumps(model.meta)
        s.add(row)
    _active[0] = None  # the same model bytes may come with another style: read it again
    activate(engine)
    return model


def reset(engine: Engine) -> bool:
    """Forget the KB's model (the shipped one is used again); True when there was one."""
    with session_scope(engine, write=True) as s:
        row = s.get(TrainedModel, NAME)
        if row is not None:
            s.delete(row)
    activate(engine)
    return row is not None


def current(engine: Engine) -> dict | None:
    """{sha256, meta} of the KB's model, or None (shipped model)."""
    with session_scope(engine) as s:
        row = s.get(TrainedModel, NAME)
        if row is None:
            return None
        meta = json.loads(row.meta or "{}")
        style = meta.pop("style", None)
        return {"sha256": row.sha256, **meta, "style_posts": style["posts"] if style else 0}


_active: list[str | None] = [None]  # sha of the KB model in use in this process (None: shipped)


def use_files(lines: Path, spans: Path, sha: str | None = None, style: dict | None = None) -> None:
    """Point the extractor (this process and the import workers it forks later) at these model files and
    the style of the KB's corrected posts (``style``: :meth:`Style.to_json`)."""
    from kb.ingest.talks.style import Style

    talk_model.LINES_MODEL, talk_model.SPANS_MODEL = lines, spans
    talk_model.STYLE = Style.from_json(style)
    _active[0] = sha


def use_shipped() -> None:
    use_files(talk_model.HERE / "lines.crfsuite", talk_model.HERE / "spans.crfsuite")


def _cached(sha: str, lines: bytes, spans: bytes) -> tuple[Path, Path]:
    """The model's files in a per-user cache named by its sha (crfsuite opens files, not bytes)."""
    base = _user_cache("models", sha)
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        base = Path(tempfile.gettempdir()) / f"kb-models-{os.getuid()}" / sha
        base.mkdir(parents=True, exist_ok=True)
    paths = (base / "lines.crfsuite", base / "spans.crfsuite")
    for path, data in zip(paths, (lines, spans), strict=False):
        if not path.exists() or path.read_bytes() != data:
            fd, tmp = tempfile.mkstemp(dir=base, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
    return paths


def activate(engine: Engine) -> str | None:
    """Use the KB's model when it has one, else the shipped one; returns the KB model's sha or None."""
    with session_scope(engine) as s:
        return activate_in(s)


def activate_in(session: Session) -> str | None:
    """:func:`activate` within the caller's session."""
    row = session.exec(select(TrainedModel.sha256).where(TrainedModel.name == NAME)).first()
    if row is None:
        use_shipped()
        return None
    if _active[0] != row:  # not in use yet: fetch the bytes once
        found = session.get(TrainedModel, NAME)
        style = json.loads(found.meta or "{}").get("style")
        use_files(*_cached(row, bytes(found.lines), bytes(found.spans)), sha=row, style=style)
    return row


def evaluate_kb(engine: Engine) -> dict:
    """Talk precision / recall / F1 of the model in use on this KB's corrected posts (their records as gold)."""
    from kb.evaluate import Score, compare
    from kb.ingest.pipeline import extract

    activate(engine)
    total = Score()
    with session_scope(engine) as s:
        rows = s.exec(
            select(Post, Annotation).join(Annotation, Annotation.post_id == Post.id).order_by(Post.path)
        ).all()
        for post, ann in rows:
            pred = extract(post.front_matter + post.body, source=post.path).to_json()
            total.add(compare(pred, json.loads(ann.record))["talks"])
    return {"posts": len(rows), "precision": total.precision, "recall": total.recall, "f1": total.f1}
