"""Paper identifiers from URLs, and what they tell offline (issue 15, items 1 and 2).

The URL table holds real URL forms. Source of each row: ``corpus`` = linked in a train/dev post of the
annotated real notes (``../shared/realcorpus``); ``anthology#958`` = the Anthology ids listed in
acl-org/acl-anthology issue 958; ``hf-readme`` = the BibTeX url of a Hugging Face dataset card
(sileod/wikimedqa); ``site`` = the URL scheme the publisher's own pages use (arXiv abs/pdf/html and
old-style ids per info.arxiv.org/help/arxiv_identifier; doi.org and the DOI-in-path pages of ACM DL,
Springer, Wiley; IEEE Xplore document numbers; OpenReview forum/pdf; PMLR and JMLR volumes; NeurIPS
proceedings hashes; CVF open access; AAAI/IJCAI proceedings; DBLP records; Semantic Scholar).
"""

from __future__ import annotations

import pytest

from kb.ingest.identifiers import (
    PaperId,
    clean_doi,
    identifiers_from_text,
    identifiers_from_url,
    isbn13,
)
from kb.ingest.links import classify_url, paper_id_from_url
from kb.ingest.paper_meta import (
    apply_identifiers,
    author_from_label,
    describe,
    title_from_label,
)
from kb.ingest.records import ParsedReference

