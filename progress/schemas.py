from datetime import date, datetime

from ninja import Field, Schema

from content.schemas import ChapterSummaryOut
from coursecompanion.schemas import RequestBody
from progress.models import ChapterProgress


class StreakOut(Schema):
    current_streak: int = Field(
        description="Consecutive local days with activity up to today or yesterday; 0 once a "
        "whole day was missed (the next activity starts again at 1)."
    )
    longest_streak: int = Field(description="The best streak ever; it never decreases.")
    last_checkin: date | None = Field(
        description="The last day with activity, in the student's time zone."
    )
    checked_in_today: bool
    today: date = Field(description="Today's date in the student's time zone.")
    timezone: str = Field(description="The student's IANA time zone that defines their days.")


class ChapterProgressOut(Schema):
    chapter_id: int
    title: str
    status: ChapterProgress.Status
    started_at: datetime
    completed_at: datetime | None


class ProgressOut(Schema):
    user_id: int
    completed_chapters: list[int] = Field(description="Completed chapter ids in course order.")
    current_chapter_id: int | None = Field(
        description="The in-progress chapter the student touched last, if any."
    )
    percent_complete: float = Field(
        description="0–100: completed share of the published chapters the student's tier opens."
    )
    last_activity: datetime | None
    chapters: list[ChapterProgressOut] = Field(description="Chapters started, in course order.")
    chapters_completed: int = Field(description="Completed chapters the student's tier opens.")
    chapters_total: int = Field(description="Published chapters the student's tier opens.")
    next_recommended: ChapterSummaryOut | None = Field(
        description="The first not-completed chapter in order that the tier opens; when every "
        "such chapter is done, the first locked one (locked: true, required_tier names the tier "
        "to upgrade to); null when everything is completed."
    )
    streak: StreakOut
    quizzes_attempted: int
    quizzes_passed: int
    average_quiz_score: float | None = Field(
        description="0–100: the mean of the student's best score on each quiz attempted."
    )


class ProgressIn(RequestBody):
    chapter_id: int
    status: ChapterProgress.Status = Field(
        description='"completed" (idempotent) or "in_progress" (also reopens a completed chapter).'
    )
