"""Read-only views for staff looking up a student's progress (search by the student's email).
Progress is written only by its services, never edited by hand."""

from typing import ClassVar

from django.contrib import admin

from coursecompanion.admin import ReadOnlyAdminMixin
from progress.models import ChapterProgress, DailyActivity, QuizResult, Streak


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    search_fields: ClassVar[list[str] | tuple[str, ...]] = ("user__email",)
    list_select_related: ClassVar[list[str] | tuple[str, ...]] = ("user",)
    list_per_page = 50

    # Any staff member may look (as the API lets staff read any student's progress); nobody
    # may add, change or delete rows here.
    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff


@admin.register(ChapterProgress)
class ChapterProgressAdmin(ReadOnlyAdmin):
    list_display = ("user", "chapter", "status", "started_at", "completed_at", "updated_at")
    list_filter = ("status", "chapter__course", "chapter")
    list_select_related = ("user", "chapter")
    ordering = ("user__email", "chapter__course_id", "chapter__order")


@admin.register(Streak)
class StreakAdmin(ReadOnlyAdmin):
    list_display = ("user", "current", "longest", "last_checkin", "last_activity_at")
    list_filter = ("last_checkin",)
    ordering = ("user__email",)


@admin.register(DailyActivity)
class DailyActivityAdmin(ReadOnlyAdmin):
    list_display = ("user", "day", "created_at")
    list_filter = ("day",)
    date_hierarchy = "day"
    ordering = ("user__email", "-day")


@admin.register(QuizResult)
class QuizResultAdmin(ReadOnlyAdmin):
    list_display = (
        "user",
        "quiz_id",
        "chapter_id",
        "best_percent",
        "last_percent",
        "attempts",
        "passed_at",
        "last_at",
    )
    list_filter = (("passed_at", admin.EmptyFieldListFilter), "last_at")
    ordering = ("user__email", "quiz_id")
