"""The search index: database objects the ORM does not model, one set per database vendor.

PostgreSQL: `content_search` holds one weighted tsvector per section (chapter title A, section
title B, body C) under a GIN index, and `content_search_word` the words of each section under a
pg_trgm GIN index (typo correction). Trigger functions keep both in step with every edit.

SQLite: `content_search` is an FTS5 table (porter stemming, bm25), `content_search_words` an
FTS5 table of the unstemmed words whose `content_search_vocab` (fts5vocab) is the vocabulary used
for typo correction. Triggers keep them in step. The SQLite triggers never name another content
table in their bodies (the chapter title comes from the small `content_search_chapter` copy):
Django's SQLite schema editor rebuilds a table to alter it (create, copy, drop, rename), and a
trigger naming the dropped table would make that rename fail. The rebuild drops the altered
table's own triggers, so `ensure_search_index` (run after every `migrate`) recreates whatever is
missing and then rebuilds the index.

Other vendors get nothing; search answers 503 there.
"""

import logging

from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

SUPPORTED_VENDORS = ("postgresql", "sqlite")

# --- PostgreSQL ------------------------------------------------------------------------------

POSTGRES_INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    CREATE TABLE IF NOT EXISTS content_search (
        section_id bigint PRIMARY KEY,
        chapter_id bigint NOT NULL,
        document tsvector NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS content_search_document ON content_search USING gin (document)",
    """
    CREATE TABLE IF NOT EXISTS content_search_word (
        word text NOT NULL,
        section_id bigint NOT NULL,
        PRIMARY KEY (word, section_id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS content_search_word_section ON content_search_word (section_id)",
    """
    CREATE INDEX IF NOT EXISTS content_search_word_trgm
        ON content_search_word USING gin (word gin_trgm_ops)
    """,
    # Punctuation becomes a space before parsing, so `time.sleep` or `pyproject.toml` index as
    # separate words (the default parser keeps them whole as "host"/"file" tokens), exactly
    # like the query side splits them.
    """
    CREATE OR REPLACE FUNCTION content_search_plain(value text) RETURNS text
        LANGUAGE sql IMMUTABLE AS
    $$ SELECT regexp_replace(coalesce(value, ''), '[^[:alnum:]]+', ' ', 'g') $$
    """,
    """
    CREATE OR REPLACE FUNCTION content_search_index_section(sid bigint) RETURNS void
        LANGUAGE plpgsql AS
    $$
    BEGIN
        DELETE FROM content_search WHERE section_id = sid;
        DELETE FROM content_search_word WHERE section_id = sid;
        INSERT INTO content_search (section_id, chapter_id, document)
        SELECT s.id, s.chapter_id,
               setweight(to_tsvector('english', content_search_plain(c.title)), 'A')
               || setweight(to_tsvector('english', content_search_plain(s.title)), 'B')
               || setweight(to_tsvector('english', content_search_plain(s.content)), 'C')
        FROM content_section s JOIN content_chapter c ON c.id = s.chapter_id
        WHERE s.id = sid;
        INSERT INTO content_search_word (word, section_id)
        SELECT DISTINCT w.word, s.id
        FROM content_section s
        JOIN content_chapter c ON c.id = s.chapter_id
        CROSS JOIN LATERAL regexp_split_to_table(
            lower(c.title || ' ' || s.title || ' ' || s.content), '[^[:alpha:]]+'
        ) AS w(word)
        WHERE s.id = sid AND length(w.word) BETWEEN 2 AND 40;
    END
    $$
    """,
    # The triggers fire on every write and compare columns inside the function: a trigger whose
    # WHEN clause or UPDATE OF list names a column would block later migrations from altering
    # that column's type ("cannot alter type of a column used in a trigger definition").
    """
    CREATE OR REPLACE FUNCTION content_search_section_changed() RETURNS trigger
        LANGUAGE plpgsql AS
    $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM content_search WHERE section_id = OLD.id;
            DELETE FROM content_search_word WHERE section_id = OLD.id;
            RETURN OLD;
        END IF;
        IF TG_OP = 'INSERT'
           OR OLD.title IS DISTINCT FROM NEW.title
           OR OLD.content IS DISTINCT FROM NEW.content
           OR OLD.chapter_id IS DISTINCT FROM NEW.chapter_id THEN
            PERFORM content_search_index_section(NEW.id);
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION content_search_chapter_changed() RETURNS trigger
        LANGUAGE plpgsql AS
    $$
    BEGIN
        -- On insert too: sections loaded before their chapter (deferred foreign keys) were
        -- skipped by content_search_index_section's join.
        IF TG_OP = 'INSERT' OR OLD.title IS DISTINCT FROM NEW.title THEN
            PERFORM content_search_index_section(s.id)
            FROM content_section s WHERE s.chapter_id = NEW.id;
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION content_search_truncated() RETURNS trigger LANGUAGE plpgsql AS
    $$
    BEGIN
        TRUNCATE content_search, content_search_word;
        RETURN NULL;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS content_search_section_write ON content_section",
    """
    CREATE TRIGGER content_search_section_write
        AFTER INSERT OR UPDATE OR DELETE ON content_section
        FOR EACH ROW EXECUTE FUNCTION content_search_section_changed()
    """,
    "DROP TRIGGER IF EXISTS content_search_section_truncate ON content_section",
    """
    CREATE TRIGGER content_search_section_truncate
        AFTER TRUNCATE ON content_section
        FOR EACH STATEMENT EXECUTE FUNCTION content_search_truncated()
    """,
    "DROP TRIGGER IF EXISTS content_search_chapter_write ON content_chapter",
    """
    CREATE TRIGGER content_search_chapter_write
        AFTER INSERT OR UPDATE ON content_chapter
        FOR EACH ROW EXECUTE FUNCTION content_search_chapter_changed()
    """,
]

