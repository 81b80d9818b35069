"""/admin/dashboard/: the teaching dashboard for editors (coursecompanion/dashboard.py has the
numbers, coursecompanion/charts.py draws them). Staff sessions only: a student's session, or
any API token, never reaches it (the admin sends them to its login page)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse

from coursecompanion import charts, dashboard

# Editors hold it; a staff account without the teaching role does not see grades.
DASHBOARD_PERMISSION = "quizzes.view_attempt"


def dashboard_view(request: HttpRequest) -> TemplateResponse:
    if not request.user.has_perm(DASHBOARD_PERMISSION):
        raise PermissionDenied
    filters = dashboard.parse_filters(request.GET)
    data = dashboard.dashboard(filters)
    active = data["active"]
    context = {
        **admin.site.each_context(request),
        "title": "Teaching dashboard",
        **data,
        "periods": dashboard.PERIODS,
        "active_total": sum(count for _, count in active),
        "active_chart": charts.column_chart(
            [(day.strftime("%b %d"), count) for day, count in active],
            label=f"Students active per day, last {filters.days} days",
            every=max(1, len(active) // 8),
        ),
        "funnel_chart": charts.bar_rows(
            [
                (
                    _chapter_label(row, with_course=not filters.course_id),
                    (row["started"], row["completed"]),
                )
                for row in data["funnel"]
            ],
            label="Completion funnel per chapter",
            legend=("started", "completed"),
        )
        if data["funnel"]
        else None,
        "quiz_chart": charts.bar_rows(
            [(row["quiz__title"], (round(100 * row["pass_rate"]),)) for row in data["quizzes"]],
            label="Quiz pass rate (share of attempts that passed)",
            scale=100,
            suffix="%",
        )
        if data["quizzes"]
        else None,
    }
    return TemplateResponse(request, "admin/dashboard.html", context)


def _chapter_label(row: dict, *, with_course: bool) -> str:
    label = f"{row['order']}. {row['title']}"
    return f"{row['course__title']} · {label}" if with_course else label


view = admin.site.admin_view(dashboard_view)
