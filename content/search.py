"""Section-level full-text search over published course text, on PostgreSQL or SQLite.

One query language for both databases (a small subset of web-search syntax, parsed here, so user
text never reaches a database query parser):

- plain words are ORed and ranked: a question in natural language finds the sections that share
  the most (and the rarest) of its words; common English words are dropped;
- `"a phrase"` must appear as written (modulo stemming); `-word` and `-"a phrase"` must not;
- `or` between words is accepted and changes nothing (words are already ORed);
- a word the course never uses is also looked up by spelling: "recusion" searches "recursion"
  too (pg_trgm similarity on PostgreSQL, edit distance over the FTS5 vocabulary on SQLite).

Punctuation is a word separator everywhere, so `time.sleep`, `'; DROP TABLE` or `NEAR(` are just
words. Every value goes to the database as a bound parameter; the FTS5 expression is built
from those words only, each one quoted.

Snippets mark matched words with « and » (never used by Markdown, unlike ** or _) and collapse
whitespace to single spaces. Scores are comparable within one response only: higher is better.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from content.scheduling import live_sql
from content.search_index import SUPPORTED_VENDORS
from content.search_query import (
    ParsedQuery,
    allowed_typos,
    closest_words,
    correctable,
    parse_query,
)
from coursecompanion.db_routing import read_alias
from coursecompanion.errors import NotReady

HIGHLIGHT_START, HIGHLIGHT_STOP = "«", "»"


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    section_id: int
    chapter_id: int
    chapter_title: str
    section_title: str
    required_tier: str
    snippet: str
    score: float


@dataclass
class SearchResult:
    hits: list[Hit] = field(default_factory=list)
    count: int = 0


def _clean_snippet(snippet: str | None) -> str:
    return " ".join((snippet or "").split())


def _result(rows: Sequence[Sequence]) -> SearchResult:
    """Rows are (total, section_id, chapter_id, chapter_title, section_title, required_tier,
    score, snippet); a page past the end is one row with only the total."""
    result = SearchResult(count=rows[0][0] if rows else 0)
    for _, section_id, chapter_id, chapter_title, section_title, tier, score, snippet in rows:
        if section_id is None:
            continue
        result.hits.append(
            Hit(
                section_id=section_id,
                chapter_id=chapter_id,
                chapter_title=chapter_title,
                section_title=section_title,
                required_tier=tier,
                snippet=_clean_snippet(snippet),
                score=round(float(score), 6),
            )
        )
    return result


# Published chapters of published courses only, inside their schedule window (live_sql), for
# everyone (staff preview drafts elsewhere).
_PUBLISHED_SECTIONS = """
    JOIN content_section s ON s.id = {section_id}
    JOIN content_chapter c ON c.id = s.chapter_id
    JOIN content_course k ON k.id = c.course_id
