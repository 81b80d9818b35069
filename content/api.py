from django.http import HttpRequest
from ninja import Path, Query, Router

from access.auth import request_user
from content import services
from content.schemas import (
    AdjacentChapterOut,
    ChapterListOut,
    ChapterOut,
    SearchOut,
    SearchParams,
    SectionOut,
)
from coursecompanion.schemas import PageParams, responses
from progress import services as progress_services

router = Router(tags=["content"])


def _media_url(request: HttpRequest, summary: dict) -> str:
    url = services.media_url(summary)
    return url if "://" in url else request.build_absolute_uri(url)


def _media_urls(request: HttpRequest, summaries: list[dict]) -> dict[str, str]:
    """{name: url}, each URL made (and signed) once per request."""
    return {summary["name"]: _media_url(request, summary) for summary in summaries}


def _with_completed(request: HttpRequest, chapters: list[dict]) -> list[dict]:
    """Chapter summaries marked with whether the caller has completed them (one query)."""
    completed = progress_services.completed_chapter_ids(user=request_user(request))
    return [{**chapter, "completed": chapter["id"] in completed} for chapter in chapters]


def _adjacent(request: HttpRequest, chapter_id: int, step: int) -> dict:
    user = request_user(request)
    found = services.adjacent_chapter(user=user, chapter_id=chapter_id, step=step)
    if found is None:
        return {"chapter": None}
    return {"chapter": _with_completed(request, [services.with_lock_state(found, user=user)])[0]}


@router.get(
    "/chapters",
    response=responses(ChapterListOut, "not_authenticated"),
    operation_id="listChapters",
    summary="List the course's chapters with lock state",
)
def list_chapters(request: HttpRequest, page: Query[PageParams]):
    chapters = services.list_chapters(user=request_user(request))
    return {"items": _with_completed(request, chapters[page.page_slice]), "count": len(chapters)}


@router.get(
    "/chapters/{chapter_id}",
    response=responses(ChapterOut, "not_authenticated", "chapter_locked", "chapter_not_found"),
    operation_id="getChapter",
    summary="Get a chapter with its sections verbatim",
)
def get_chapter(request: HttpRequest, chapter_id: Path[int]):
    chapter = services.get_chapter(user=request_user(request), chapter_id=chapter_id)
    urls = _media_urls(request, [*chapter["media"], *chapter["referenced_media"]])
    media = [{**asset, "url": urls[asset["name"]]} for asset in chapter["media"]]
    media_urls = {asset["name"]: urls[asset["name"]] for asset in chapter["referenced_media"]}
    (chapter,) = _with_completed(request, [chapter])
    return {**chapter, "media": media, "media_urls": media_urls}


@router.get(
    "/chapters/{chapter_id}/next",
    response=responses(AdjacentChapterOut, "not_authenticated", "chapter_not_found"),
    operation_id="getNextChapter",
    summary="Summary of the chapter after this one (null at the end)",
)
def get_next_chapter(request: HttpRequest, chapter_id: Path[int]):
    return _adjacent(request, chapter_id, step=+1)


@router.get(
    "/chapters/{chapter_id}/previous",
    response=responses(AdjacentChapterOut, "not_authenticated", "chapter_not_found"),
    operation_id="getPreviousChapter",
    summary="Summary of the chapter before this one (null at the start)",
)
def get_previous_chapter(request: HttpRequest, chapter_id: Path[int]):
    return _adjacent(request, chapter_id, step=-1)


@router.get(
    "/sections/{section_id}",
    response=responses(SectionOut, "not_authenticated", "chapter_locked", "section_not_found"),
    operation_id="getSection",
    summary="Get one section's text verbatim",
)
def get_section(request: HttpRequest, section_id: Path[int]):
    section = services.get_section(user=request_user(request), section_id=section_id)
    return {**section, "media_urls": _media_urls(request, section["referenced_media"])}


@router.get(
    "/search",
    response=responses(SearchOut, "not_authenticated", "search_unavailable"),
    operation_id="searchContent",
    summary="Search the course text; hits point at sections to fetch verbatim",
)
def search_content(request: HttpRequest, params: Query[SearchParams], page: Query[PageParams]):
    window = page.page_slice
    return services.search_sections(
        user=request_user(request),
        query=params.q,
        offset=window.start,
        limit=window.stop - window.start,
    )