POSTGRES_REBUILD = [
    "TRUNCATE content_search, content_search_word",
    "SELECT count(content_search_index_section(id)) FROM content_section",
]

POSTGRES_UNINSTALL = [
    "DROP TRIGGER IF EXISTS content_search_section_write ON content_section",
    "DROP TRIGGER IF EXISTS content_search_section_truncate ON content_section",
    "DROP TRIGGER IF EXISTS content_search_chapter_write ON content_chapter",
    "DROP FUNCTION IF EXISTS content_search_section_changed()",
    "DROP FUNCTION IF EXISTS content_search_chapter_changed()",
    "DROP FUNCTION IF EXISTS content_search_truncated()",
    "DROP FUNCTION IF EXISTS content_search_index_section(bigint)",
    "DROP FUNCTION IF EXISTS content_search_plain(text)",
    "DROP TABLE IF EXISTS content_search",
    "DROP TABLE IF EXISTS content_search_word",
    # pg_trgm stays: other code may use it, and dropping an extension needs more care.
]

# --- SQLite ----------------------------------------------------------------------------------

SQLITE_TABLES = {
    "content_search": """
        CREATE VIRTUAL TABLE IF NOT EXISTS content_search USING fts5(
            chapter_title, section_title, body, chapter_id UNINDEXED,
            tokenize = 'porter unicode61 remove_diacritics 2'
        )
    """,
    "content_search_words": """
        CREATE VIRTUAL TABLE IF NOT EXISTS content_search_words USING fts5(
            words, tokenize = 'unicode61 remove_diacritics 2', detail = 'none'
        )
    """,
    "content_search_vocab": """
        CREATE VIRTUAL TABLE IF NOT EXISTS content_search_vocab
            USING fts5vocab(content_search_words, 'row')
    """,
    "content_search_chapter": """
        CREATE TABLE IF NOT EXISTS content_search_chapter (
            chapter_id integer PRIMARY KEY,
            title text NOT NULL
        )
    """,
}

# Sections are rows `id` of both FTS tables; a chapter's title is also row `-id` of the word table
# so its words are in the vocabulary.
_SQLITE_INDEX_NEW_SECTION = """
    DELETE FROM content_search WHERE rowid = new.id;
    DELETE FROM content_search_words WHERE rowid = new.id;
    INSERT INTO content_search (rowid, chapter_title, section_title, body, chapter_id)
    VALUES (
        new.id,
        coalesce((SELECT title FROM content_search_chapter WHERE chapter_id = new.chapter_id), ''),
        new.title, new.content, new.chapter_id
    );
    INSERT INTO content_search_words (rowid, words)
    VALUES (new.id, new.title || ' ' || new.content);
"""
# Sections loaded before their chapter (fixtures with deferred foreign keys) get its title then.
_SQLITE_INDEX_NEW_CHAPTER = """
    INSERT OR REPLACE INTO content_search_chapter (chapter_id, title) VALUES (new.id, new.title);
    DELETE FROM content_search_words WHERE rowid = -new.id;
    INSERT INTO content_search_words (rowid, words) VALUES (-new.id, new.title);
    UPDATE content_search SET chapter_title = new.title WHERE chapter_id = new.id;
"""

