"""HTML extraction: sniffing, layout tables, headline choice, and the recovery
of leads and credited captions that trafilatura drops."""

from __future__ import annotations

import numpy as np
from lxml import html as lxml_html

from cleaner.extract.html import extract_html, is_html, parse_html, unwrap_layout_tables

from ..conftest import SAMPLES

BODY = [
    "Sở Giao thông vận tải Hà Nội cho biết tuyến xe buýt mới dài 35 km, xuất phát từ bến xe Kim Mã, "
    "đi qua cầu Nhật Tân và dừng ở cả hai nhà ga hành khách của sân bay quốc tế Nội Bài.",
    "Mỗi ngày tuyến có 120 chuyến, chạy từ 5 giờ sáng đến 23 giờ, giãn cách 15 phút vào giờ cao điểm, "
    "xe được trang bị wifi, cổng sạc điện thoại và chỗ để hành lý cho khách đi máy bay.",
    "Theo Sở, sau một năm thí điểm các tuyến xe buýt điện, số hành khách tăng gần 30%, trong khi lượng "
    "khí thải của đội xe giảm đáng kể so với các tuyến xe buýt chạy dầu diesel trước đây.",
]
LEAD = ("Từ ngày 1/4, hành khách có thể đi xe buýt điện từ trung tâm Hà Nội đến sân bay Nội Bài "
        "với giá vé 45.000 đồng một lượt.")
CAPTION = "Xe buýt điện đón khách tại bến Kim Mã. (Ảnh: Minh Anh)"
TITLE = "Hà Nội mở thêm tuyến xe buýt điện nối sân bay Nội Bài"


def page(article: str, head: str = "") -> str:
    nav = "".join(f'<li><a href="/{i}">Mục {i}</a></li>' for i in range(8))
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{TITLE} - Tin Phố</title>{head}"
            f"</head><body><nav><ul>{nav}</ul></nav>{article}"
            "<footer><p>Bản quyền thuộc về Tin Phố.</p></footer></body></html>")


def test_sniffing_is_by_content() -> None:
    assert is_html("<!DOCTYPE html><html><body>x</body></html>")
    assert is_html("  <?xml version='1.0'?>\n<html><body>x</body></html>")
    assert is_html("<div><p>a</p><p>b</p><p>c</p><br><a href=x>d</a><span>e</span><p>f</p><p>g</p></div>")
    assert not is_html("Tiêu đề\n\nMột đoạn văn bản <b>không</b> phải HTML, dù có 1 < 2.")
    assert not is_html("")


def test_headline_goes_to_title_and_lead_and_caption_come_back() -> None:
    article = (f"<article><h1>{TITLE}</h1><div class='date'>18/03/2024 08:30</div>"
               f"<p class='sapo'><strong>{LEAD}</strong></p><div class='body'>"
               f"<p>{BODY[0]}</p><figure><img src='a.jpg'><figcaption>{CAPTION}</figcaption></figure>"
               f"<p>{BODY[1]}</p><p>{BODY[2]}</p></div></article>")
    from cleaner.chrome.filter import clean_text

    result = extract_html(page(article))
    lines = clean_text(result.text, html=True, title=result.title).text.split("\n\n")
    assert result.title == TITLE
    assert TITLE not in lines
    assert lines[0] == LEAD
    assert lines.index(CAPTION) == lines.index(BODY[0]) + 1
    assert BODY[2] in lines


def test_layout_tables_become_blocks_and_data_tables_stay() -> None:
    tree = lxml_html.fromstring(
        "<html><body><table><tr><td><div>menu</div></td><td>" + "x" * 300 + "</td></tr></table>"
        "<table><tr><td>1</td><td>2</td></tr></table></body></html>")
    assert unwrap_layout_tables(tree) == 1
    assert len(tree.xpath("//table")) == 1 and tree.xpath("//td/text()") == ["1", "2"]


