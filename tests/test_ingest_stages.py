"""Each ingest stage alone: front matter, markdown walk, links, citations, people, conference."""

from __future__ import annotations

import pytest

from kb.errors import BadFrontMatter
from kb.ingest.citations import find_cites, sentence_at
from kb.ingest.conference import detect_conference
from kb.ingest.frontmatter import front_matter_date, is_draft, split_front_matter
from kb.ingest.links import classify_url, normalise_url, paper_id_from_url
from kb.ingest.markdown import inline_markdown, preprocess, walk
from kb.ingest.names import parse_name
from kb.ingest.people import canonical_name, looks_like_person, names_in_prose, resolve, split_display
from kb.ingest.pipeline import extract
from kb.ingest.text import decode_latex, normalise_title, repair

# ---------------------------------------------------------------- front matter


def test_yaml_and_toml_front_matter():
    fm, body, offset = split_front_matter("---\ntitle: A\ndate: 2019-6-3\ntags: [cvpr]\n---\nBody\n")
    assert fm == {"title": "A", "date": "2019-6-3", "tags": ["cvpr"]} and body == "Body\n" and offset == 5
    assert front_matter_date(fm) == "2019-06-03"
    fm, body, _ = split_front_matter('+++\ntitle = "B"\ndraft = true\ndate = 2020-01-02\n+++\nx')
    assert fm["title"] == "B" and is_draft(fm) and front_matter_date(fm) == "2020-01-02"


def test_no_front_matter_and_horizontal_rule():
    assert split_front_matter("Just text") == ({}, "Just text", 0)
    fm, body, _ = split_front_matter("---\n\nA rule, then prose.\n")
    assert fm == {} and body.startswith("---")


def test_broken_front_matter_names_the_line():
    with pytest.raises(BadFrontMatter) as exc:
        split_front_matter("---\ntitle: ok\nbad: [\n---\n", "p.md")
    assert exc.value.path == "p.md" and exc.value.line and exc.value.line >= 2


def test_an_elixir_map_between_dashes_is_front_matter_as_nimblepublisher_writes_it():
    post = (
        '---\n%{\n  title: "ElixirConf EU, \\"Lisbon\\"",\n  tags: ~w(elixir conf),\n  date: ~D[2023-04-27],\n'
        '  draft: false,\n  authors: ["Jo Doe", "Al Roe"],\n  created_at: "2023-04-28T15:29:44Z"\n}\n---\nBody\n'
    )
    fm, body, offset = split_front_matter(post, "p.md")
    assert fm == {
        "title": 'ElixirConf EU, "Lisbon"',
        "tags": ["elixir", "conf"],
        "date": "2023-04-27",
        "draft": False,
        "authors": ["Jo Doe", "Al Roe"],
        "created_at": "2023-04-28T15:29:44Z",
    }
    assert body == "Body\n" and offset == 10 and front_matter_date(fm) == "2023-04-27"
    assert front_matter_date({"created_at": "2023-04-28T15:29:44Z"}) == "2023-04-28"
    with pytest.raises(BadFrontMatter, match=r"p\.md:2: YAML front matter"):
        split_front_matter("---\n%{title: [\n---\nx\n", "p.md")  # not a map: still one clear line


# ---------------------------------------------------------------- markdown walk


def test_walk_sections_quotes_items_rows_footnotes_lines():
    md = (
        "# Day 1\n\nIntro [a](http://a.org).\n\n> quoted [1]\n\n## Talks\n\n- item one\n- item two\n\n"
        "| Title | Speaker |\n|---|---|\n| [T](s.pdf) | Jane Roe |\n\nText[^1].\n\n[^1]: A note, 2019.\n"
    )
    blocks = walk(md)
    kinds = [(b.kind, b.line) for b in blocks]
    assert kinds == [
        ("heading", 1),
        ("paragraph", 3),
        ("paragraph", 5),
        ("heading", 7),
        ("item", 9),
        ("item", 10),
        ("row", 14),
        ("paragraph", 16),
        ("footnote", 18),
    ]
    assert blocks[2].quote == 1 and blocks[4].section == ("Day 1", "Talks")
    row = blocks[6]
    assert row.cells == ["T", "Jane Roe"] and row.header == ["Title", "Speaker"]
    assert row.text[row.links[0].start : row.links[0].end] == "T"
    assert blocks[7].text == "Text[^1]." and blocks[8].marker == "^1"