"""
_PUBLISHED = "c.published AND k.published"


def _tier_list(tiers: Sequence[str], params: dict[str, Any], prefix: str) -> str:
    """`(%(prefix0)s, ...)` for `tiers`, as bound parameters (`(NULL)` for none)."""
    names = []
    for index, tier in enumerate(tiers):
        params[f"{prefix}{index}"] = tier
        names.append(f"%({prefix}{index})s")
    return f"({', '.join(names) or 'NULL'})"


def _tier_condition(tiers: Sequence[str] | None, params: dict[str, Any]) -> str:
    """Limit matches to chapters of `tiers` (None: every tier), as bound parameters."""
    if tiers is None:
        return ""
    return f" AND c.required_tier IN {_tier_list(tiers, params, 'tier')}"


# --- PostgreSQL ------------------------------------------------------------------------------

# ts_rank weights for D, C, B, A: chapter title A, section title B, body C.
PG_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # PostgreSQL's defaults
# ts_rank normalisation 1: divide by 1 + log(document length), so long sections don't win by size.
PG_NORMALIZATION = 1
PG_HEADLINE = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, MinWords=12, MaxWords=30, "
    'ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "'
)


class PostgresSearch:
    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def corrections(self, terms: Sequence[str]) -> dict[str, list[str]]:
        candidates = [term for term in terms if correctable(term)]
        if not candidates:
            return {}
        with self.connection.cursor() as cursor:
            # pg_trgm's index proposes the likeliest spellings of each word the course never
            # uses; the same edit-distance rule as on SQLite then decides.
            cursor.execute(
                """
                SELECT t.term, w.word, w.documents
                FROM unnest(%(terms)s::text[]) AS t(term)
                CROSS JOIN LATERAL (
                    SELECT word, count(*) AS documents
                    FROM content_search_word
                    WHERE word %% t.term
                    GROUP BY word
                    ORDER BY similarity(word, t.term) DESC, word
                    LIMIT 10
                ) AS w
                WHERE NOT EXISTS (SELECT 1 FROM content_search_word k WHERE k.word = t.term)
                """,
                {"terms": candidates},
            )
            proposals: dict[str, list[tuple[str, int]]] = {}
            for term, word, documents in cursor.fetchall():
                proposals.setdefault(term, []).append((word, documents))
        found = {term: closest_words(term, words) for term, words in proposals.items()}
        return {term: words for term, words in found.items() if words}

    def search(
        self,
        query: ParsedQuery,
        *,
        offset: int,
        limit: int,
        tiers: Sequence[str] | None,
        open_tiers: Sequence[str],
    ) -> SearchResult:
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        units: list[str] = []  # one tsquery per ranked word (with its respellings) or phrase
        alternatives = self.corrections(query.terms)
        for index, term in enumerate(query.terms):
            spellings = [term, *alternatives.get(term, [])]
            parts = []
            for variant, spelling in enumerate(spellings):
                params[f"t{index}_{variant}"] = spelling
                parts.append(f"plainto_tsquery('english', %(t{index}_{variant})s)")
            units.append("(" + " || ".join(parts) + ")")
        for index, phrase in enumerate(query.phrases):
            params[f"p{index}"] = " ".join(phrase)
            units.append(f"phraseto_tsquery('english', %(p{index})s)")
        any_unit = "(" + " || ".join(units) + ")"
        # Required phrases and exclusions in websearch syntax, rebuilt from plain words only.
        required = " ".join(
            [f'"{" ".join(phrase)}"' for phrase in query.phrases]
            + [f'-"{" ".join(words)}"' for words in query.excluded]
        )
        condition = (
            f"d.document @@ {any_unit}"
            + _tier_condition(tiers, params)
            + f" AND {live_sql('c', params)}"
        )
        # Parsing a section for its headline is most of a search's database time (issue 14):
        # only hits the caller may read get one, since a locked hit's snippet is blanked anyway.
        snippet_tiers = _tier_list(open_tiers, params, "open")
        if required:
            params["required"] = required
            condition += " AND d.document @@ websearch_to_tsquery('english', %(required)s)"
        # Each unit counts by its inverse document frequency, as bm25 does (ts_rank has none):
        # "recursion" should outweigh "function" in a course where every section has functions.
        frequencies = ", ".join(
            f"count(*) FILTER (WHERE document @@ {unit}) AS df{index}"
            for index, unit in enumerate(units)
        )
        score = " + ".join(
            f"ln(1 + (stats.n - stats.df{index} + 0.5) / (stats.df{index} + 0.5))"
            f" * ts_rank('{PG_WEIGHTS}', d.document, {unit}, {PG_NORMALIZATION})"
            for index, unit in enumerate(units)
        )
        sql = f"""
            WITH stats AS MATERIALIZED (
                SELECT count(*) AS n, {frequencies} FROM content_search
            ),
            matches AS (
                SELECT d.section_id, c.id AS chapter_id, c.title AS chapter_title,
                       s.title AS section_title, c.required_tier, ({score}) AS score,
                       c."order" AS chapter_order, s."order" AS section_order
                FROM content_search d
                {_PUBLISHED_SECTIONS.format(section_id="d.section_id")}
                CROSS JOIN stats
                WHERE {condition} AND {_PUBLISHED}
            ),
            page AS (
                SELECT * FROM matches
                ORDER BY score DESC, chapter_order, section_order
                LIMIT %(limit)s OFFSET %(offset)s
            )
            SELECT total.n, p.section_id, p.chapter_id, p.chapter_title, p.section_title,
                   p.required_tier, p.score,
                   CASE WHEN p.required_tier IN {snippet_tiers}
                        THEN ts_headline('english', s.content, {any_unit}, '{PG_HEADLINE}')
                   END
            FROM (SELECT count(*) AS n FROM matches) AS total
            LEFT JOIN page p ON true
            LEFT JOIN content_section s ON s.id = p.section_id
            ORDER BY p.score DESC, p.chapter_order, p.section_order
        """  # noqa: S608  (only placeholders and constants are formatted in)
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return _result(cursor.fetchall())


# --- SQLite ----------------------------------------------------------------------------------

# bm25 column weights: chapter title, section title, body (chapter_id is not indexed).
SQLITE_WEIGHTS = (4.0, 3.0, 1.0, 0.0)
SQLITE_SNIPPET_TOKENS = 24


def _fts_phrase(words: Iterable[str]) -> str:
    # Words are letters and digits only, so quoting cannot be escaped out of.
    return '"' + " ".join(words) + '"'


_VOCABULARY_RANGE = (
    "SELECT term, doc FROM content_search_vocab WHERE term >= %(from_KEY)s AND term < %(to_KEY)s"
    " AND length(term) BETWEEN %(short_KEY)s AND %(long_KEY)s"
)


class SqliteSearch:
    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def corrections(self, terms: Sequence[str]) -> dict[str, list[str]]:
        candidates = [term for term in terms if correctable(term)]
        if not candidates:
            return {}
        with self.connection.cursor() as cursor:
            params: dict[str, Any] = {f"t{i}": term for i, term in enumerate(candidates)}
            placeholders = ", ".join(f"%({name})s" for name in params)
            cursor.execute(
                f"SELECT term FROM content_search_vocab WHERE term IN ({placeholders})",  # noqa: S608
                params,
            )
            known = {row[0] for row in cursor.fetchall()}
            unknown = [term for term in candidates if term not in known]
            if not unknown:
                return {}
            # Spellings starting with the word's first or second letter (a typo seldom hits
            # both), read as ranges of fts5vocab's sorted terms rather than a full scan.
            ranges, params = [], {}
            for index, term in enumerate(unknown):
                for position, letter in enumerate(dict.fromkeys(term[:2])):
                    key = f"{index}_{position}"
                    params[f"from_{key}"] = letter
                    params[f"to_{key}"] = chr(ord(letter) + 1)
                    params[f"short_{key}"] = len(term) - allowed_typos(term)
                    params[f"long_{key}"] = len(term) + allowed_typos(term)
                    ranges.append(_VOCABULARY_RANGE.replace("_KEY", f"_{key}"))
            cursor.execute(" UNION ".join(ranges), params)
            vocabulary = cursor.fetchall()
        found = {term: closest_words(term, vocabulary) for term in unknown}
        return {term: words for term, words in found.items() if words}

    def match_expression(self, query: ParsedQuery) -> str:
        alternatives = self.corrections(query.terms)
        units = [
            "(" + " OR ".join(_fts_phrase([s]) for s in [t, *alternatives.get(t, [])]) + ")"
            for t in query.terms
        ]
        units += [_fts_phrase(phrase) for phrase in query.phrases]
        expression = "(" + " OR ".join(units) + ")"
        for phrase in query.phrases:
            expression = f"({expression} AND {_fts_phrase(phrase)})"
        for words in query.excluded:
            expression = f"({expression} NOT {_fts_phrase(words)})"
        return expression

    def search(
        self,
        query: ParsedQuery,
        *,
        offset: int,
        limit: int,
        tiers: Sequence[str] | None,
        open_tiers: Sequence[str],
    ) -> SearchResult:
        params: dict[str, Any] = {
            "match": self.match_expression(query),
            "offset": offset,
            "limit": limit,
        }
        weights = ", ".join(str(weight) for weight in SQLITE_WEIGHTS)
        tier_condition = _tier_condition(tiers, params) + f" AND {live_sql('c', params)}"
        snippet_tiers = _tier_list(open_tiers, params, "open")
        matches = f"""
            FROM content_search f
            {_PUBLISHED_SECTIONS.format(section_id="f.rowid")}
            WHERE content_search MATCH %(match)s AND {_PUBLISHED}{tier_condition}
        """
        sql = f"""
            WITH page AS (
                SELECT f.rowid AS section_id, c.id AS chapter_id, c.title AS chapter_title,
                       s.title AS section_title, c.required_tier,
                       -bm25(content_search, {weights}) AS score,
                       c."order" AS chapter_order, s."order" AS section_order
                {matches}
                ORDER BY score DESC, chapter_order, section_order
                LIMIT %(limit)s OFFSET %(offset)s
            )
            SELECT total.n, p.section_id, p.chapter_id, p.chapter_title, p.section_title,
                   p.required_tier, p.score,
                   CASE WHEN p.required_tier IN {snippet_tiers} THEN (SELECT snippet(
                        content_search, 2, '{HIGHLIGHT_START}', '{HIGHLIGHT_STOP}', '…',
                        {SQLITE_SNIPPET_TOKENS})
                    FROM content_search
                    WHERE content_search MATCH %(match)s AND rowid = p.section_id) END
            FROM (SELECT count(*) AS n {matches}) AS total
            LEFT JOIN page p ON 1
            ORDER BY p.score DESC, p.chapter_order, p.section_order
        """  # noqa: S608  (only placeholders and constants are formatted in)
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return _result(cursor.fetchall())


BACKENDS: dict[str, type[PostgresSearch] | type[SqliteSearch]] = {
    "postgresql": PostgresSearch,
    "sqlite": SqliteSearch,
}


def search_connection() -> BaseDatabaseWrapper:
    """The database searches run on. Raises NotReady on one without a search backend."""
    # Published text only, so a read replica (when there is one) may answer.
    connection = connections[read_alias()]
    if connection.vendor not in SUPPORTED_VENDORS:
        raise NotReady(
            f"Search is not available on {connection.vendor}.", code="search_unavailable"
        )
    return connection


def search_published_sections(
    text: str,
    *,
    offset: int,
    limit: int,
    open_tiers: Sequence[str],
) -> SearchResult:
    """Published sections matching `text`, best first, one page of them and the total count.

    A required phrase or an exclusion searches only chapters of `open_tiers` (the caller's):
    matched against locked text, it would tell whether an exact sentence is in it, and so
    reveal the text piece by piece. Plain words still find locked sections (titles only, with
    an empty snippet: locked text never leaves the database).

    Raises NotReady on a database without a search backend."""
    connection = search_connection()
    query = parse_query(text)
    if query.empty:
        return SearchResult()
    tiers = list(open_tiers) if query.phrases or query.excluded else None
    return BACKENDS[connection.vendor](connection).search(
        query, offset=offset, limit=limit, tiers=tiers, open_tiers=list(open_tiers)
    )