URLS = [
    # arXiv
    ("corpus", "https://arxiv.org/abs/1603.09320", ["arxiv:1603.09320"]),
    ("corpus", "https://arxiv.org/pdf/1810.09558.pdf", ["arxiv:1810.09558"]),
    ("corpus", "https://arxiv.org/pdf/2404.14219v4", ["arxiv:2404.14219"]),
    ("site", "https://arxiv.org/abs/1706.03762v5", ["arxiv:1706.03762"]),
    ("site", "https://arxiv.org/html/2401.12345v2", ["arxiv:2401.12345"]),
    ("site", "http://arxiv.org/abs/hep-th/9901001v2", ["arxiv:hep-th/9901001"]),
    ("site", "https://arxiv.org/abs/math.GT/0309136", ["arxiv:math.gt/0309136"]),
    ("site", "https://export.arxiv.org/abs/1706.03762", ["arxiv:1706.03762"]),
    ("site", "https://doi.org/10.48550/arXiv.1706.03762", ["doi:10.48550/arxiv.1706.03762", "arxiv:1706.03762"]),
    ("site", "https://huggingface.co/papers/2306.05685", ["arxiv:2306.05685"]),
    ("site", "https://arxiv.org/list/cs.CL/recent", []),
    # DOI and publisher pages embedding one
    ("corpus", "https://dl.acm.org/doi/abs/10.1145/53580.53581", ["doi:10.1145/53580.53581"]),
    ("corpus", "https://www.mitpressjournals.org/doi/pdf/10.1162/tacl_a_00287", ["doi:10.1162/tacl_a_00287"]),
    ("site", "https://dx.doi.org/10.1145/3292500.3330701", ["doi:10.1145/3292500.3330701"]),
    ("site", "https://dl.acm.org/doi/pdf/10.1145/3292500.3330701", ["doi:10.1145/3292500.3330701"]),
    ("site", "https://dl.acm.org/citation.cfm?id=3295222.3295349", ["acm:3295349"]),
    ("site", "https://link.springer.com/chapter/10.1007/978-3-030-58452-8_13", ["doi:10.1007/978-3-030-58452-8_13"]),
    ("site", "https://link.springer.com/content/pdf/10.1007/s11263-015-0816-y.pdf", ["doi:10.1007/s11263-015-0816-y"]),
    (
        "site",
        "https://onlinelibrary.wiley.com/doi/full/10.1111/j.1467-9868.2005.00503.x",
        ["doi:10.1111/j.1467-9868.2005.00503.x"],
    ),
    ("site", "https://onlinelibrary.wiley.com/doi/epdf/10.1002/widm.1249", ["doi:10.1002/widm.1249"]),
    (
        "site",
        "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0130140",
        ["doi:10.1371/journal.pone.0130140"],
    ),
    ("site", "https://www.nature.com/articles/nature14539", ["doi:10.1038/nature14539"]),
    ("site", "https://ieeexplore.ieee.org/document/8099678", ["ieee:8099678"]),
    ("site", "https://ieeexplore.ieee.org/abstract/document/8099678/", ["ieee:8099678"]),
    ("site", "https://ieeexplore.ieee.org/stamp/stamp.jsp?arnumber=8099678", ["ieee:8099678"]),
    ("corpus", "http://www.nber.org/papers/w12744", ["doi:10.3386/w12744", "nber:w12744"]),
    ("corpus", "http://www.ncbi.nlm.nih.gov/pmc/articles/PMC3885826/", ["pmc:PMC3885826"]),
    # ACL Anthology: old and new ids, aclweb.org and aclanthology.org
    ("corpus", "https://www.aclweb.org/anthology/D19-1001.pdf", ["acl:D19-1001"]),
    ("corpus", "https://www.aclweb.org/anthology/P19-1266/", ["acl:P19-1266"]),
    ("corpus", "https://www.aclweb.org/anthology/N19-1149", ["acl:N19-1149"]),
    ("corpus", "https://www.aclweb.org/anthology/W10-2605.pdf", ["acl:W10-2605"]),
    ("corpus", "https://www.aclweb.org/anthology/Q19-1027.pdf", ["acl:Q19-1027"]),
    ("anthology#958", "https://aclanthology.org/W19-4226.pdf", ["acl:W19-4226"]),
    ("hf-readme", "https://aclanthology.org/2024.lrec-main.675", ["acl:2024.lrec-main.675"]),
    ("site", "https://aclanthology.org/2020.acl-main.1.pdf", ["acl:2020.acl-main.1"]),
    ("site", "https://aclanthology.org/2021.findings-emnlp.12v2.pdf", ["acl:2021.findings-emnlp.12"]),
    ("site", "https://doi.org/10.18653/v1/P19-1001", ["doi:10.18653/v1/p19-1001", "acl:P19-1001"]),
    ("corpus", "https://aclweb.org/anthology/events/naacl-2019/", []),
    ("site", "https://aclanthology.org/volumes/2020.acl-main/", []),
    # OpenReview
    ("site", "https://openreview.net/forum?id=rJl-b3RcF7", ["openreview:rJl-b3RcF7"]),
    ("site", "https://openreview.net/pdf?id=rJl-b3RcF7", ["openreview:rJl-b3RcF7"]),
    ("site", "https://openreview.net/forum?id=rJl-b3RcF7&noteId=Bkx1", ["openreview:rJl-b3RcF7"]),
    ("site", "https://openreview.net/group?id=ICLR.cc/2019/Conference", []),
    # PMLR and JMLR
    ("site", "http://proceedings.mlr.press/v97/kim19a.html", ["pmlr:v97/kim19a"]),
    ("site", "https://proceedings.mlr.press/v139/radford21a/radford21a.pdf", ["pmlr:v139/radford21a"]),
    ("site", "http://jmlr.org/proceedings/papers/v37/ioffe15.pdf", ["pmlr:v37/ioffe15"]),
    ("site", "https://jmlr.org/papers/v15/srivastava14a.html", ["jmlr:v15/srivastava14a"]),
    # NeurIPS / NIPS proceedings
    (
        "corpus",
        "https://proceedings.neurips.cc/paper/2017/file/3f5ee243547dee91fbd053c1c4a845aa-Paper.pdf",
        ["neurips:2017/3f5ee243547dee91fbd053c1c4a845aa"],
    ),
    (
        "corpus",
        "https://proceedings.neurips.cc/paper_files/paper/2017/file/3f5ee243547dee91fbd053c1c4a845aa-Paper.pdf",
        ["neurips:2017/3f5ee243547dee91fbd053c1c4a845aa"],
    ),
    (
        "site",
        "https://papers.nips.cc/paper/2017/hash/3f5ee243547dee91fbd053c1c4a845aa-Abstract.html",
        ["neurips:2017/3f5ee243547dee91fbd053c1c4a845aa"],
    ),
    ("site", "https://papers.nips.cc/paper/7181-attention-is-all-you-need.pdf", ["nips:7181"]),
    ("corpus", "https://nips.cc/Conferences/2019/ScheduleMultitrack?event=15734", []),
    # CVF open access, ECVA
    (
        "site",
        "http://openaccess.thecvf.com/content_cvpr_2017/papers/Huang_Densely_Connected_Convolutional_CVPR_2017_paper.pdf",
        ["cvf:CVPR2017/Huang_Densely_Connected_Convolutional_CVPR_2017"],
    ),
    (
        "site",
        "https://openaccess.thecvf.com/content/CVPR2021/html/Chen_Exploring_Simple_Siamese_Representation_Learning_CVPR_2021_paper.html",
        ["cvf:CVPR2021/Chen_Exploring_Simple_Siamese_Representation_Learning_CVPR_2021"],
    ),
    (
        "site",
        "https://openaccess.thecvf.com/content_ICCV_2019/html/Fong_Understanding_Deep_Networks_via_Extremal_Perturbations_and_Smooth_Masks_ICCV_2019_paper.html",
        ["cvf:ICCV2019/Fong_Understanding_Deep_Networks_via_Extremal_Perturbations_and_Smooth_Masks_ICCV_2019"],
    ),
    ("site", "https://www.ecva.net/papers/eccv_2020/papers_ECCV/papers/123460001.pdf", ["ecva:eccv_2020/123460001"]),
    # AAAI, IJCAI
    ("site", "https://ojs.aaai.org/index.php/AAAI/article/view/16826", ["aaai:AAAI/16826"]),
    ("site", "https://www.aaai.org/ocs/index.php/AAAI/AAAI17/paper/view/14806", ["aaai:AAAI17/14806"]),
    ("site", "https://www.ijcai.org/proceedings/2019/0123.pdf", ["ijcai:2019/123"]),
    ("site", "https://www.ijcai.org/Proceedings/16/Papers/123.pdf", ["ijcai:2016/123"]),
    # DBLP, Semantic Scholar
    ("site", "https://dblp.org/rec/conf/cvpr/HeZRS16.html", ["dblp:conf/cvpr/HeZRS16"]),
    (
        "site",
        "https://dblp.org/rec/journals/corr/abs-1706-03762",
        ["arxiv:1706.03762", "dblp:journals/corr/abs-1706-03762"],
    ),
    ("site", "https://dblp.org/db/conf/cvpr/cvpr2016.html#HeZRS16", ["dblp:conf/cvpr/HeZRS16"]),
    ("site", "https://dblp.org/pid/12/3456.html", []),
    (
        "site",
        (
            "https://www.semanticscholar.org/paper/Attention-is-All-you-Need-Vaswani-Shazeer/"
            "204e3073870fae3d05bcbc2f6a8e263d9b72e776"
        ),
        ["s2:204e3073870fae3d05bcbc2f6a8e263d9b72e776"],
    ),
    ("site", "https://api.semanticscholar.org/CorpusID:13756489", ["s2corpus:13756489"]),
    # books by ISBN (Amazon's ASIN of a book is its ISBN-10)
    (
        "corpus",
        "https://www.amazon.com/Computer-Architecture-Fifth-Quantitative-Approach/dp/012383872X",
        ["isbn:9780123838728"],
    ),
    ("corpus", "http://shop.oreilly.com/product/9780596516499.do", ["isbn:9780596516499"]),
    ("corpus", "http://shop.oreilly.com/product/0636920023784.do", []),  # a product code, not an ISBN
    ("site", "https://www.amazon.com/dp/B07XYZ1234", []),
    # conference sites that number their papers
    (
        "corpus",
        "https://neurips.cc/virtual/2020/protected/poster_2f3bbb9730639e9ea48f309d9a79ff01.html",
        ["neurips:2020/2f3bbb9730639e9ea48f309d9a79ff01"],
    ),
    ("corpus", "https://cvpr.thecvf.com/virtual/2023/poster/22652", ["virtual:cvpr/2023/22652"]),
    ("site", "https://iclr.cc/virtual/2021/poster/3033", ["virtual:iclr/2021/3033"]),
    ("corpus", "http://ismir2015.uma.es/articles/227_Paper.pdf", ["ismir:2015/227"]),
    ("corpus", "https://www.vldb.org/pvldb/vol16/p3822-povzner.pdf", ["pvldb:16/3822"]),
    (
        "corpus",
        "https://www.usenix.org/conference/usenixsecurity19/presentation/reardon",
        ["usenix:usenixsecurity19/reardon"],
    ),
    ("corpus", "https://transacl.org/ojs/index.php/tacl/article/viewFile/869/197", ["tacl:869"]),
    ("corpus", "https://neurips.cc/virtual/2020/protected/invited_16166.html", []),  # an invited talk's page
    ("site", "https://neurips.cc/virtual/2020/public/index.html", []),
    # not papers
    ("corpus", "https://github.com/umnlibraries/simpledoi-ruby", []),
    ("corpus", "https://doi.org", []),
    ("site", "not a url at all", []),
    ("site", "http://[::1", []),
]


