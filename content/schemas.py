from ninja import Field, Schema

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