def test_links_empty_nested_schemeless_bracketed_images():
    text = (
        "See [W]() and [x]([https://a.io/](https://a.io/)) and [demo](ganpaint.io), "
        "[Dr. Sung-Ho Bae], [1] and ![fig](https://i.org/a.png)."
    )
    [block] = walk(text)
    spans = {s.label: s for s in block.links}
    assert spans["W"].href == ""
    assert spans["x"].href == "https://a.io/" and spans["x"].raw_href != spans["x"].href
    assert spans["demo"].href == "ganpaint.io" and normalise_url("ganpaint.io") == ("ganpaint.io", True)
    assert spans["Dr. Sung-Ho Bae"].bracketed and "1" not in spans
    assert spans["fig"].image


def test_liquid_and_hugo_are_neutralised_keeping_line_numbers():
    md = '{% highlight python %}\nx = 1\n{% endhighlight %}\n{{< figure src="/a.png" alt="A" >}}\n{{< youtube abc >}}\nEnd line\n'
    assert preprocess(md).count("\n") == md.count("\n")
    blocks = walk(md)
    assert blocks[0].kind == "code" and blocks[0].lang == "python"
    assert any(s.image and s.href == "/a.png" for b in blocks for s in b.links)
    assert blocks[-1].text == "End line" and blocks[-1].line == 6


def test_raw_html_lists_and_comments():
    md = '<ul>\n<li><a href="https://x.org/slides.pdf">Deep nets</a> by Jane Roe</li>\n</ul>\n\n<!-- hidden talk -->\n'
    blocks = walk(md)
    assert [b.text for b in blocks] == ["Deep nets by Jane Roe"]
    assert blocks[0].links[0].href == "https://x.org/slides.pdf" and blocks[0].links[0].label == "Deep nets"


def test_inline_markdown_restores_emphasis_and_links():
    [block] = walk('[2] Doe, J. "A title." _Proc. of X_. 2019. [arXiv](https://arxiv.org/abs/1901.00001)')
    assert (
        inline_markdown(block) == '[2] Doe, J. "A title." _Proc. of X_. 2019. [arXiv](https://arxiv.org/abs/1901.00001)'
    )


def test_text_repair():
    assert repair("Montavon, Gr√©goire") == "Montavon, Grégoire"
    assert repair("SchÃ¶lkopf") == "Schölkopf"
    assert decode_latex(r"Sch{\"o}lkopf and Erd\H{o}s and \c{C}a\u{g}lar") == "Schölkopf and Erdős and Çağlar"
    assert normalise_title("Grad-CAM: Visual Explanations!") == "grad cam visual explanations"


# ---------------------------------------------------------------- links


@pytest.mark.parametrize(
    "url,label,person,kind",
    [
        ("https://www.youtube.com/watch?v=abc", "Yann LeCun", True, "video"),
        ("https://slideslive.com/38922", "talk", False, "video"),
        ("https://github.com/facebookresearch/detectron2", "code", False, "code"),
        ("https://github.com/karpathy", "Andrej", True, "homepage"),
        ("https://arxiv.org/abs/1706.03762", "paper", False, "paper"),
        ("https://openreview.net/forum?id=rJl-b3RcF7", "x", False, "paper"),
        ("https://aclanthology.org/N19-1423/", "BERT", False, "paper"),
        ("https://openaccess.thecvf.com/content_CVPR_2019/papers/X.pdf", "x", False, "paper"),
        ("http://talks.org/slides/zoph-slides.pdf", "x", False, "slides"),
        ("https://speakerdeck.com/x/y", "x", False, "slides"),
        ("http://www.stat.ucla.edu/~ywu/", "Prof. Ying Nian Wu", True, "homepage"),
        ("https://scholar.google.com/citations?user=1", "scholar", False, "homepage"),
        ("http://tensorly.org/", "Tensorly", False, "other"),
        ("https://i.imgur.com/a.png", "", False, "image"),
    ],
)
def test_classify_url(url, label, person, kind):
    assert classify_url(url, label, person_label=person) == kind