@pytest.mark.parametrize(("source", "url", "keys"), URLS, ids=[u for _, u, _ in URLS])
def test_identifiers_from_real_url_forms(source, url, keys):
    assert [i.key for i in identifiers_from_url(url)] == keys


def test_every_source_of_the_issue_is_in_the_table():
    schemes = {k.split(":", 1)[0] for _, _, keys in URLS for k in keys}
    assert {
        "arxiv",
        "doi",
        "acl",
        "openreview",
        "pmlr",
        "neurips",
        "cvf",
        "aaai",
        "ijcai",
        "dblp",
        "s2",
        "ieee",
    } <= schemes


def test_the_same_paper_by_two_urls_has_one_key():
    a = identifiers_from_url(
        "https://proceedings.neurips.cc/paper/2017/file/3f5ee243547dee91fbd053c1c4a845aa-Paper.pdf"
    )
    b = identifiers_from_url("https://papers.nips.cc/paper/2017/hash/3f5ee243547dee91fbd053c1c4a845aa-Abstract.html")
    assert a[0].key == b[0].key
    # NeurIPS 2020's virtual poster pages carry the proceedings hash (SOLOv2, linked both ways in public repos)
    poster = identifiers_from_url("https://neurips.cc/virtual/2020/public/poster_cd3afef9b8b89558cd56638c3631868a.html")
    pdf = identifiers_from_url("https://papers.nips.cc/paper/2020/file/cd3afef9b8b89558cd56638c3631868a-Paper.pdf")
    assert poster[0].key == pdf[0].key
    acl_doi = identifiers_from_url("https://doi.org/10.18653/v1/P19-1001")
    acl_pdf = identifiers_from_url("https://www.aclweb.org/anthology/p19-1001.pdf")  # old lower-case Anthology URL
    assert acl_pdf[0].key in {i.key for i in acl_doi}


