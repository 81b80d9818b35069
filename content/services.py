"""Reading published course content (cached) and the gate on it, the writes editors make to
chapters and sections, the tiers /access/check asks for, and search. The cache, media and
course import live beside it (cache.py, media.py, course_import.py)."""

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from access import services as access_services
from access.models import User, is_staff
from content import cache, scheduling, search_log
from content.media import media_references, media_summary, referenced_media
from content.models import Chapter, MediaAsset, Section
from content.search import search_connection, search_published_sections
from content.search_query import parse_query
from coursecompanion.errors import NotFound
from coursecompanion.rows import save_children

# --- reads -----------------------------------------------------------------------------------


def chapter_summary(chapter: Chapter) -> dict[str, Any]:
    return {
        "id": chapter.id,
        "course_id": chapter.course_id,
        "slug": chapter.slug,
        "title": chapter.title,
        "summary": chapter.summary,
        "order": chapter.order,
        "difficulty_level": chapter.difficulty_level,
        "estimated_minutes": chapter.estimated_minutes,
        "required_tier": chapter.required_tier,
        "published": chapter.published,
    }


T = TypeVar("T")


def read_published(*, user: User | None, key: str, build: Callable[[], T]) -> T:
    """Published content of any app (quizzes), through the content cache: `build` runs on a
    miss, and for staff (who may see drafts) every time. Its entries go stale with the content
    version, so whatever `build` reads must bump it when saved (content/signals.py)."""
    return cache.read(user, key, build)


def published_version() -> tuple[str, int]:
    """The published content's current version: it changes with every edit. Raises what the
    shared cache raises."""
    return cache.content_cache.identity()


def chapter_outline(*, user: User | None) -> list[dict[str, Any]]:
    """Summaries of every chapter `user` may know about, in course order. Summaries are never
    locked: a student may always see what exists and which tier opens it."""

    if cache.is_staff(user):
        chapters = Chapter.objects.order_by("course__title", "course_id", "order")
        return [chapter_summary(chapter) for chapter in chapters]
    return [
        entry["summary"] for entry in scheduled_outline() if scheduling.is_live(entry["window"])
    ]


def scheduled_outline() -> list[dict[str, Any]]:
    """Every chapter published by flag, with its schedule window: cached as is, and filtered by
    `scheduling.is_live` on every read, so the cache never outlives a chapter's window."""

    def build() -> list[dict[str, Any]]:
        chapters = Chapter.objects.marked_published().order_by(
            "course__title", "course_id", "order"
        )
        return [{"summary": chapter_summary(c), "window": c.window} for c in chapters]

    # A key of its own: entries of the old shape (bare summaries) may outlive a deploy in Redis.
    return cache.cached("outline:windowed", build)


def with_lock_state(summary: dict[str, Any], *, user: User | None) -> dict[str, Any]:
    """A chapter summary with `locked` set for this user's tier."""
    allowed = access_services.decide_access(user=user, required_tier=summary["required_tier"])
    return {**summary, "locked": not allowed.allowed}


def list_chapters(*, user: User | None) -> list[dict[str, Any]]:
    """The chapter outline with `locked` set for this user's tier."""
    return [with_lock_state(summary, user=user) for summary in chapter_outline(user=user)]


def _find_in_outline(outline: list[dict[str, Any]], chapter_id: int) -> int:
    for index, summary in enumerate(outline):
        if summary["id"] == chapter_id:
            return index
    raise NotFound(f"Chapter {chapter_id} does not exist.", code="chapter_not_found")


def adjacent_chapter(*, user: User | None, chapter_id: int, step: int) -> dict[str, Any] | None:
    """The summary of the chapter `step` places away in the same course, or None at either end."""
    outline = chapter_outline(user=user)
    index = _find_in_outline(outline, chapter_id)
    course_id = outline[index]["course_id"]
    neighbour = index + step
    if 0 <= neighbour < len(outline) and outline[neighbour]["course_id"] == course_id:
        return outline[neighbour]
    return None


def require_chapter_access(*, user: User | None, summary: dict[str, Any]) -> None:
    """Raises AccessDenied("chapter_locked") when the chapter's tier is above the user's."""
    access_services.require_access(
        user=user,
        required_tier=summary["required_tier"],
        code="chapter_locked",
        subject=f'Chapter {summary["id"]} ("{summary["title"]}")',
        resource=f"chapter:{summary['id']}",
    )


def readable_outline(*, user: User | None, chapter_id: int) -> list[dict[str, Any]]:
    """The outline `user` sees (as `chapter_outline`), once `user` may read `chapter_id` in it.
    Raises as `get_chapter` does, from the cached outline alone."""
    outline = chapter_outline(user=user)
    require_chapter_access(user=user, summary=outline[_find_in_outline(outline, chapter_id)])
    return outline