def test_a_page_laid_out_in_one_table_yields_the_article_without_its_chrome() -> None:
    cells = "".join(f"<div>» Mục {i}</div>" for i in range(10))
    article = (f"<table width='1000'><tr><td width='200'><div><b>DANH MỤC</b></div>{cells}"
               "<div><b>Thống kê truy cập</b></div><div>Đang online: 452</div></td>"
               f"<td><div><span style='font-size:18px'>{TITLE}</span></div><div>01/02/2017 | 2972</div>"
               f"<div><b>{LEAD}</b></div>" + "".join(f"<div>{p}</div>" for p in BODY) +
               "<div><b>Ý kiến bạn đọc</b></div><div><b>Ngô Ngọc Bình</b> - hôm qua<br>Bài viết rất hay.</div>"
               "</td></tr></table>")
    from cleaner.chrome.filter import clean_text

    result = extract_html(page(article))
    assert result.whole_page  # trafilatura's fast mode keeps the menu column here
    text = clean_text(result.text, html=True, title=result.title, navigation=result.whole_page).text
    for paragraph in [LEAD, *BODY]:
        assert paragraph in text
    for chrome in ("DANH MỤC", "Đang online", "Bài viết rất hay", "Mục 3"):
        assert chrome not in text


def test_unparseable_markup_gives_no_text() -> None:
    assert extract_html("").text == ""


def test_a_page_without_an_article_gives_empty_text() -> None:
    assert extract_html("<html><head><title>x</title></head><body></body></html>").text.strip() == ""


def _title_of(head_title: str, body: str) -> str | None:
    from cleaner.extract.metadata import title_of

    return title_of(lxml_html.fromstring(f"<html><head><title>{head_title}</title></head><body>{body}</body></html>"))


def test_headline_from_the_title_element() -> None:
    headline = "Thuế xăng dầu tối đa 8.000 đồng/lít: Giải thích 'thu nhiều - chi ít'"
    assert _title_of(f"Báo Tiếng Dân - {headline}", f"<div><span>{headline}</span></div>") == headline
    assert _title_of(f"{headline} | Báo Tiếng Dân", "<p>x</p>") == headline
    assert _title_of("Giải thích “thu nhiều - chi ít”", "<span>Giải thích “thu nhiều - chi ít”</span>") \
        == "Giải thích “thu nhiều - chi ít”"
    assert _title_of("Site name - A long headline about the river bridge", "<p>x</p>") \
        == "A long headline about the river bridge"
    assert _title_of("Tin Phố", f"<h1>{TITLE}</h1>") == TITLE  # the only <h1>
    assert _title_of(f"{TITLE} - Tin Phố", f"<h1>Tin Phố</h1><h1>{TITLE}</h1>") == TITLE


def test_the_date_is_the_markups_statement_or_the_one_under_the_headline() -> None:
    """page_date reads the URL, meta elements and JSON-LD (not the text,
    where comments and related stories have dates of their own); a date
    printed under the headline comes first."""
    from cleaner.extract.metadata import page_date

    article = "<article>" + "".join(f"<p>{p}</p>" for p in BODY) + "</article>"
    assert page_date(lxml_html.fromstring(page(article, METADATA_HEAD)), None) == "2017-02-01"
    assert extract_html(page(article, METADATA_HEAD)).date == "2017-02-01"
    in_text_only = "<article><p>Đăng ngày 12/05/2019 bởi Ban biên tập.</p>" + "".join(
        f"<p>{p}</p>" for p in BODY) + "</article>"
    assert page_date(lxml_html.fromstring(page(in_text_only)), None) is None
    dated_url = page(article, "<link rel='canonical' href='https://tinpho.vn/2021/03/04/xe-buyt.html'>")
    assert extract_html(dated_url).date == "2021-03-04"


def test_the_date_under_the_headline_beats_a_comment_date() -> None:
    article = (f"<div><span>{TITLE}</span></div><div>01/02/2017 | 2972</div>"
               + "".join(f"<div>{p}</div>" for p in BODY)
               + "<div><b>Ý kiến bạn đọc</b></div><div>Đỗ Thu Long - 08:29 21/03/2017<br>Hay quá.</div>")
    assert extract_html(page(article)).date == "2017-02-01"