SQLITE_TRIGGERS = {
    "content_search_section_insert": f"""
        CREATE TRIGGER IF NOT EXISTS content_search_section_insert
        AFTER INSERT ON content_section BEGIN {_SQLITE_INDEX_NEW_SECTION} END
    """,
    "content_search_section_update": f"""
        CREATE TRIGGER IF NOT EXISTS content_search_section_update
        AFTER UPDATE OF title, content, chapter_id ON content_section
        WHEN old.title IS NOT new.title OR old.content IS NOT new.content
             OR old.chapter_id IS NOT new.chapter_id
        BEGIN
            DELETE FROM content_search WHERE rowid = old.id;
            DELETE FROM content_search_words WHERE rowid = old.id;
            {_SQLITE_INDEX_NEW_SECTION}
        END
    """,  # noqa: S608  (constants only)
    "content_search_section_delete": """
        CREATE TRIGGER IF NOT EXISTS content_search_section_delete
        AFTER DELETE ON content_section BEGIN
            DELETE FROM content_search WHERE rowid = old.id;
            DELETE FROM content_search_words WHERE rowid = old.id;
        END
    """,
    "content_search_chapter_insert": f"""
        CREATE TRIGGER IF NOT EXISTS content_search_chapter_insert
        AFTER INSERT ON content_chapter BEGIN {_SQLITE_INDEX_NEW_CHAPTER} END
    """,
    "content_search_chapter_update": f"""
        CREATE TRIGGER IF NOT EXISTS content_search_chapter_update
        AFTER UPDATE OF title ON content_chapter WHEN old.title IS NOT new.title BEGIN
            {_SQLITE_INDEX_NEW_CHAPTER}
        END
    """,
    "content_search_chapter_delete": """
        CREATE TRIGGER IF NOT EXISTS content_search_chapter_delete
        AFTER DELETE ON content_chapter BEGIN
            DELETE FROM content_search_chapter WHERE chapter_id = old.id;
            DELETE FROM content_search_words WHERE rowid = -old.id;
            DELETE FROM content_search WHERE chapter_id = old.id;
        END
    """,
}

SQLITE_REBUILD = [
    "DELETE FROM content_search_chapter",
    "INSERT INTO content_search_chapter (chapter_id, title) SELECT id, title FROM content_chapter",
    "DELETE FROM content_search",
    """
    INSERT INTO content_search (rowid, chapter_title, section_title, body, chapter_id)
    SELECT s.id, c.title, s.title, s.content, s.chapter_id
    FROM content_section s JOIN content_chapter c ON c.id = s.chapter_id
    """,
    "DELETE FROM content_search_words",
    """
    INSERT INTO content_search_words (rowid, words)
    SELECT id, title || ' ' || content FROM content_section
    """,
    "INSERT INTO content_search_words (rowid, words) SELECT -id, title FROM content_chapter",
    "INSERT INTO content_search (content_search) VALUES ('optimize')",
]


# --- entry points ----------------------------------------------------------------------------


def _run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _sqlite_missing(connection: BaseDatabaseWrapper) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in (*SQLITE_TABLES, *SQLITE_TRIGGERS) if name not in present]


def install_search_index(connection: BaseDatabaseWrapper) -> None:
    """Create the index objects for this database (idempotent) and fill them from the content."""
    if connection.vendor == "postgresql":
        _run(connection, POSTGRES_INSTALL + POSTGRES_REBUILD)
    elif connection.vendor == "sqlite":
        _run(connection, [*SQLITE_TABLES.values(), *SQLITE_TRIGGERS.values(), *SQLITE_REBUILD])


def uninstall_search_index(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        _run(connection, POSTGRES_UNINSTALL)
    elif connection.vendor == "sqlite":
        _run(connection, [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS])
        _run(connection, [f"DROP TABLE IF EXISTS {name}" for name in reversed(SQLITE_TABLES)])


def ensure_search_index(connection: BaseDatabaseWrapper) -> list[str]:
    """Recreate index objects a table rebuild dropped, then rebuild the index if any were
    missing. Returns the names that were missing."""
    if connection.vendor != "sqlite":
        return []  # PostgreSQL alters tables in place: its triggers survive migrations.
    missing = _sqlite_missing(connection)
    if "content_search" in missing:
        return []  # never installed here (or migrated back before it): nothing to keep up
    if missing:
        logger.warning("Search index objects were missing and are recreated: %s", missing)
        install_search_index(connection)
    return missing


def rebuild_search_index(connection: BaseDatabaseWrapper) -> None:
    """Recreate anything missing and refill the index from the content tables (the triggers
    normally keep it current; this is for repairs and bulk edits made with triggers disabled)."""
    install_search_index(connection)


def indexed_section_count(connection: BaseDatabaseWrapper) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM content_search")
        return cursor.fetchone()[0]
