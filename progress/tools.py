"""The MCP front door for progress and streaks (beside api.py): always the caller's own."""

from typing import Annotated

from mcp_types import CallToolResult
from pydantic import Field

from coursecompanion import presenters
from coursecompanion.mcp_tools import caller, student_tool, tool_result
from progress.models import ChapterProgress
from progress.schemas import ProgressOut, StreakOut

MINE = "me"


def _summary(progress: dict) -> str:
    return (
        f"{progress['chapters_completed']} of {progress['chapters_total']} chapters completed; "
        f"streak {progress['streak'].current_streak} days."
    )


@student_tool(title="Get my progress", operation="getProgress", widget="progress-dashboard")
def get_progress() -> Annotated[CallToolResult, ProgressOut]:
    """The student's progress: chapters completed of those their tier opens, the next
    recommended chapter, the streak and quiz record. Answers "how am I doing?"."""
    progress = presenters.progress(caller().credential, user_id=MINE)
    return tool_result(ProgressOut, progress, text=_summary(progress))


@student_tool(
    title="Update chapter progress",
    operation="updateProgress",
    scope="write",
    read_only=False,
    widget="progress-dashboard",
)
def update_progress(
    chapter_id: Annotated[int, Field(description="The chapter the student worked on.")],
    status: Annotated[
        ChapterProgress.Status,
        Field(description='"completed" (idempotent) or "in_progress" (also reopens one).'),
    ],
) -> Annotated[CallToolResult, ProgressOut]:
    """Mark a chapter in progress or completed for the student; returns their progress."""
    progress = presenters.update_progress(
        caller().credential, user_id=MINE, chapter_id=chapter_id, status=status
    )
    return tool_result(ProgressOut, progress, text=_summary(progress))


@student_tool(title="Get my streak", operation="getStreak", widget="progress-dashboard")
def get_streak() -> Annotated[CallToolResult, StreakOut]:
    """The student's daily streak in their own time zone, and whether they checked in today."""
    streak = presenters.streak(caller().credential, user_id=MINE)
    return tool_result(StreakOut, streak, text=f"Streak: {streak.current_streak} days.")


@student_tool(
    title="Check in for today",
    operation="checkIn",
    scope="write",
    read_only=False,
    widget="progress-dashboard",
)
def check_in() -> Annotated[CallToolResult, StreakOut]:
    """Check the student in for today (idempotent within their day); returns the streak."""
    streak = presenters.check_in(caller().credential, user_id=MINE)
    return tool_result(StreakOut, streak, text=f"Checked in; streak {streak.current_streak} days.")