METADATA_HEAD = (
    "<meta property='og:site_name' content='tinpho'><link rel='canonical' href='https://www.tinpho.vn/xe-buyt.html'>"
    "<meta name='author' content='Minh Anh'><meta property='article:published_time' content='2017-02-01T08:00:00+07:00'>"
    "<script type='application/ld+json'>{\"@type\": \"NewsArticle\", \"headline\": \"" + TITLE + "\","
    " \"datePublished\": \"2017-02-01\", \"publisher\": {\"@type\": \"Organization\", \"name\": \"Tin Phố\"}}</script>")


def test_metadata_is_what_trafilatura_finds_without_the_unused_part() -> None:
    """page_metadata gives extract_metadata's title, URL, host and site name,
    on the samples and on a page with Open Graph and JSON-LD."""
    from trafilatura.metadata import extract_metadata
    from trafilatura.settings import set_date_params
    from trafilatura.utils import load_html

    from cleaner.encoding import decode
    from cleaner.extract.metadata import page_metadata

    pages = [decode(p.read_bytes()).text for p in sorted(SAMPLES.glob("*.html"))]
    pages.append(page("<article>" + "".join(f"<p>{p}</p>" for p in BODY) + "</article>", METADATA_HEAD))
    for markup in pages:
        ours = page_metadata(load_html(markup))
        theirs = extract_metadata(load_html(markup), date_config=set_date_params(True))
        for field in ("title", "url", "hostname", "sitename"):
            assert getattr(ours, field) == getattr(theirs, field), field
    assert ours.sitename == "Tinpho" and ours.url == "https://www.tinpho.vn/xe-buyt.html"  # og:site_name, capitalised


def test_trafilatura_runs_once_in_fast_mode(monkeypatch) -> None:
    """trafilatura's fast extraction is one of the block model's inputs and
    runs once per page, short or long (the model reads the whole page, so a
    short extraction no longer needs the full cascade); --favor-recall asks
    for the full cascade."""
    import trafilatura

    calls: list[bool] = []
    real = trafilatura.bare_extraction

    def recording(*args, **kwargs):
        calls.append(kwargs["options"].fast)
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", recording)
    article = page("<article>" + "".join(f"<p>{p}</p>" for p in BODY * 2) + "</article>")
    extract_html(article)
    assert calls == [True]
    calls.clear()
    extract_html(page(f"<article><p>{BODY[0]}</p></article>"))
    assert calls == [True]
    calls.clear()
    extract_html(article, favor_recall=True)
    assert calls == [False]


PARSE_CASES = [
    page("".join(f"<p>{line}</p>" for line in BODY)),
    "<!DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0//EN'>\n<html><body><p>đoạn một</p></body></html>",
    "<?xml version='1.0' encoding='utf-8'?><html><body><p>declared</p></body></html>",
    "<html/>\n<body><p>self-closing html</p></body>",
    "<p>a fragment alone</p>",
    "<div><p>one</p><p>two</p></div>",
    "<html><body><form action='/s'><input name='q' value='x'><label>Tìm</label>"
    "<select><option>a</option></select><textarea>t</textarea></form><p>after</p></body></html>",
    "no markup at all",
    "",
]


def _tree_bytes(tree) -> bytes | None:
    from lxml import etree

    return None if tree is None else etree.tostring(tree, encoding="utf-8")


def test_parse_html_matches_trafilaturas_loader():
    """parse_html only swaps lxml.html's Python class lookup for a C one: the
    tree, the repairs and the rejection of non-HTML are load_html's."""
    import glob
    import os

    from lxml.html import HtmlElement
    from trafilatura.utils import load_html

    from cleaner.encoding import decode
    from cleaner.extract.html import parse_html

    samples = sorted(glob.glob(os.path.join(SAMPLES, "*.html")))
    cases = PARSE_CASES + [decode(open(path, "rb").read()).text for path in samples]
    for markup in cases:
        ours, theirs = parse_html(markup), load_html(markup)
        assert _tree_bytes(ours) == _tree_bytes(theirs), markup[:80]
        if ours is not None:
            assert all(isinstance(e, HtmlElement) for e in ours.iter() if isinstance(e.tag, str))
            assert ours.text_content() == theirs.text_content()


