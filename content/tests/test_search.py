import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext

from access.tiers import Tier
from conftest import bearer_client, make_user
from content import search_index
from content.models import Chapter, Section
from content.search import search_published_sections
from content.search_query import closest_words, edit_distance, parse_query
from coursecompanion.tests.factories import ChapterFactory, CourseFactory, SectionFactory

SECRET = "uvloopsecretmarker"
URL = "/api/v1/search"


@pytest.fixture
def library(db):
    """A free chapter on recursion and loops, a premium chapter, a draft chapter and a chapter
    of an unpublished course (the last two both mention zeppelins)."""
    course = CourseFactory()
    basics = ChapterFactory(course=course, order=1, slug="basics", title="Functions and Recursion")
    recursion = SectionFactory(
        chapter=basics,
        order=1,
        title="Recursion",
        content=(
            "A recursive function calls itself. Each call pushes a frame on the call stack "
            "until the base case returns, and then the frames are popped."
        ),
    )
    loops = SectionFactory(
        chapter=basics,
        order=2,
        title="Loops",
        content=(
            "A for loop walks over a list. You can stack loops inside loops, and call a "
            "function from inside the loop body."
        ),
    )
    premium = ChapterFactory(
        course=course, order=2, slug="async", title="Concurrency", required_tier=Tier.PREMIUM
    )
    event_loop = SectionFactory(
        chapter=premium,
        order=1,
        title="Event loops",
        content=f"The event loop schedules coroutines. {SECRET} is the premium detail.",
    )
    draft = ChapterFactory(course=course, order=3, slug="draft", title="Airships", published=False)
    SectionFactory(chapter=draft, order=1, title="Draft", content="A zeppelin in a draft.")
    hidden = CourseFactory(slug="hidden", title="Hidden", published=False)
    hidden_chapter = ChapterFactory(course=hidden, order=1, slug="hidden-1", title="Hidden")
    SectionFactory(chapter=hidden_chapter, order=1, content="A zeppelin in a hidden course.")
    return {
        "recursion": recursion,
        "loops": loops,
        "event_loop": event_loop,
        "basics": basics,
        "premium": premium,
    }


@pytest.fixture
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL alters tables in place and keeps its triggers")


def search(client, q, **params):
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def section_ids(body) -> list[int]:
    return [item["section_id"] for item in body["items"]]


# --- the query language (no database) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "terms", "phrases", "excluded"),
    [
        ("how do I stop recursion?", ("stop", "recursion"), (), ()),
        ('"call stack" frames', ("frames",), (("call", "stack"),), ()),
        ('recursion -"call stack"', ("recursion",), (), (("call", "stack"),)),
        ("loop -async -await", ("loop",), (), (("async",), ("await",))),
        ("lists or tuples OR sets", ("lists", "tuples", "sets"), (), ()),
        ('"unbalanced quote', (), (("unbalanced", "quote"),), ()),
        ("time.sleep(1) in pyproject.toml", ("time", "sleep", "1", "pyproject", "toml"), (), ()),
        ("__name__ == '__main__'", ("name", "main"), (), ()),
        ("is it", ("is", "it"), (), ()),  # only common words: search them anyway
        ("NEAR(a b, 2) OR *^%_\\", ("near", "b", "2"), (), ()),
        ("naïve Café 日本語 🐍", ("naïve", "café", "日本語"), (), ()),
        ("'; DROP TABLE content_section; --", ("drop", "table", "content", "section"), (), ()),
    ],
)
def test_parse_query(text, terms, phrases, excluded):
    parsed = parse_query(text)
    assert parsed.terms == terms
    assert parsed.phrases == phrases
    assert parsed.excluded == excluded


@pytest.mark.parametrize("text", ["", "   ", "🐍", '""', "-recursion", "- -", "%_*"])
def test_parse_query_without_anything_to_find_is_empty(text):
    assert parse_query(text).empty


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("recursion", "recursion", 0),
        ("recusion", "recursion", 1),
        ("lsit", "list", 1),  # a swap counts once
        ("enviroment", "environment", 1),
        ("precision", "recusion", 2),
        ("abc", "xyz", 3),  # above the limit of 2
    ],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b, limit=2) == distance


