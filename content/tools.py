"""The MCP front door for course content (beside api.py, the REST one): the same services,
gate and response schemas."""

from typing import Annotated

from mcp_types import CallToolResult
from pydantic import Field

from content import services
from content.schemas import ChapterListOut, ChapterOut, SearchOut, SectionOut
from coursecompanion.mcp_tools import caller, student_tool, tool_result
from progress import services as progress_services

SEARCH_PAGE_SIZE = 10


def _absolute(url: str) -> str:
    return url if "://" in url else f"{caller().base_url}{url}"


def _media_urls(summaries: list[dict]) -> dict[str, str]:
    return {summary["name"]: _absolute(services.media_url(summary)) for summary in summaries}


def _with_completed(chapters: list[dict]) -> list[dict]:
    completed = progress_services.completed_chapter_ids(user=caller().user)
    return [{**chapter, "completed": chapter["id"] in completed} for chapter in chapters]


@student_tool(title="List chapters", operation="listChapters")
def list_chapters() -> Annotated[CallToolResult, ChapterListOut]:
    """List the course's chapters in order, each with its tier, whether it is locked for the
    student and whether they completed it. Call first to find a chapter id."""
    chapters = _with_completed(services.list_chapters(user=caller().user))
    open_count = sum(1 for chapter in chapters if not chapter["locked"])
    return tool_result(
        ChapterListOut,
        {"items": chapters, "count": len(chapters)},
        text=f"{len(chapters)} chapters, {open_count} open to this student.",
    )


@student_tool(title="Read a chapter", operation="getChapter", widget="chapter-reader")
def get_chapter(
    chapter_id: Annotated[int, Field(description="A chapter id from list_chapters.")],
) -> Annotated[CallToolResult, ChapterOut]:
    """Get a chapter with every section's Markdown verbatim, its media and the ids of the quiz
    and the neighbouring chapters. Answer only from this text and cite the section titles. A
    locked chapter is a tool error naming the tier that opens it."""
    user = caller().user
    chapter = services.get_chapter(user=user, chapter_id=chapter_id)
    urls = _media_urls([*chapter["media"], *chapter["referenced_media"]])
    media = [{**asset, "url": urls[asset["name"]]} for asset in chapter["media"]]
    media_urls = {asset["name"]: urls[asset["name"]] for asset in chapter["referenced_media"]}
    (chapter,) = _with_completed([chapter])
    return tool_result(
        ChapterOut,
        {**chapter, "media": media, "media_urls": media_urls},
        text=f"Chapter {chapter['order']}: {chapter['title']} "
        f"({len(chapter['sections'])} sections).",
    )


@student_tool(title="Read a section", operation="getSection", widget="chapter-reader")
def get_section(
    section_id: Annotated[int, Field(description="A section id from get_chapter or search.")],
) -> Annotated[CallToolResult, SectionOut]:
    """Get one section's Markdown verbatim (a search hit points at one)."""
    section = services.get_section(user=caller().user, section_id=section_id)
    return tool_result(
        SectionOut,
        {**section, "media_urls": _media_urls(section["referenced_media"])},
        text=f"Section: {section['title']}.",
    )


@student_tool(title="Search the course", operation="searchContent")
def search_course(
    query: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description='Words from the course. "a phrase" must appear, -word must not.',
        ),
    ],
) -> Annotated[CallToolResult, SearchOut]:
    """Search the course text, best hits first. Each hit names a section to read with
    get_section; a locked hit keeps its titles but has no snippet. Rewrite the student's
    question into the course's likely terms first, and search again with other words when the
    hits look weak."""
    if not query.strip():
        from coursecompanion.errors import Invalid

        raise Invalid("The query is blank.", code="validation_error")
    found = services.search_sections(
        user=caller().user, query=query, offset=0, limit=SEARCH_PAGE_SIZE
    )
    return tool_result(SearchOut, found, text=f"{found['count']} matching sections for {query!r}.")
