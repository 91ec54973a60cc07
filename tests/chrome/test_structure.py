"""The chrome rules need the structure they assume: a
heading word alone, a date-shaped number or a repeated start is never enough
evidence. Each case is a small page written for the test: the failure on
general pages, and the news structure the rule is for, which must still go."""

from __future__ import annotations

from cleaner.chrome.filter import clean_text

from ..conftest import kept, removed

STORY = ("The city council voted on Tuesday to extend the night bus service to the airport, "
         "after a year in which passenger numbers on the route doubled and the old timetable "
         "left the last arrivals of the evening without a way home.")
STORY_2 = ("The new timetable starts in March, with a bus every twenty minutes between midnight "
           "and five in the morning, and the council will review the cost of the service after "
           "its first six months of operation.")


# --- tail blocks --------------------------------------------------------------

LISTING = [f"Show HN: a tiny tool number {i} for reading logs in the terminal" for i in range(1, 13)]


def test_a_top_bar_comments_link_opens_no_block_over_a_listing() -> None:
    """A site's top-bar link "comments" before a link aggregator's listing: the
    listing is the page, not a comment thread under an article."""
    text = "\n".join(["Tiny News", "new", "comments", *LISTING])
    for html in (False, True):
        out = kept(text, html=html)
        assert all(item in out for item in LISTING), out
        assert "comments" not in out  # still a lone link label


