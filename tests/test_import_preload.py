"""Before forking its extraction workers, ``kb import`` loads what extraction loads on its first post
(issue 16, ``speed10``: :func:`kb.importer.preload_extraction`), so that the workers inherit it instead of
each loading it again. Loading only: a post extracted after it is extracted as without it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_CODE = """
import json, sys
from pathlib import Path
preload = sys.argv[1] == "1"
if preload:
    from kb.importer import preload_extraction
    preload_extraction()
    from kb.ingest.papers import bound
    from kb.ingest.refparse import model
    loaded = {"wordfreq": "wordfreq" in sys.modules, "numpy": "numpy" in sys.modules,
              "refparse": model._fast is not None, "bound": any(b is not None for _, b in bound._bounds.values())}
else:
    loaded = {"wordfreq": "wordfreq" in sys.modules}
from kb.ingest.pipeline import extract
out = [extract(p.read_text(encoding="utf-8"), source=p.name).to_json() for p in sorted(Path("imports").glob("*.md"))[:4]]
print(json.dumps({"loaded": loaded, "out": out}, sort_keys=True))
"""


def _run(preload: bool) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CODE, "1" if preload else "0"], cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_preload_loads_the_tables_and_changes_no_extraction():
    cold, warm = _run(False), _run(True)
    assert cold["loaded"] == {"wordfreq": False}  # nothing loads them before extraction asks
    assert warm["loaded"] == {"wordfreq": True, "numpy": True, "refparse": True, "bound": True}
    assert warm["out"] == cold["out"] and len(cold["out"]) == 4
