from ninja import Field, Schema
from pydantic import field_validator

from access.tiers import Tier
from content.models import Chapter


class ChapterSummaryOut(Schema):
    id: int
    slug: str
    title: str
    summary: str
    order: int
    difficulty_level: Chapter.Difficulty
    estimated_minutes: int
    required_tier: Tier
    locked: bool = Field(description="True when the caller's tier does not open this chapter.")
    completed: bool = Field(False, description="True when the caller has completed it.")


class ChapterListOut(Schema):
    items: list[ChapterSummaryOut]
    count: int


class SectionInChapterOut(Schema):
    id: int
    title: str
    order: int
    content: str = Field(description="Markdown exactly as staff wrote it.")


MEDIA_URLS_DESCRIPTION = (
    "URLs of the media the Markdown references by name, as ![alt text](media:<name>): "
    "replace media:<name> with media_urls[name] when showing the text. Signed URLs expire "
    "after a few minutes; fetch the chapter or section again for fresh ones."
)


class MediaOut(Schema):
    id: int
    name: str = Field(description="Stable name; sections reference it as media:<name>.")
    public: bool
    title: str
    alt_text: str
    content_type: str
    size: int
    sha256: str
    url: str = Field(description="Presigned (expires in minutes) unless the asset is public.")


class ChapterOut(ChapterSummaryOut):
    sections: list[SectionInChapterOut]
    media: list[MediaOut]
    media_urls: dict[str, str] = Field(description=MEDIA_URLS_DESCRIPTION)
    quiz_id: int | None
    previous_id: int | None
    next_id: int | None


class AdjacentChapterOut(Schema):
    chapter: ChapterSummaryOut | None


class SectionOut(Schema):
    id: int
    chapter_id: int
    title: str
    order: int
    content: str = Field(description="Markdown exactly as staff wrote it.")
    media_urls: dict[str, str] = Field(description=MEDIA_URLS_DESCRIPTION)


class SearchParams(Schema):
    q: str = Field(
        min_length=1,
        max_length=200,
        description=(
            'Words or a question. "a phrase" must appear, -word must not; other words are '
            "ranked (a section sharing more, and rarer, words ranks higher)."
        ),
    )

    @field_validator("q")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("The query is blank.")
        return value


class SearchHitOut(Schema):
    chapter_id: int
    section_id: int
    chapter_title: str
    section_title: str
    snippet: str = Field(
        description="Body text around the matched words, which are wrapped in « and ». Empty "
        "when locked."
    )
    score: float = Field(description="Relevance, higher is better; compare within one response.")
    locked: bool = Field(description="True when the caller's tier does not open this chapter.")
    required_tier: Tier


class SearchOut(Schema):
    items: list[SearchHitOut]
    count: int
