"""The MCP front door for course content (beside api.py, the REST one): the same presenters,
gate and response schemas."""

from typing import Annotated

from mcp_types import CallToolResult
from pydantic import Field

from content.schemas import ChapterListOut, ChapterOut, SearchOut, SectionOut
from coursecompanion import presenters
from coursecompanion.errors import Invalid
from coursecompanion.mcp_tools import caller, student_tool, tool_result

SEARCH_PAGE_SIZE = 10
EVERY_CHAPTER = slice(None)


@student_tool(title="List chapters", operation="listChapters")
def list_chapters() -> Annotated[CallToolResult, ChapterListOut]:
    """List the course's chapters in order, each with its tier, whether it is locked for the
    student and whether they completed it. Call first to find a chapter id."""
    chapters = presenters.chapter_list(caller().credential, page=EVERY_CHAPTER)
    open_count = sum(1 for chapter in chapters["items"] if not chapter["locked"])
    return tool_result(
        ChapterListOut,
        chapters,
        text=f"{chapters['count']} chapters, {open_count} open to this student.",
    )


@student_tool(title="Read a chapter", operation="getChapter", widget="chapter-reader")
def get_chapter(
    chapter_id: Annotated[int, Field(description="A chapter id from list_chapters.")],
) -> Annotated[CallToolResult, ChapterOut]:
    """Get a chapter with every section's Markdown verbatim, its media and the ids of the quiz
    and the neighbouring chapters. Answer only from this text and cite the section titles. A
    locked chapter is a tool error naming the tier that opens it."""
    found = caller()
    chapter = presenters.chapter_detail(
        found.credential, chapter_id=chapter_id, base_url=found.base_url
    )
    return tool_result(
        ChapterOut,
        chapter,
        text=f"Chapter {chapter['order']}: {chapter['title']} "
        f"({len(chapter['sections'])} sections).",
    )


@student_tool(title="Read a section", operation="getSection", widget="chapter-reader")
def get_section(
    section_id: Annotated[int, Field(description="A section id from get_chapter or search.")],
) -> Annotated[CallToolResult, SectionOut]:
    """Get one section's Markdown verbatim (a search hit points at one)."""
    found = caller()
    section = presenters.section(found.credential, section_id=section_id, base_url=found.base_url)
    return tool_result(SectionOut, section, text=f"Section: {section['title']}.")


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
        raise Invalid("The query is blank.", code="validation_error")
    found = presenters.search(caller().credential, query=query, offset=0, limit=SEARCH_PAGE_SIZE)
    return tool_result(SearchOut, found, text=f"{found['count']} matching sections for {query!r}.")