def test_paper_ids_from_urls():
    assert paper_id_from_url("https://arxiv.org/pdf/1706.03762v5.pdf") == ("arxiv", "1706.03762")
    assert paper_id_from_url("https://arxiv.org/abs/cs/0112017") == ("arxiv", "cs/0112017")
    assert paper_id_from_url("https://doi.org/10.1145/3299869.3314037") == ("doi", "10.1145/3299869.3314037")
    assert paper_id_from_url("https://openreview.net/forum?id=rJl-b3RcF7") == ("openreview", "rJl-b3RcF7")
    assert paper_id_from_url("https://aclanthology.org/2020.acl-main.1/") == ("acl", "2020.acl-main.1")


# ---------------------------------------------------------------- citations


def test_cite_forms():
    text = (
        "As [3,4,5], [2-4], [21, 22], gradients[9], [He2016], [^2], (Devlin et al., 2019; "
        "Liu & Lapata, 2019), Radford et al. (2018) and Peters and Neumann (2018) showed."
    )
    got = [(c.marker, c.kind) for c in find_cites(text)]
    assert [m for m, k in got if k == "numeric"] == ["[3]", "[4]", "[5]", "[2]", "[3]", "[4]", "[21]", "[22]", "[9]"]
    assert ("[He2016]", "key") in got and ("[^2]", "footnote") in got
    ay = [c for c in find_cites(text) if c.kind == "author_year"]
    assert [(c.surname, c.year, c.second) for c in ay] == [
        ("Devlin", 2019, None),
        ("Liu", 2019, "Lapata"),
        ("Radford", 2018, None),
        ("Peters", 2018, "Neumann"),
    ]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("It builds on Yu et al. 2017 and Edunov et al., 2019.", [("Yu", 2017, None), ("Edunov", 2019, None)]),
        ("see Ramachandran et al 2017", [("Ramachandran", 2017, None)]),
        ("(see experiments in Sanderson and Guenter, 2006)", [("Sanderson", 2006, "Guenter")]),
        ("as in Ganin et al. JMLR (2016).", [("Ganin", 2016, None)]),
        ("Machine translation: Mikolov, Yih and Zweig, NAACL 2013", [("Mikolov", 2013, "Zweig")]),
        ("Detection (Crossfield, Goyon et al. 2013)", [("Crossfield", 2013, None)]),
        ("Marco Ataide et al., _Immunity_, 2022", [("Ataide", 2022, None)]),
        # bracketed forms are read once, not again as bare ones
        ("(Devlin et al., 2019) and Radford et al. (2018)", [("Devlin", 2019, None), ("Radford", 2018, None)]),
        # no "et al." and no second surname: a place, a venue or a title, not a cite
        ("We met in Paris, 2019 and at NeurIPS 2019.", []),
        ("Architecture and Representation, 2018 was the theme; Dublin and BOSC 2017 too.", []),
    ],
)
def test_bare_author_year_cites(text, expected):
    """Real notes cite without brackets ("see Yu et al. 2017"); only "et al." or two surnames count."""
    got = [(c.surname, c.year, c.second) for c in find_cites(text) if c.kind == "author_year"]
    assert got == expected


def test_not_cites():
    assert find_cites("an image ![x](y) and a link [text](http://a) and x[i] and [Dr. Bae]") == []


