from django.http import HttpRequest
from ninja import Path, Query, Router

from access.auth import request_credential
from content.schemas import (
    AdjacentChapterOut,
    ChapterListOut,
    ChapterOut,
    SearchOut,
    SearchParams,
    SectionOut,
)
from coursecompanion import presenters, rendered
from coursecompanion.schemas import PageParams, responses

router = Router(tags=["content"])


def _base_url(request: HttpRequest) -> str:
    # Media stored locally have relative URLs; the client needs them absolute.
    return request.build_absolute_uri("/")


@router.get(
    "/chapters",
    response=responses(ChapterListOut, "not_authenticated"),
    operation_id="listChapters",
    summary="List the course's chapters with lock state",
)
def list_chapters(request: HttpRequest, page: Query[PageParams]):
    credential = request_credential(request)
    return rendered.rendered_bodies.respond(
        request,
        ChapterListOut,
        presenters.chapter_list_variant(credential, page=page.page_slice),
        lambda: presenters.chapter_list(credential, page=page.page_slice),
    )


@router.get(
    "/chapters/{chapter_id}",
    response=responses(ChapterOut, "not_authenticated", "chapter_locked", "chapter_not_found"),
    operation_id="getChapter",
    summary="Get a chapter with its sections verbatim",
)
def get_chapter(request: HttpRequest, chapter_id: Path[int]):
    credential = request_credential(request)
    base_url = _base_url(request)
    return rendered.rendered_bodies.respond(
        request,
        ChapterOut,
        presenters.chapter_detail_variant(credential, chapter_id=chapter_id, base_url=base_url),
        lambda: presenters.chapter_detail(credential, chapter_id=chapter_id, base_url=base_url),
        lasting=presenters.lasting_chapter,
    )


@router.get(
    "/chapters/{chapter_id}/next",
    response=responses(AdjacentChapterOut, "not_authenticated", "chapter_not_found"),
    operation_id="getNextChapter",
    summary="Summary of the chapter after this one (null at the end)",
)
def get_next_chapter(request: HttpRequest, chapter_id: Path[int]):
    return presenters.adjacent_chapter(request_credential(request), chapter_id=chapter_id, step=+1)


@router.get(
    "/chapters/{chapter_id}/previous",
    response=responses(AdjacentChapterOut, "not_authenticated", "chapter_not_found"),
    operation_id="getPreviousChapter",
    summary="Summary of the chapter before this one (null at the start)",
)
def get_previous_chapter(request: HttpRequest, chapter_id: Path[int]):
    return presenters.adjacent_chapter(request_credential(request), chapter_id=chapter_id, step=-1)


@router.get(
    "/sections/{section_id}",
    response=responses(SectionOut, "not_authenticated", "chapter_locked", "section_not_found"),
    operation_id="getSection",
    summary="Get one section's text verbatim",
)
def get_section(request: HttpRequest, section_id: Path[int]):
    return presenters.section(
        request_credential(request), section_id=section_id, base_url=_base_url(request)
    )


@router.get(
    "/search",
    response=responses(SearchOut, "not_authenticated", "search_unavailable"),
    operation_id="searchContent",
    summary="Search the course text; hits point at sections to fetch verbatim",
)
def search_content(request: HttpRequest, params: Query[SearchParams], page: Query[PageParams]):
    window = page.page_slice
    # The search runs on every request (it records gaps for the staff dashboard); only the
    # rendering of its page is kept.
    variant, found = presenters.search_with_variant(
        request_credential(request),
        query=params.q,
        offset=window.start,
        limit=window.stop - window.start,
    )
    return rendered.rendered_bodies.respond(request, SearchOut, variant, lambda: found)