def test_doi_values_keep_their_case_but_keys_fold_it():
    ident = identifiers_from_url("https://doi.org/10.1162/TACL_a_00287")[0]
    assert ident.value == "10.1162/TACL_a_00287" and ident.key == "doi:10.1162/tacl_a_00287"
    assert clean_doi("see https://doi.org/10.1145/3292500.3330701).") == "10.1145/3292500.3330701"


def test_isbn_checksums():
    assert isbn13("012383872X") == "9780123838728"
    assert isbn13("978-0-596-51649-9") == "9780596516499"
    assert isbn13("0123838721") is None and isbn13("9780596516490") is None


def test_identifiers_in_reference_text():
    assert [i.key for i in identifiers_from_text("Vaswani et al. Attention. arXiv:1706.03762v5, 2017")] == [
        "arxiv:1706.03762"
    ]
    assert [i.key for i in identifiers_from_text("doi: 10.18653/v1/2020.acl-main.1.")] == [
        "doi:10.18653/v1/2020.acl-main.1",
        "acl:2020.acl-main.1",
    ]


def test_links_module_reads_identifiers_through_the_new_module():
    assert paper_id_from_url("https://openreview.net/forum?id=rJl-b3RcF7") == ("openreview", "rJl-b3RcF7")
    assert paper_id_from_url("http://proceedings.mlr.press/v97/kim19a.html") == ("pmlr", "v97/kim19a")
    assert classify_url("https://dblp.org/rec/conf/cvpr/HeZRS16.html") == "paper"
    assert classify_url("https://dblp.org/pid/12/3456.html") == "homepage"


# ------------------------------------------------------------------ offline metadata