def test_closest_words_keeps_only_the_nearest_spellings():
    vocabulary = [("recursion", 3), ("precision", 9), ("recursive", 1), ("unrelated", 5)]
    assert closest_words("recusion", vocabulary) == ["recursion"]
    assert closest_words("xylophone", vocabulary) == []
    assert closest_words("lsit", [("sit", 9), ("list", 1), ("lost", 1)]) == ["sit", "list"]
    assert closest_words("recursoin", vocabulary) == ["recursion"]


# --- HTTP: finding things --------------------------------------------------------------------


def test_search_returns_ranked_sections_with_highlighted_snippets(anon_client, library):
    body = search(anon_client, "recursion")
    first = body["items"][0]
    assert first == {
        "chapter_id": library["basics"].id,
        "section_id": library["recursion"].id,
        "chapter_title": "Functions and Recursion",
        "section_title": "Recursion",
        "snippet": first["snippet"],
        "score": first["score"],
        "locked": False,
        "required_tier": "free",
    }
    assert "«recursive»" in first["snippet"] or "«Recursion»" in first["snippet"]
    assert "\n" not in first["snippet"]
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)
    assert body["count"] == len(body["items"]) == 2  # the chapter title matches Loops too


def test_search_natural_language_question_finds_the_answer_first(anon_client, library):
    body = search(anon_client, "What happens to the call stack when a function calls itself?")
    assert section_ids(body)[0] == library["recursion"].id


def test_search_phrase_must_appear_as_written(anon_client, library):
    # Loops has "call" and "stack" too, but not "call stack".
    assert section_ids(search(anon_client, '"call stack"')) == [library["recursion"].id]
    assert search(anon_client, '"stack call"')["count"] == 0
    # Other words rank; the phrase still decides what matches.
    assert section_ids(search(anon_client, '"call stack" loops')) == [library["recursion"].id]


def test_search_excludes_minus_words_and_phrases(anon_client, library):
    both = search(anon_client, "loop")
    assert set(section_ids(both)) == {library["loops"].id, library["event_loop"].id}
    assert section_ids(search(anon_client, "loop -coroutines")) == [library["loops"].id]
    assert section_ids(search(anon_client, 'function -"call stack"')) == [library["loops"].id]
    assert search(anon_client, "-loop")["count"] == 0  # nothing to look for


def test_search_or_between_words_finds_either(anon_client, library):
    body = search(anon_client, "coroutines or frames")
    assert set(section_ids(body)) == {library["recursion"].id, library["event_loop"].id}


@pytest.mark.parametrize("typo", ["recusion", "recursoin", "Recurson"])
def test_search_tolerates_a_misspelled_word(anon_client, library, typo):
    assert section_ids(search(anon_client, typo))[0] == library["recursion"].id


def test_search_misspelled_word_in_a_question(anon_client, library):
    body = search(anon_client, "what does maximum recusion depth exceeded mean")
    assert section_ids(body)[0] == library["recursion"].id


def test_search_without_match_is_empty(anon_client, library):
    assert search(anon_client, "kubernetes") == {"items": [], "count": 0}


# --- HTTP: tiers and drafts ------------------------------------------------------------------


def test_search_locked_hit_shows_titles_but_no_text(anon_client, library):
    response = anon_client.get(URL, {"q": "coroutines"})
    body = response.json()
    assert body["items"] == [
        {
            "chapter_id": library["premium"].id,
            "section_id": library["event_loop"].id,
            "chapter_title": "Concurrency",
            "section_title": "Event loops",
            "snippet": "",
            "score": body["items"][0]["score"],
            "locked": True,
            "required_tier": "premium",
        }
    ]
    assert SECRET not in response.content.decode()
    assert "schedules" not in response.content.decode()


