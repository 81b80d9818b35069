import uuid
from pathlib import PurePosixPath

from django.db import models
from django.db.models import Q

from access.models import is_staff
from access.tiers import Tier
from content import scheduling
from coursecompanion.models import TimestampedModel


class Course(TimestampedModel):
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    published = models.BooleanField(default=False)

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["slug"], name="course_unique_slug")]

    def __str__(self) -> str:
        return self.title


class ChapterQuerySet(models.QuerySet):
    def marked_published(self) -> "ChapterQuerySet":
        """Published by flag, whatever the schedule (for caches that apply the window later)."""
        return self.filter(published=True, course__published=True)

    def published(self) -> "ChapterQuerySet":
        return self.marked_published().filter(scheduling.live_q())

    def visible_to(self, user) -> "ChapterQuerySet":
        """Drafts are for staff only; everyone else sees published chapters of published courses."""
        if is_staff(user):
            return self.all()
        return self.published()


class Chapter(TimestampedModel):
    class Difficulty(models.TextChoices):
        BEGINNER = "beginner", "Beginner"
        INTERMEDIATE = "intermediate", "Intermediate"
        ADVANCED = "advanced", "Advanced"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="chapters")
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    order = models.PositiveIntegerField()
    difficulty_level = models.CharField(
        max_length=16, choices=Difficulty.choices, default=Difficulty.BEGINNER
    )
    estimated_minutes = models.PositiveIntegerField(default=15)
    required_tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.FREE)
    published = models.BooleanField(default=False)
    publish_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Optional: a published chapter stays hidden from students until then.",
    )
    unpublish_at = models.DateTimeField(
        null=True, blank=True, help_text="Optional: students stop seeing the chapter from then."
    )

    objects = ChapterQuerySet.as_manager()

    class Meta:
        ordering = ["course_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["course", "order"], name="chapter_unique_order"),
            models.UniqueConstraint(fields=["course", "slug"], name="chapter_unique_slug"),
            models.CheckConstraint(
                condition=Q(publish_at__isnull=True)
                | Q(unpublish_at__isnull=True)
                | Q(unpublish_at__gt=models.F("publish_at")),
                name="chapter_unpublish_after_publish",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    @property
    def window(self) -> scheduling.Window:
        return (self.publish_at, self.unpublish_at)


class SectionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SectionQuerySet":
        if is_staff(user):
            return self.all()
        return self.marked_published().filter(scheduling.live_q(prefix="chapter__"))

    def marked_published(self) -> "SectionQuerySet":
        return self.filter(chapter__published=True, chapter__course__published=True)


class Section(TimestampedModel):
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    content = models.TextField(help_text="Markdown, served to students exactly as written.")

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["chapter_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["chapter", "order"], name="section_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.chapter.title} / {self.order}. {self.title}"


def media_upload_path(instance: "MediaAsset", filename: str) -> str:
    # A UUID in every key: uploads never overwrite an existing object, even with the same name.
    name = PurePosixPath(filename).name
    return f"media/{uuid.uuid4().hex}/{name}"


class MediaAsset(TimestampedModel):
    file = models.FileField(upload_to=media_upload_path, max_length=300)
    title = models.CharField(max_length=200)
    name = models.SlugField(
        max_length=100,
        blank=True,
        db_index=False,  # the unique constraint below is the index
        help_text="Stable name sections use to show it: ![alt text](media:name). "
        "Left empty, it is made from the title.",
    )
    public = models.BooleanField(
        default=False,
        help_text="Served unsigned through the public media domain (R2_PUBLIC_DOMAIN), e.g. a "
        "course logo. Otherwise every link is a short-lived signed URL.",
    )
    alt_text = models.CharField(max_length=300, blank=True)
    chapter = models.ForeignKey(
        Chapter, on_delete=models.SET_NULL, null=True, blank=True, related_name="media"
    )
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256="") | Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="mediaasset_sha256_hex",
            ),
            models.UniqueConstraint(fields=["name"], name="mediaasset_unique_name"),
            models.CheckConstraint(condition=~Q(name=""), name="mediaasset_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title


class SearchLog(models.Model):
    """A search that found nothing, or only locked hits: what students ask that the course does
    not answer. Normalised query text and the day only, never who asked."""

    class Outcome(models.TextChoices):
        NO_HITS = "no_hits", "No hits"
        LOCKED_ONLY = "locked_only", "Only locked hits"

    query = models.CharField(max_length=200)
    day = models.DateField(db_index=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)

    def __str__(self) -> str:
        return f"{self.day} {self.query!r} ({self.outcome})"