def test_extractor_options_are_those_bare_extraction_builds():
    """The options made once and copied per page equal, slot by slot, those
    bare_extraction builds from cleaner's arguments (as it did per page).
    Comments are asked for: the model reads what trafilatura takes for
    comments apart from its body (forum answers are content, news comments not)."""
    from trafilatura.settings import Extractor

    from cleaner.extract.rows import extractor_options

    for url in (None, "https://báo.vn/tin-tức/1.html"):
        for fast, precision, recall in ((True, False, False), (False, False, False), (True, True, False),
                                        (False, False, True)):
            theirs = Extractor(output_format="python", fast=fast, precision=precision, recall=recall,
                               comments=True, formatting=None, links=False, images=False, tables=True,
                               dedup=False, lang=None, url=url, with_metadata=False,
                               only_with_metadata=False, author_blacklist=None, url_blacklist=None,
                               date_params=None)
            ours = extractor_options(url, fast, precision, recall)
            assert {s: getattr(ours, s) for s in Extractor.__slots__} == \
                {s: getattr(theirs, s) for s in Extractor.__slots__}
            assert extractor_options("https://other.example/", fast, precision, recall).url != ours.url \
                or url == "https://other.example/"


def test_without_a_headline_the_title_is_trafilaturas_search_of_the_page() -> None:
    """No og:title, <title> or <h1>: page_metadata then looks for a title as
    extract_metadata does (it skips that search when the headline is known)."""
    body = "<p>" + "Một câu văn dài của bài báo này. " * 30 + "</p>"
    page = (f"<html><head></head><body><div class='post-title'><h2 class='entry-title'>"
            f"Tiêu đề chính của bài</h2></div>{body}</body></html>")
    assert extract_html(page).title == "Tiêu đề chính của bài"


def test_a_box_of_headline_links_between_paragraphs_is_found() -> None:
    """A "related" box inside the article (a lexicon heading, its links
    between paragraphs of the text) is left out even where the model keeps
    it; a page made of such links, or links between paragraphs without such
    a heading, keep them."""
    from cleaner.extract.pageblocks import walk
    from cleaner.extract.selection import block_verdicts, inline_related

    related = ["Giá vàng hôm nay tăng mạnh ở cả hai chiều mua bán",
               "Bão số 3 đổ bộ vào các tỉnh miền Trung chiều nay?",
               "Đội tuyển bóng đá nữ giành vé dự vòng chung kết châu Á"]
    links = "".join(f"<li><a href='/r{i}.html'>{t}</a></li>" for i, t in enumerate(related))
    body = "".join(f"<p>{p}</p>" for p in BODY)
    box = f"<div class='rel'><div>Tin liên quan</div><ul>{links}</ul></div>"
    blocks = walk(parse_html(page(f"<article>{body}{box}{body.replace('Sở', 'Bộ')}</article>")))
    everything = np.arange(len(blocks))
    boxed = inline_related(blocks, everything)
    assert [blocks.texts[i] for i in boxed] == related
    verdicts = block_verdicts(blocks, np.ones(len(blocks)))
    assert {v.why for v in verdicts if v.text in related} == {"related"}
    assert all(any(v.kept for v in verdicts if v.text == p) for p in BODY)
    listing = walk(parse_html(page(f"<main><ul>{links}</ul></main>")))
    assert len(inline_related(listing, np.arange(len(listing)))) == 0
    # links between paragraphs without a heading: the text's own list (products compared), kept
    own = walk(parse_html(page(f"<article>{body}<ul>{links}</ul>{body.replace('Sở', 'Bộ')}</article>")))
    assert len(inline_related(own, np.arange(len(own)))) == 0