def test_search_body_only_match_in_locked_chapter_reveals_no_text(auth_client, library):
    response = auth_client.get(URL, {"q": SECRET})
    assert response.json()["items"][0]["locked"] is True
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("tier", [Tier.PREMIUM, Tier.PRO])
def test_search_unlocked_for_a_high_enough_tier(library, tier):
    client = bearer_client(make_user(f"{tier}@example.com", tier=tier))
    item = search(client, "coroutines")["items"][0]
    assert item["locked"] is False
    assert "«coroutines»" in item["snippet"]
    assert SECRET in item["snippet"]


def test_search_staff_see_locked_text_but_never_drafts(library):
    staff = bearer_client(make_user("staff@example.com", is_staff=True))
    assert search(staff, "coroutines")["items"][0]["locked"] is False
    assert search(staff, "zeppelin")["count"] == 0


def test_search_never_shows_drafts_or_unpublished_courses(anon_client, library):
    assert search(anon_client, "zeppelin") == {"items": [], "count": 0}
    assert search(anon_client, "airships")["count"] == 0  # the draft chapter's title


def test_search_follows_publishing(anon_client, library):
    Chapter.objects.filter(slug="draft").update(published=True)
    assert search(anon_client, "zeppelin")["count"] == 1
    library["basics"].course.published = False
    library["basics"].course.save()
    assert search(anon_client, "zeppelin")["count"] == 0


# --- HTTP: bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{}, {"q": ""}, {"q": "   "}, {"q": "\t\n"}, {"q": "x" * 201}, {"q": "ok", "limit": "abc"}],
)
def test_search_bad_input_is_422(anon_client, library, params):
    response = anon_client.get(URL, params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_search_accepts_exactly_200_characters(anon_client, library):
    assert anon_client.get(URL, {"q": "recursion " * 19 + "x" * 10}).status_code == 200


NASTY = [
    '"',
    '""',
    '"unbalanced phrase',
    "'",
    "'; DROP TABLE content_section; --",
    '" OR 1=1 --',
    "-",
    "--",
    "- -",
    "-recursion",
    "OR",
    "AND",
    "NOT",
    "recursion OR",
    "OR recursion",
    "recursion AND NOT loop",
    "NEAR(",
    "NEAR(recursion stack, 2)",
    "*",
    "recur*",
    "^recursion",
    "recursion^2",
    "%",
    "_",
    "%_%",
    "\\",
    '\\"',
    "C:\\path\\to\\",
    ":",
    "title:recursion",
    "section_title : recursion",
    "{}",
    "()",
    ")(",
    "[a-z]+",
    "!!",
    "&&|",
    "<->",
    "'a' & 'b' | !c",
    "recursion:*",
    "$$ select 1 $$",
    "ü",
    "naïve café",
    "日本語のテキスト",
    "🐍🐍 recursion 🐍",
    "\u202e recursion",
    "a\x00b",
    "rm -rf /",
    "<script>alert(1)</script>",
    "%s %(q)s ?",
    "!" * 200,
    "recursion " * 20,
]


@pytest.mark.parametrize("q", NASTY)
def test_search_treats_any_text_as_text(anon_client, library, q):
    q = q[:200]
    response = anon_client.get(URL, {"q": q})
    if not q.strip() or "\x00" in q:
        # Blank, or text no database can hold (refused for every operation): a 422, never a 500.
        assert response.status_code == 422
        return
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"items", "count"}
    assert body["count"] >= len(body["items"])
    assert Section.objects.count() == 5


def test_search_recursion_survives_operator_noise(anon_client, library):
    for q in ["NEAR(recursion", "recursion*", "^recursion", '"recursion', "recursion OR"]:
        assert section_ids(search(anon_client, q))[0] == library["recursion"].id, q


# --- HTTP: pages and queries -----------------------------------------------------------------


@pytest.fixture
def many_sections(library):
    chapter = ChapterFactory(course=library["basics"].course, order=10, slug="many")
    for order in range(1, 8):
        SectionFactory(
            chapter=chapter, order=order, content="pagination " * order + "other words here"
        )
    return chapter