META = [
    (PaperId("arxiv", "1706.03762"), 2017, 6, None, "article"),
    (PaperId("arxiv", "hep-th/9901001"), 1999, 1, None, "article"),
    (PaperId("acl", "D19-1001"), 2019, None, "EMNLP", "inproceedings"),
    (PaperId("acl", "D19-6110"), 2019, None, "EMNLP Workshops", "inproceedings"),
    (PaperId("acl", "Q19-1027"), 2019, None, "TACL", "article"),
    (PaperId("acl", "W10-2605"), 2010, None, "Workshop", "inproceedings"),
    (PaperId("acl", "2020.acl-main.1"), 2020, None, "ACL", "inproceedings"),
    (PaperId("acl", "2021.findings-emnlp.12"), 2021, None, "Findings of EMNLP", "inproceedings"),
    (PaperId("acl", "2024.lrec-main.675"), 2024, None, "LREC-COLING", "inproceedings"),
    (PaperId("pmlr", "v97/kim19a"), 2019, None, "ICML", "inproceedings"),
    (PaperId("pmlr", "v89/foo19b"), 2019, None, "AISTATS", "inproceedings"),
    (PaperId("pmlr", "v999/bar21a"), 2021, None, None, "inproceedings"),  # volume not in the table: year from the id
    (PaperId("neurips", "2017/3f5ee243547dee91fbd053c1c4a845aa"), 2017, None, "NIPS", "inproceedings"),
    (PaperId("neurips", "2020/1457c0d6bfcb4967418bfb8ac142f64a"), 2020, None, "NeurIPS", "inproceedings"),
    (PaperId("cvf", "ICCV2019/Fong_Understanding_ICCV_2019"), 2019, None, "ICCV", "inproceedings"),
    (PaperId("cvf", "CVPRW2019/Foo_Bar_CVPRW_2019"), 2019, None, "CVPR Workshops", "inproceedings"),
    (PaperId("ijcai", "2019/123"), 2019, None, "IJCAI", "inproceedings"),
    (PaperId("aaai", "AAAI17/14806"), 2017, None, "AAAI", "inproceedings"),
    (PaperId("jmlr", "v15/srivastava14a"), 2014, None, "Journal of Machine Learning Research", "article"),
    (PaperId("dblp", "conf/cvpr/HeZRS16"), 2016, None, None, "inproceedings"),
    (PaperId("isbn", "9780123838728"), None, None, None, "book"),
    (PaperId("ismir", "2015/227"), 2015, None, "ISMIR", "inproceedings"),
    (PaperId("virtual", "cvpr/2023/22652"), 2023, None, "CVPR", "inproceedings"),
    (PaperId("virtual", "iclr/2021/3033"), 2021, None, "ICLR", "inproceedings"),
    (PaperId("pvldb", "16/3822"), 2023, None, "PVLDB", "article"),
    (PaperId("tacl", "869"), None, None, "TACL", "article"),
]


@pytest.mark.parametrize(("ident", "year", "month", "venue", "kind"), META, ids=[m[0].key for m in META])
def test_offline_metadata_from_identifiers(ident, year, month, venue, kind):
    m = describe([ident])
    assert (m.year, m.month, m.venue, m.type) == (year, month, venue, kind)


def test_cvf_path_names_the_first_author():
    assert (
        describe([PaperId("cvf", "CVPR2017/Huang_Densely_Connected_Convolutional_CVPR_2017")]).first_author == "Huang"
    )


# Link texts of paper links in train/dev posts (corpus) and the forms the issue names.
LABELS = [
    (
        "Show Your Work: Improved Reporting of Experimental Results",
        "Show Your Work: Improved Reporting of Experimental Results",
    ),
    ("**Knowledge Enhanced** Contextual Word Representations", "Knowledge Enhanced Contextual Word Representations"),
    (
        "Still a Pain in the Neck: Evaluating Text Representations on Lexical Composition (TACL)",
        "Still a Pain in the Neck: Evaluating Text Representations on Lexical Composition",
    ),
    (
        "What You See is What You Get: Visual Pronoun Coreference Resolution in Dialogues",
        "What You See is What You Get: Visual Pronoun Coreference Resolution in Dialogues",
    ),
    ("Attention is All you need", "Attention is All you need"),
    ("Negated LAMA: Birds cannot fly", "Negated LAMA: Birds cannot fly"),
    ('"Think Bayes"', "Think Bayes"),
    ("here", None),
    ("paper", None),
    ("this paper", None),
    ("[PDF]", None),
    ("arXiv", None),
    ("Tong et al.", None),
    ("G. Li et al.", None),
    ("Devlin et al. (2019)", None),
    ("https://arxiv.org/abs/1706.03762", None),
    ("arXiv:1706.03762", None),
    ("Andrea Vedaldi", None),
    ("detecting adverse drug reactions", None),  # the sentence's own words, linked
    ("paper in ACRL 2019 Conference Proceedings", None),
    ("Whitepaper on Kora", None),
    ("LINDDUN GO is a card game", None),
    ("LLM-as-judge", None),
    ("Dror, Shlomov and Reichart. Deep Dominance - How to Properly Compare Deep Neural Models. ACL 2019", None),
]


@pytest.mark.parametrize(("label", "title"), LABELS, ids=[lab for lab, _ in LABELS])
def test_link_text_is_a_title_only_when_it_reads_as_one(label, title):
    assert title_from_label(label) == title