def test_arxiv_id_after_a_cite_names_its_paper():
    # the cite and the link later in the post are one paper; the cite gives its author and year
    post = (
        "# Notes\n\n## Talk one by Jane Doe\n\n"
        "Figure 1 from Chang et al., ICLR 2026 (arXiv:2509.01938). More text.\n\n"
        "Full paper: [arXiv:2509.01938](https://arxiv.org/abs/2509.01938).\n"
    )
    x = extract(post, source="x.md").to_json()
    assert [(p["ref"], p["authors"], p["et_al"], p["year"]) for p in x["papers"]] == [
        ("https://arxiv.org/abs/2509.01938", [{"family": "Chang", "given": ""}], True, 2026)
    ]
    assert [(c["marker"], c["paper"], c["talk"]) for c in x["citations"]] == [
        ("Chang et al., ICLR 2026", "https://arxiv.org/abs/2509.01938", 0),
        ("https://arxiv.org/abs/2509.01938", "https://arxiv.org/abs/2509.01938", 0),
    ]
    # without the identifier the cite is a paper of its own, known by its cite
    x = extract(post.replace(" (arXiv:2509.01938)", ""), source="x.md").to_json()
    assert [p["ref"] for p in x["papers"]] == ["Chang et al., ICLR 2026", "https://arxiv.org/abs/2509.01938"]


def test_sentence_at_respects_abbreviations():
    text = "First. Matthew D. Zeiler et al. said [3] this, e.g. here. Last one."
    assert sentence_at(text, text.index("[3]")) == "Matthew D. Zeiler et al. said [3] this, e.g. here."


# ---------------------------------------------------------------- people


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Prof. Ying Nian Wu", True),
        ("Dr. Sung-Ho Bae", True),
        ("Łukasz Kaiser", True),
        ("Fei-Fei Li", True),
        ("Laurens van der Maaten", True),
        ("Vedaldi, Andrea", True),
        ("Neural Archtecures", False),
        ("Workshop on statistical deep learning", False),
        ("ICCV19", False),
        ("here", False),
        ("Tensorly", False),
        ("Deep Image Prior", False),
        ("Long Beach", False),
        # every word an everyday English word and none a given name: no name
        ("Color Issues", False),
        ("Cape Town", False),
        ("As Rob", False),
        ("Linear Programming", False),
        # … unless a given name, an initial or a common East Asian family name says otherwise
        ("Will Smith", True),
        ("C. S. Lewis", True),
        ("Bo Li", True),
        ("He He", True),
        ("Dr. Color Issues", True),
    ],
)
def test_looks_like_person(text, expected):
    assert looks_like_person(text) is expected


class _NoAuthors:
    def resolve(self, name):
        return None, []


@pytest.mark.parametrize(
    "text,expected",
    [
        ('Katarina Danks: "This is a recent topic for me."', ["Katarina Danks"]),  # a quote's attribution
        ('Kellen Mace (Mod): "Try it on your own data."', ["Kellen Mace"]),
        ("Fran Agulto wrote about RAG with headless WordPress.", ["Fran Agulto"]),
        ('ein Vortrag von Timo Gerkmann (Universität Hamburg): "Generative or Predictive?"', ["Timo Gerkmann"]),
        ("Tail Risks: a look at the data", []),  # no cue, no given name
        ("I met Steve Shirley\nAged five, she fled to Britain.", ["Steve Shirley"]),  # a name ends at the line
    ],
)
def test_names_in_prose_cues(text, expected):
    assert [name for name, _ in names_in_prose(text, _NoAuthors())] == expected


def test_a_bold_name_in_running_text_is_a_person_but_a_bold_title_is_not():
    post = (
        "# Notes\n\n## Keynote by Jane Doe\n\n"
        "I mentioned my work with **Marco Valtorta** and **Lincoln Lu** from my PhD days.\n\n"
        "**Graph Rewriting Then and Now** was the best talk of the day.\n"
    )
    people = {p.name for p in extract(post, source="bold.md").people}
    assert {"Marco Valtorta", "Lincoln Lu"} <= people
    assert not any("Rewriting" in p for p in people)