def get_chapter(*, user: User | None, chapter_id: int) -> dict[str, Any]:
    """A chapter with its sections verbatim, its media and its neighbours.

    Raises NotFound for unknown or unpublished chapters, AccessDenied when it is locked."""
    outline = readable_outline(user=user, chapter_id=chapter_id)
    index = _find_in_outline(outline, chapter_id)
    summary = outline[index]

    def build() -> dict[str, Any]:
        sections = list(Section.objects.filter(chapter_id=chapter_id).order_by("order"))
        media = list(MediaAsset.objects.filter(chapter_id=chapter_id).order_by("title", "id"))
        names = media_references(*(section.content for section in sections))
        # The chapter's first quiz, through the reverse relation the quizzes app declares.
        quizzes = Chapter(pk=chapter_id).quizzes.order_by("id")
        if not is_staff(user):
            quizzes = quizzes.filter(published=True)
        return {
            "quiz_id": quizzes.values_list("id", flat=True).first(),
            "sections": [
                {"id": s.id, "title": s.title, "order": s.order, "content": s.content}
                for s in sections
            ],
            "media": [media_summary(asset) for asset in media],
            "referenced_media": referenced_media(names, chapter_id=chapter_id, known=media),
        }

    body = cache.read(user, f"chapter:{chapter_id}", build)

    def neighbour_id(step: int) -> int | None:
        position = index + step
        if 0 <= position < len(outline) and outline[position]["course_id"] == summary["course_id"]:
            neighbour: int = outline[position]["id"]
            return neighbour
        return None

    return {
        **summary,
        **body,
        "locked": False,
        "previous_id": neighbour_id(-1),
        "next_id": neighbour_id(+1),
    }


def get_section(*, user: User | None, section_id: int) -> dict[str, Any]:
    """One section verbatim. Raises NotFound, or AccessDenied like its chapter."""

    def build() -> dict[str, Any] | None:
        sections = (
            Section.objects.all() if cache.is_staff(user) else Section.objects.marked_published()
        )
        section = sections.select_related("chapter").filter(pk=section_id).first()
        if section is None:
            return None
        names = media_references(section.content)
        return {
            "id": section.id,
            "chapter_id": section.chapter_id,
            "title": section.title,
            "order": section.order,
            "content": section.content,
            "chapter": chapter_summary(section.chapter),
            "referenced_media": referenced_media(names, chapter_id=section.chapter_id),
            "window": section.chapter.window,
        }

    found = cache.read(user, f"section:{section_id}:windowed", build)
    if found is not None and not cache.is_staff(user) and not scheduling.is_live(found["window"]):
        found = None
    if found is None:
        raise NotFound(f"Section {section_id} does not exist.", code="section_not_found")
    require_chapter_access(user=user, summary=found["chapter"])
    return found


# --- writes ----------------------------------------------------------------------------------


def save_sections(*, chapter: Chapter, sections: Iterable[Section]) -> None:
    """Save a chapter's edited sections, allowing positions to be swapped or rotated."""
    save_children(parent=chapter, field_name="chapter", children=sections)


# --- access checks ---------------------------------------------------------------------------


def chapter_required_tier(chapter_id: int) -> str:
    """The tier that opens a published chapter (for /access/check "chapter:<id>").

    Raises NotFound for an unknown or unpublished chapter."""
    outline = chapter_outline(user=None)
    required: str = outline[_find_in_outline(outline, chapter_id)]["required_tier"]
    return required


def section_required_tier(section_id: int) -> str:
    """The tier that opens a published section: its chapter's (for "section:<id>").

    Raises NotFound for an unknown or unpublished section."""
    required: str | None = (
        Section.objects.visible_to(None)
        .filter(pk=section_id)
        .values_list("chapter__required_tier", flat=True)
        .first()
    )
    if required is None:
        raise NotFound(f"Section {section_id} does not exist.", code="section_not_found")
    return required


# --- search ----------------------------------------------------------------------------------


def search_sections(*, user: User | None, query: str, offset: int, limit: int) -> dict[str, Any]:
    """`search_page` without its meaning."""
    return search_page(user=user, query=query, offset=offset, limit=limit)[1]


def search_page(
    *, user: User | None, query: str, offset: int, limit: int
) -> tuple[str, dict[str, Any]]:
    """One page of published sections matching `query`, best first, with the total count; and
    what the page means (a digest of everything it depends on but the content version), which
    names its results in the cache and may name its rendered body.

    A hit in a chapter the user's tier does not open keeps its titles but loses its snippet
    (`locked: true`), so a tutor can name where a topic is covered without revealing the text.
    Drafts never appear, not even for staff: search grounds students' answers.

    Raises NotReady on a database without a search backend."""
    open_tiers = access_services.open_tiers(user)
    search_connection()  # a database without search says so before anything is cached
    # Cached by what the query means (parsed: case, punctuation and stop words do not count),
    # the tiers it may read, the page, the chapters live right now (schedules move on without
    # an edit) and, through the content cache, the content version.
    live = [e["summary"]["id"] for e in scheduled_outline() if scheduling.is_live(e["window"])]
    meaning = hashlib.sha256(
        repr((parse_query(query), open_tiers, offset, limit, live)).encode()
    ).hexdigest()
    result = cache.cached(
        f"search:{meaning}",
        lambda: search_published_sections(query, offset=offset, limit=limit, open_tiers=open_tiers),
    )
    items = []
    for hit in result.hits:
        locked = hit.required_tier not in open_tiers
        items.append(
            {
                "chapter_id": hit.chapter_id,
                "section_id": hit.section_id,
                "chapter_title": hit.chapter_title,
                "section_title": hit.section_title,
                "snippet": "" if locked else hit.snippet,
                "score": hit.score,
                "locked": locked,
                "required_tier": hit.required_tier,
            }
        )
    if offset == 0:
        search_log.record_search_outcome(text=query, items=items, count=result.count)
    return meaning, {"items": items, "count": result.count}
