"""Content checks an editor sees on save: admin warnings that never block saving a draft.

Error-level problems (a student would meet a broken page) block publishing a chapter;
warnings only advise."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from content.markdown_preview import markdown_parser
from content.media import media_references
from content.models import Chapter, MediaAsset

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Problem:
    level: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.level == ERROR


def media_names_for(chapter_id: int | None) -> set[str]:
    """The asset names a chapter's text may use: its own assets and the course-wide ones (the
    same rule the API resolves references by)."""
    reachable = Q(chapter__isnull=True)
    if chapter_id is not None:
        reachable |= Q(chapter_id=chapter_id)
    return set(MediaAsset.objects.filter(reachable).values_list("name", flat=True))


def text_problems(text: str, *, where: str, media_names: set[str]) -> list[Problem]:
    problems = [
        Problem(ERROR, f'{where}: no media asset is named "{name}" (media:{name}).')
        for name in media_references(text)
        if name not in media_names
    ]
    previous = None
    for token in markdown_parser.parse(text):
        if token.type != "heading_open":
            continue
        level = int(token.tag[1])
        if previous is not None and level > previous + 1:
            problems.append(
                Problem(
                    WARNING,
                    f"{where}: heading level skips from h{previous} to h{level} "
                    f"(screen readers and outlines expect h{previous + 1}).",
                )
            )
        previous = level
    return problems


def section_problems(
    *, title: str, content: str, media_names: set[str], label: str = ""
) -> list[Problem]:
    where = f'Section "{title}"' if title else label or "A section"
    if not content.strip():
        return [Problem(ERROR, f"{where} is empty.")]
    return text_problems(content, where=where, media_names=media_names)


def chapter_problems(
    *, chapter: Chapter, sections: Iterable[tuple[str, str]] | None = None
) -> list[Problem]:
    """Problems of `chapter` with `sections` as (title, content) pairs (default: as stored)."""
    if sections is None:
        sections = list(chapter.sections.order_by("order").values_list("title", "content"))
    sections = list(sections)
    names = media_names_for(chapter.pk)
    problems = []
    if chapter.published and not sections:
        problems.append(Problem(ERROR, "A published chapter needs at least one section."))
    if chapter.summary:
        problems += text_problems(chapter.summary, where="Summary", media_names=names)
    for title, content in sections:
        problems += section_problems(title=title, content=content, media_names=names)
    return problems


def quiz_problems(quiz) -> list[Problem]:
    if quiz.chapter_id and not Chapter.objects.published().filter(pk=quiz.chapter_id).exists():
        return [
            Problem(
                WARNING,
                f'Its chapter "{quiz.chapter.title}" is not published (or outside its schedule): '
                "students cannot see this quiz.",
            )
        ]
    return []