def test_canonical_names_and_resolution():
    assert canonical_name("Dr. Ping Luo") == "Ping Luo"
    assert canonical_name("Vedaldi, Andrea") == "Andrea Vedaldi"
    authors = [parse_name("Vedaldi, Andrea"), parse_name("Mahendran, Aravindh"), parse_name("Schölkopf, Bernhard")]
    assert resolve(split_display("Andrea Veladi"), authors) == (0, [])
    assert resolve(split_display("A. Vedaldi"), authors) == (0, [])
    assert resolve(split_display("Bernhard Scholkopf"), authors) == (2, [])
    assert resolve(split_display("Andrew Zisserman"), authors) == (None, [])
    idx, ambiguous = resolve(split_display("K. Zhang"), [parse_name("Zhang, Kai"), parse_name("Zhang, Kaiming")])
    assert idx is None and ambiguous == [0, 1]


# ---------------------------------------------------------------- conference


def test_conference_from_front_matter_title_and_prose():
    blocks = walk("[ICCV19](http://iccv2019.thecvf.com/) was held in Seoul last week.")
    conf = detect_conference({"title": "ICCV 2019 at Seoul"}, blocks, None)
    assert (conf.name, conf.year, conf.location, conf.url) == ("ICCV", 2019, "Seoul", "http://iccv2019.thecvf.com/")
    conf = detect_conference({"tags": ["nips"]}, walk("Notes."), 2018)
    assert (conf.name, conf.year) == ("NeurIPS", 2018)
    assert detect_conference({"title": "My visa saga"}, walk("Nothing here."), 2020) is None


def test_co_located_workshop_reports_the_titled_conference():
    blocks = walk("CoNLL 2019 was co-located with EMNLP 2019. EMNLP EMNLP EMNLP.")
    assert detect_conference({"title": "CoNLL 2019 notes"}, blocks, None).name == "CoNLL"


@pytest.mark.parametrize(
    "title,prose,location",
    [
        ("ACL 2019, Florence: probing and gelato", "Notes.", "Florence"),
        ("CVPR 2022 notes", "CVPR filled the convention centre in New Orleans for a week.", "New Orleans"),
        ("ICML 2019", "Long Beach in June is a strange place for a conference.", "Long Beach"),
        ("EMNLP 2020", "It was fully virtual this year.", None),
    ],
)
def test_conference_location(title, prose, location):
    assert detect_conference({"title": title}, walk(prose), None).location == location


def test_a_tab_after_a_front_matter_key_is_read_as_a_space_as_jekyll_does():
    fm, body, _ = split_front_matter("---\nlayout:     post\nsubtitle:  \tSummary of my trip\n---\n\n# Day 1\n")
    assert fm == {"layout": "post", "subtitle": "Summary of my trip"} and body.strip() == "# Day 1"
    with pytest.raises(BadFrontMatter, match=r"post\.md:2: YAML front matter"):
        split_front_matter("---\nlayout:\t[post\n---\nx\n", "post.md")  # still broken once the tab is a space


def test_extract_json_speaks_the_kinds_and_link_classes_of_conventions():
    from kb.ingest.pipeline import extract

    post = (
        "# RubyConf 2031\n\n## Fast tests — Jane Doe\n\n[Slides](https://example.org/fast.pdf), "
        "[video](https://www.youtube.com/watch?v=abc), paper: [Doe 2030](https://arxiv.org/abs/2101.00001).\n"
    )
    data = extract(post, "rubyconf-2031.md").to_json()
    assert [(t["title"], t["kind"]) for t in data["talks"]] == [("Fast tests", "oral")]
    assert set(data["links"]) == {"slides", "videos", "papers", "images"}
    assert {k for t in data["talks"] for k in [t["kind"]]} <= {
        "keynote",
        "invited",
        "plenary",
        "tutorial",
        "workshop",
        "oral",
        "spotlight",
        "panel",
        "session",
    }