def test_search_pages_partition_the_ranking(anon_client, many_sections):
    everything = search(anon_client, "pagination")
    assert everything["count"] == 7
    paged = []
    for offset in (0, 3, 6):
        page = search(anon_client, "pagination", limit=3, offset=offset)
        assert page["count"] == 7
        paged += section_ids(page)
    assert paged == section_ids(everything)
    assert search(anon_client, "pagination", offset=50) == {"items": [], "count": 7}


def test_search_limit_is_clamped(anon_client, many_sections, settings):
    settings.API_PAGE_SIZE_MAX = 4
    body = search(anon_client, "pagination", limit=1000)
    assert len(body["items"]) == 4
    assert body["count"] == 7


@pytest.mark.parametrize(
    "q",
    [
        "recursion",
        "recusion",
        '"call stack" frames -loops',
        "what happens on the call stack when a function calls itself forever",
        "'; DROP",
    ],
)
def test_search_uses_a_constant_number_of_queries(
    library, many_sections, q, django_assert_max_num_queries
):
    client = bearer_client(make_user("counter@example.com", tier=Tier.PRO))
    client.get("/api/v1/me")  # the token's user is cached from here on
    with CaptureQueriesContext(connection) as small:
        search(client, q)
    for order in range(20, 40):
        SectionFactory(chapter=library["basics"], order=order, content=f"recursion {order}")
    # The chapter outline (which chapters are live); on SQLite a known-words check and, only
    # when a word is unknown, its spelling candidates (one query on PostgreSQL); the page with
    # its count; and for a search that found nothing (or only locked hits) its search-gap row.
    # (New sections bump the content version: neither the outline nor the search is cached.)
    with django_assert_max_num_queries(5), CaptureQueriesContext(connection) as large:
        search(client, q)
    assert len(large) == len(small)


# --- keeping the index in step ---------------------------------------------------------------


def test_index_follows_section_edits(anon_client, library):
    section = library["loops"]
    section.content = "Now about a quokka."
    section.save()
    assert section_ids(search(anon_client, "quokka")) == [section.id]
    assert search(anon_client, "walks")["count"] == 0

    new = SectionFactory(chapter=library["basics"], order=3, title="Wombats", content="Burrows.")
    assert section_ids(search(anon_client, "wombats burrows")) == [new.id]

    section.delete()
    assert search(anon_client, "quokka")["count"] == 0


def test_index_follows_chapter_titles_and_moves(anon_client, library):
    chapter = library["basics"]
    chapter.title = "Functions and Platypuses"
    chapter.save()
    body = search(anon_client, "platypuses")
    assert set(section_ids(body)) == {library["recursion"].id, library["loops"].id}
    assert {item["chapter_title"] for item in body["items"]} == {"Functions and Platypuses"}
    assert search(anon_client, "platypus")["count"] == 2  # stemmed

    section = library["loops"]
    section.chapter = library["premium"]
    section.save()
    item = search(anon_client, "walks")["items"][0]
    assert (item["chapter_id"], item["chapter_title"], item["locked"]) == (
        library["premium"].id,
        "Concurrency",
        True,
    )


def test_index_takes_sections_saved_before_their_chapter(anon_client, library):
    # As loaddata may: foreign keys are only checked at commit.
    chapter_id = Chapter.objects.order_by("-id").first().id + 100
    section = Section.objects.create(chapter_id=chapter_id, order=1, title="Quokkas", content="x")
    Chapter.objects.create(
        id=chapter_id,
        course=library["basics"].course,
        slug="marsupials",
        order=50,
        title="Marsupials",
        published=True,
    )
    for q in ("marsupials", "quokkas"):
        body = search(anon_client, q)
        assert section_ids(body) == [section.id]
        assert body["items"][0]["chapter_title"] == "Marsupials"


def test_index_follows_chapter_deletion(anon_client, library):
    library["basics"].delete()
    assert search(anon_client, "recursion")["count"] == 0


def _wipe_index() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM content_search")


