"""What the chapter admin page posts, for tests that edit chapters through /admin/."""

from content.models import Chapter


def inline_management(prefix: str, total: int, initial: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def chapter_form(chapter: Chapter, sections: list[dict], *, initial: int, **fields) -> dict:
    """The change form of `chapter` as saved, with `fields` changed, and `sections` as its
    inline rows (each a dict of the section form's fields)."""
    data = {
        "course": chapter.course_id,
        "title": chapter.title,
        "slug": chapter.slug,
        "order": chapter.order,
        "summary": chapter.summary,
        "difficulty_level": chapter.difficulty_level,
        "estimated_minutes": chapter.estimated_minutes,
        "required_tier": chapter.required_tier,
        **inline_management("sections", len(sections), initial),
    }
    if chapter.published:
        data["published"] = "on"
    data.update(fields)
    for index, section in enumerate(sections):
        for name, value in section.items():
            data[f"sections-{index}-{name}"] = value
    return data