def test_surname_et_al_link_names_the_first_author():
    names, et_al, year = author_from_label("[Tong et al.]")
    assert [(n.family, n.given) for n in names] == [("Tong", "")] and et_al and year is None
    names, et_al, year = author_from_label("G. Li et al.")
    assert [(n.family, n.given) for n in names] == [("Li", "G.")] and et_al
    names, et_al, year = author_from_label("Dror and Reichart (2019)")
    assert [n.family for n in names] == ["Dror", "Reichart"] and not et_al and year == 2019
    assert author_from_label("Attention is All you need") is None


def test_apply_identifiers_fills_only_what_the_post_did_not_say():
    ref = apply_identifiers(ParsedReference(raw="x", url="https://www.aclweb.org/anthology/D19-1001.pdf"))
    assert (ref.ids, ref.year, ref.venue, ref.type) == ({"acl": "D19-1001"}, 2019, "EMNLP", "inproceedings")
    stated = apply_identifiers(
        ParsedReference(
            raw="x", url="https://arxiv.org/abs/1706.03762", year=2018, venue="NeurIPS", type="inproceedings"
        )
    )
    assert (stated.arxiv_id, stated.year, stated.venue, stated.type) == ("1706.03762", 2018, "NeurIPS", "inproceedings")


# Link classification around identifiers (labels and URLs from train/dev posts).
KINDS = [
    ("https://aclweb.org/anthology/events/naacl-2019/", "NAACL 2019", "other"),  # an event page, no paper id
    ("https://openaccess.thecvf.com/CVPR2019", "CVPR 2019 papers", "other"),
    ("https://assets.amazon.science/f7/d5/1c452719458b8803d1e397afd535/autoknow.pdf", "The paper", "paper"),
    ("https://csun.at/draftvol12", "research paper related to this presentation", "paper"),
    ("https://example.org/cfp", "call for papers", "other"),
    ("https://example.org/awards", "best paper award", "other"),
    ("http://www.greenteapress.com/thinkbayes/thinkbayes.pdf", '"Think Bayes"', "paper"),
    ("https://cran.r-project.org/web/packages/data.table/data.table.pdf", '"data.table"', "other"),
    ("http://shop.oreilly.com/product/0636920023784.do", "Python for Data Analysis", "paper"),
]


@pytest.mark.parametrize(("url", "label", "kind"), KINDS, ids=[u for u, _, _ in KINDS])
def test_link_kinds_near_papers(url, label, kind):
    assert classify_url(url, label) == kind


def test_a_venue_in_parentheses_is_not_an_author_year_paper():
    from kb.ingest.pipeline import extract

    x = extract(
        "# Notes\n\n## Talk by Jane Doe\n\nJane Doe presented her work (NeurIPS 2019), "
        "building on (Kleinberg, 2016) and (JMLR, 2016).\n"
    )
    assert [(p.authors[0].family, p.year) for p in x.papers] == [("Kleinberg", 2016)]


def test_a_paper_linked_in_a_talk_heading_is_that_talks_paper():
    from kb.ingest.pipeline import extract

    x = extract(
        "# Day 2\n\n### [An Efficient Bandit Algorithm for Real Time Multivariate Optimization][8]\n\n"
        "* Speaker: Jane Doe\n* The speaker came from a research group.\n\n[8]: https://arxiv.org/pdf/1810.09558.pdf\n"
    )
    [paper] = x.papers
    assert (paper.title, paper.arxiv_id, paper.year) == (
        "An Efficient Bandit Algorithm for Real Time Multivariate Optimization",
        "1810.09558",
        2018,
    )
    assert [t.title for t in x.talks] == [paper.title]
    assert [(c.paper_key, c.talk) for c in x.citations] == [("https://arxiv.org/pdf/1810.09558.pdf", 0)]


def test_a_listed_reference_with_a_url_and_a_link_to_it_are_one_paper():
    from kb.ingest.pipeline import extract

    x = extract(
        "# Notes\n\n## Talk by Rotem Dror\n\nRotem Dror presented his work [1], see also "
        "[the PDF](https://aclanthology.org/P19-1266.pdf).\n\n## References\n\n"
        "[1] Rotem Dror, Segev Shlomov, and Roi Reichart. 2019. Deep Dominance - How to Properly Compare Deep "
        "Neural Models. In Proceedings of ACL. https://www.aclweb.org/anthology/P19-1266\n"
    )
    [paper] = x.papers
    assert (paper.marker, paper.ids, paper.year) == ("[1]", {"acl": "P19-1266"}, 2019)
    assert [(c.marker, c.paper_key) for c in x.citations] == [
        ("[1]", "[1]"),
        ("https://aclanthology.org/P19-1266.pdf", "[1]"),
    ]