def test_see_also_over_most_of_the_page_is_the_content() -> None:
    """A listing page whose list follows a "See also" heading: a tail block
    cannot take most of the page's words."""
    languages = [f"Language {name}" for name in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    text = "\n".join(["This is a list of programming languages, sorted by name.", "See also", *languages])
    assert kept(text, html=True)[2:] == languages


def test_read_more_under_a_teaser_keeps_the_services_after_it() -> None:
    """"Read More" is a button under a teaser; what follows is the page."""
    services = ["Framing", "We frame prints, posters and canvases in our own workshop.",
                "Gift cards", "Give a gift card for any amount, valid for a year.",
                "Read what our customers have to say",
                ("We have framed three family photos here and every one of them came back better "
                 "than we hoped, on time and for the price we were quoted at the counter.")]
    text = "\n".join([STORY, "Read More", *services])
    assert kept(text, html=True) == [STORY, *services]


def test_system_requirements_under_recommended_stay() -> None:
    """"Recommended:" splits one table of requirements: its lines repeat the
    labels of the lines before it."""
    minimum = ["Minimum:", "OS: Windows 10", "Processor: Intel Core i5-4460", "Memory: 8 GB RAM",
               "Graphics: GeForce GTX 960", "Storage: 50 GB available space"]
    recommended = ["Recommended:", "OS: Windows 11", "Processor: Intel Core i7-8700", "Memory: 16 GB RAM",
                   "Graphics: GeForce RTX 2060", "Storage: 50 GB SSD"]
    text = "\n".join([STORY, *minimum, *recommended])
    assert kept(text, html=True) == [STORY, *minimum, *recommended]


def test_a_see_also_section_heading_followed_by_prose_stays() -> None:
    text = "\n".join([STORY, "See also", STORY_2])
    assert kept(text, html=True) == [STORY, "See also", STORY_2]


def test_news_tails_still_go_related_comments_and_most_read() -> None:
    """A short story with a related list, comments and a most-read list longer
    than itself: the tail still goes (dated list lines count for nothing)."""
    related = [f"Headline number {i} about another story in the city (3 ngày trước)" for i in range(8)]
    text = "\n".join([STORY, STORY_2, "Related articles", *related, "Comments",
                      "Anna (5 hours ago)", "About time they did this.", "Most read",
                      "Storm closes the coast road for a second day", "Schools reopen after the holiday"])
    assert kept(text) == [STORY, STORY_2]
    assert kept(text, html=True) == [STORY, STORY_2]


def test_a_related_box_inside_an_article_still_goes() -> None:
    text = "\n".join([STORY, "Related", "Airport opens a second runway", "Bus fares rise in April", STORY_2])
    assert kept(text) == [STORY, STORY_2]


def test_a_section_of_sentences_under_a_heading_is_not_a_box() -> None:
    """Prose resumes after the block: only a box of a few headlines goes then."""
    section = ["Flexible layout lets you:", "Centre a block of content inside its parent.",
               "Make all the children of a container take up an equal share of the width."]
    text = "\n".join([STORY, "See also", *section, STORY_2])
    assert kept(text, html=True) == [STORY, "See also", *section, STORY_2]


# --- date lines and counters ----------------------------------------------------

def test_a_data_tables_dated_rows_stay() -> None:
    rows = [f"{month}/1/2013 +{10 + month}.{month}%" for month in range(1, 9)]
    text = "\n".join([STORY, "Month Change", *rows, STORY_2])
    assert kept(text, html=True) == [STORY, "Month Change", *rows, STORY_2]
    assert kept(text) == [STORY, "Month Change", *rows, STORY_2]


def test_numbers_that_are_not_dates_stay() -> None:
    for line in ["215-794-3112", "9.1", "$38.00", "$49.00 $24.50", "$7.95 - $179.95", "3.5.2", "5/5"]:
        assert kept(f"{STORY}\n{line}\n{STORY_2}", html=True) == [STORY, line, STORY_2], line


def test_prices_and_scores_are_not_counters() -> None:
    for line in ["$199 - $1499", "0 0 1 1 2 2 3 3", "$159.95 - $224.90", "12,500.75"]:
        assert kept(f"{STORY}\n{line}\n{STORY_2}") == [STORY, line, STORY_2], line


def test_a_pages_own_date_line_still_goes_and_gives_the_date() -> None:
    result = clean_text(f"Night buses to the airport\nUpdated: 14/10/2021 10:08\n{STORY}")
    assert result.text.split("\n\n") == ["Night buses to the airport", STORY]
    assert result.date == "2021-10-14"


def test_the_dates_of_forum_posts_stay() -> None:
    """Many date lines date the rows of the content (posts of a thread)."""
    posts = []
    for n in range(1, 5):
        posts += [f"11-29-2024, 0{n}:03 PM #{n}", f"Reply number {n}: {STORY}"]
    assert kept("\n".join(posts), html=True) == posts


def test_relative_dates_of_a_listing_stay_but_go_inside_a_related_list() -> None:
    listing = []
    for n in range(1, 6):
        listing += [f"A headline on the front page number {n}", f"{n} days ago"]
    assert kept("\n".join(listing), html=True) == listing
    related = "\n".join([STORY, STORY_2, "Related news", "Another story", "2 days ago",
                         "One more story", "3 days ago", "A third story", "5 days ago"])
    assert kept(related, html=True) == [STORY, STORY_2]


# --- repetition -------------------------------------------------------------------

def test_in_html_a_heading_that_opens_the_next_paragraph_far_away_stays() -> None:
    heading = "Green cleaning is becoming a new standard"
    paragraph = (f"{heading} in offices and schools, as buyers ask for products without harsh "
                 "solvents and for suppliers that can show where their ingredients come from.")
    text = "\n".join([heading, STORY, STORY_2, paragraph])
    assert kept(text, html=True) == [heading, STORY, STORY_2, paragraph]


def test_in_html_a_cut_teaser_still_goes() -> None:
    teaser = STORY[:80].rsplit(" ", 1)[0] + "..."
    assert kept(f"{teaser}\n{STORY}\n{STORY_2}", html=True) == [STORY, STORY_2]
    beside = " ".join(STORY.split()[:12])  # right before the line it cuts short
    assert kept(f"{STORY_2}\n{beside}\n{STORY}", html=True) == [STORY_2, STORY]


# --- separators and notices (items 3 and 5) -----------------------------------------

def test_separator_only_lines_never_stay() -> None:
    separators = ["|", ">", "»", "* * *", "|---|---|", "____", "• • •", "—"]
    text = "\n".join([STORY, *separators, STORY_2])
    for html in (False, True):
        result = clean_text(text, html=html)
        assert result.text.split("\n\n") == [STORY, STORY_2]
        assert {d.rule for d in result.decisions if d.text.strip() in separators} == {"no_words"}


def test_a_sentence_with_a_separator_mark_is_not_a_breadcrumb() -> None:
    for line in ["Sizes: S / M / L", "Salt / pepper / olive oil", "Example: Women > Rings > Diamond rings",
                 "Open Settings > Privacy > Clear browsing data to remove them.",
                 "dpkg --get-selections | grep -v deinstall > packages.txt"]:
        assert kept(f"{STORY}\n{line}\n{STORY_2}", html=True) == [STORY, line, STORY_2], line
    for line in ["Home / News / Night buses", "Trang chủ > Thế giới", "News | Sport | Weather | Travel"]:
        assert removed(f"{STORY}\n{line}\n{STORY_2}", html=True) == {line: "breadcrumb"}, line


def test_code_and_identifiers_are_not_glued_menus() -> None:
    for line in ["FetchFromCacheMiddleware", "onFilterTextChange={setFilterText}",
                 "function SearchBar({ filterText, inStockOnly }) {"]:
        assert kept(f"{STORY}\n{line}\n{STORY_2}", html=True) == [STORY, line, STORY_2], line
    assert removed(f"{STORY}\nHomeNewsSportWeatherTravel\n{STORY_2}") == {"HomeNewsSportWeatherTravel": "menu"}


def test_a_credit_line_is_a_footer_but_a_sentence_starting_alike_is_not() -> None:
    assert removed(f"{STORY}\nPowered by WordPress\n{STORY_2}") == {"Powered by WordPress": "footer"}
    line = "Powered by a new battery, the bus runs for a whole night on one charge"
    assert kept(f"{STORY}\n{line}\n{STORY_2}", html=True) == [STORY, line, STORY_2]


def test_a_sports_schedule_after_a_site_name_is_not_navigation() -> None:
    schedule = ["Premier League", "Saturday", "12:30", "Arsenal v Chelsea", "15:00", "Everton v Fulham",
                "Results", "Leeds 2 - 1 Wolves", "Spurs 0 - 0 Brentford"]
    text = "\n".join(["Sports Daily", "News", "Scores", *schedule])
    out = kept(text)
    assert out[-6:] == schedule[-6:], out
    assert "Sports Daily" not in out  # the site name and menu before it still go
    assert kept("\n".join(["Sports Daily", "News", "Scores", "Football", *schedule]), html=True,
                navigation=True)[-6:] == schedule[-6:]


MODERATION = [
    "Your comment is awaiting moderation.",
    "Bình luận của bạn sẽ được kiểm duyệt trước khi đăng.",
    "Votre commentaire est en attente de modération.",
    "Dein Kommentar wartet auf Freischaltung.",
    "Tu comentario está pendiente de moderación.",
    "O seu comentário aguarda moderação.",
    "Il tuo commento è in attesa di moderazione.",
    "Je reactie wacht op goedkeuring.",
    "Ваш комментарий ожидает модерации.",
    "Twój komentarz czeka na moderację.",
    "Yorumunuz onay bekliyor.",
    "您的评论正在等待审核。",
    "コメントは承認待ちです。",
]


def test_comment_moderation_notices_go_in_many_languages() -> None:
    for notice in MODERATION:
        for html in (False, True):
            assert removed(f"{STORY}\n{notice}\n{STORY_2}", html=html) == {notice: "notice"}, notice


def test_comments_of_a_forum_thread_stay() -> None:
    """"Comments" over a thread whose posts are the page: prose follows the
    first short replies, so they are no box of headlines."""
    thread = ["Comments", "Thanks, this fixed it for me.", "Same problem here on version 3.",
              ("I had the same error after upgrading, and it went away once I removed the old cache "
               "folder and restarted the service, so it looks like a stale file from the previous release."),
              "Glad it helped."]
    assert kept("\n".join([STORY, *thread]), html=True) == [STORY, *thread[1:]]


def test_section_labels_before_the_headline_go_with_html() -> None:
    text = ("Pháp luật\nĐời sống\nXã hội\nTai nạn giao thông trên quốc lộ 1A sáng nay\n"
            "Sáng nay, một xe tải va chạm với xe khách trên quốc lộ 1A, nhiều người bị thương nặng.\n")
    cleaned = clean_text(text, html=True, title="Tai nạn giao thông trên quốc lộ 1A sáng nay")
    assert cleaned.text.startswith("Tai nạn giao thông") or cleaned.text.startswith("Sáng nay")
    rules = {d.text: d.rule for d in cleaned.decisions if not d.keep}
    assert rules["Pháp luật"] == rules["Xã hội"] == "navigation"
    # a long line before the headline is not a label: nothing before it goes
    kept = clean_text("Hà Nội, ngày 5 tháng 6, theo tin từ Sở Giao thông vận tải thành phố\n" + text,
                      html=True, title="Tai nạn giao thông trên quốc lộ 1A sáng nay")
    assert "Pháp luật" in kept.text