def test_rebuild_search_index_command_refills_the_index(anon_client, library):
    _wipe_index()
    assert search(anon_client, "recursion")["count"] == 0
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "5 section(s) indexed" in out.getvalue()
    assert section_ids(search(anon_client, "recursion"))[0] == library["recursion"].id
    call_command("rebuild_search_index", stdout=io.StringIO())  # repeatable
    assert search(anon_client, "recursion")["count"] == 2


def test_search_on_an_unsupported_database_is_503(anon_client, library, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "oracle")
    response = anon_client.get(URL, {"q": "recursion"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "search_unavailable"


def _retitle(model: type[models.Model], max_length: int) -> None:
    old = model._meta.get_field("title")
    new = models.CharField(max_length=max_length)
    new.set_attributes_from_name("title")
    new.model = model
    with connection.schema_editor() as editor:
        editor.alter_field(model, old, new)


@pytest.mark.django_db(transaction=True)
def test_index_survives_later_migrations_that_alter_content_tables(anon_client, library):
    """SQLite rebuilds a table to alter it (dropping its triggers) and PostgreSQL refuses to
    alter a column a trigger definition names: neither may break a later migration or leave
    the index stale once `migrate` has finished."""
    try:
        _retitle(Chapter, 250)
        _retitle(Section, 250)
        config = apps.get_app_config("content")
        post_migrate.send(
            sender=config,
            app_config=config,
            verbosity=0,
            interactive=False,
            using="default",
            apps=apps,
            plan=[],
        )
        if connection.vendor == "sqlite":
            assert search_index._sqlite_missing(connection) == []
        chapter = library["basics"]
        chapter.title = "Functions and Platypuses"
        chapter.save()
        assert search(anon_client, "platypuses")["count"] == 2
        SectionFactory(chapter=chapter, order=5, content="A quokka.")
        assert search(anon_client, "quokka")["count"] == 1
    finally:
        _retitle(Chapter, 200)
        _retitle(Section, 200)


def test_ensure_search_index_recreates_missing_triggers(anon_client, library, sqlite_only):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER content_search_section_insert")
        cursor.execute("DELETE FROM content_search")
    assert search_index.ensure_search_index(connection) == ["content_search_section_insert"]
    assert search(anon_client, "recursion")["count"] == 2  # rebuilt
    SectionFactory(chapter=library["basics"], order=5, content="A quokka.")
    assert search(anon_client, "quokka")["count"] == 1
    assert search_index.ensure_search_index(connection) == []


def test_phrases_and_exclusions_never_probe_locked_text(anon_client, premium_client, library):
    # Plain words name the locked section (titles only), so a tutor can say where it is taught.
    assert section_ids(search(anon_client, "coroutines")) == [library["event_loop"].id]
    # An exact phrase or an exclusion would tell whether a sentence is in the locked text.
    assert search(anon_client, '"event loop schedules coroutines"')["count"] == 0
    assert search(anon_client, '"schedules nothing at all"')["count"] == 0
    assert library["event_loop"].id not in section_ids(search(anon_client, "coroutines -xyzzy"))
    # The premium student whose tier opens the chapter gets exact phrases as usual.
    hits = search(premium_client, '"event loop schedules coroutines"')["items"]
    assert [(hit["section_id"], hit["locked"]) for hit in hits] == [
        (library["event_loop"].id, False)
    ]


def test_locked_text_never_leaves_the_database_as_a_snippet(library):
    result = search_published_sections("event loop", offset=0, limit=20, open_tiers=["free"])
    locked = [hit for hit in result.hits if hit.section_id == library["event_loop"].id]
    assert locked and locked[0].snippet == ""
    opened = search_published_sections(
        "event loop", offset=0, limit=20, open_tiers=["free", "premium"]
    )
    premium_hit = next(hit for hit in opened.hits if hit.section_id == library["event_loop"].id)
    assert "«" in premium_hit.snippet


def test_a_repeated_search_is_served_from_the_cache(library, django_assert_max_num_queries):
    client = bearer_client(make_user("repeat@example.com"))
    first = search(client, "How does Recursion work?")
    with django_assert_max_num_queries(1):  # only the search-gap log may write
        again = search(client, "how does recursion work")  # the same meaning
    assert again == first
