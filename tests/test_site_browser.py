"""The site in a real browser: headless Chromium opens it from file://, searches a speaker's name with the
prebuilt index, and follows person → talk → paper; three page kinds are screenshotted and checked."""

from __future__ import annotations

import html
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from kb.graph import page_picture
from kb.site import build_site
from kb.site.links import page_path
from tests.test_site import engine, one, sample_db  # noqa: F401 (fixtures)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian: chromium; .ci/run installs it)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
]


def dom(url: str, tmp_path: Path) -> str:
    """The page's DOM after its scripts ran (Chromium's --dump-dom)."""
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def links(page: str, pattern: str) -> list[str]:
    return re.findall(rf'<a href="({pattern})"', page)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def site(engine, tmp_path):  # noqa: F811
    out = tmp_path / "site"
    build_site(engine, out, picture=page_picture("python"))
    return out


def test_search_then_person_talk_paper_from_file_urls(engine, site, tmp_path):  # noqa: F811
    person_id, name, talk_id, title, paper_id, paper_title = one(
        engine,
        """
        select p.id, p.name, t.id, t.title, c.paper_id, pa.title from talkspeaker s join person p on p.id = s.person_id
        join talk t on t.id = s.talk_id join citation c on c.talk_id = t.id join paper pa on pa.id = c.paper_id
        where pa.title is not null and t.title is not null order by p.id limit 1""",
    )
    family = name.split()[-1]
    results = dom((site / "search.html").as_uri() + f"?q={family}", tmp_path)
    person = page_path("person", person_id, name)
    assert person in links(results, r"person/[^\"]+")  # found by search.js over the prebuilt index
    assert "result(s)" in results and "did not load" not in results
    person_dom = dom((site / person).as_uri(), tmp_path)
    talk = page_path("talk", talk_id, title)
    assert f"../{talk}" in links(person_dom, r"\.\./talk/[^\"]+")
    talk_dom = dom((site / talk).as_uri(), tmp_path)
    paper = page_path("paper", paper_id, paper_title)
    assert f"../{paper}" in links(talk_dom, r"\.\./paper/[^\"]+")
    paper_dom = dom((site / paper).as_uri(), tmp_path)
    assert "<h2>Cited in</h2>" in paper_dom and f'href="../{talk}"' in paper_dom
    assert html.unescape(re.search(r"<h1>(.*?)</h1>", paper_dom).group(1)) == paper_title


def test_screenshots_of_three_page_kinds(engine, site, tmp_path):  # noqa: F811
    conf_id, conf = one(engine, "select id, name || ' ' || year from conference where name like 'ICLR%'")
    person_id, name = one(
        engine, "select p.id, p.name from person p join talkspeaker s on s.person_id = p.id order by p.id limit 1"
    )
    pages = {
        "conference": page_path("conference", conf_id, conf),
        "person": page_path("person", person_id, name),
        "search": "search.html?q=flow",
    }
    for kind, rel in pages.items():
        shot = tmp_path / f"{kind}.png"
        done = subprocess.run(
            [
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={tmp_path / 'profile'}",
                "--window-size=1000,800",
                f"--screenshot={shot}",
                (site / rel.split("?")[0]).as_uri() + ("?" + rel.split("?")[1] if "?" in rel else ""),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
        assert png_size(shot) == (1000, 800)
        assert shot.stat().st_size > 20_000, kind  # text and a picture, not a blank page
    conference = dom((site / pages["conference"]).as_uri(), tmp_path)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="kb-graph"' in conference  # the neighbourhood picture
