"""The teaching dashboard's numbers: what students do and where they struggle.

Every figure is one aggregate query over a period (and optionally one course); nothing loops
over students, so a page costs the same number of queries for 10 or 10,000 of them. Staff
accounts are left out of every count. The dashboard sits above all apps (like the API), so it
may read each app's tables."""

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from access.tiers import Tier
from content.models import Chapter, Course, SearchLog
from progress.models import DailyActivity
from quizzes.models import Attempt, Question, Quiz

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
TOP = 10
UPGRADE_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Filters:
    days: int = DEFAULT_PERIOD
    course_id: int | None = None
    now: datetime = field(default_factory=timezone.now)

    @property
    def since(self) -> datetime:
        return self.now - timedelta(days=self.days)

    @property
    def first_day(self) -> date:
        return timezone.localdate(self.now) - timedelta(days=self.days - 1)


def parse_filters(query: dict[str, str]) -> Filters:
    try:
        days = int(query.get("days", DEFAULT_PERIOD))
    except ValueError:
        days = DEFAULT_PERIOD
    try:
        course_id = int(query["course"]) if query.get("course") else None
    except ValueError:
        course_id = None
    return Filters(days=days if days in PERIODS else DEFAULT_PERIOD, course_id=course_id)


def active_students_per_day(filters: Filters) -> list[tuple[date, int]]:
    """Students with any activity on each day of the period (zero days included). Activity is
    not per course, so the course filter does not apply."""
    counts = dict(
        DailyActivity.objects.filter(day__gte=filters.first_day, user__is_staff=False)
        .values("day")
        .annotate(students=Count("id"))
        .values_list("day", "students")
    )
    today = timezone.localdate(filters.now)
    days = [
        filters.first_day + timedelta(days=n) for n in range((today - filters.first_day).days + 1)
    ]
    return [(day, counts.get(day, 0)) for day in days]


def completion_funnel(filters: Filters) -> list[dict[str, Any]]:
    """Per chapter, in course order: students who started it and who completed it in the period."""
    students = Q(progress__user__is_staff=False)
    chapters = Chapter.objects.published()
    if filters.course_id:
        chapters = chapters.filter(course_id=filters.course_id)
    rows = chapters.order_by("course__title", "course_id", "order").annotate(
        started=Count(
            "progress", filter=students & Q(progress__started_at__gte=filters.since), distinct=True
        ),
        completed=Count(
            "progress",
            filter=students & Q(progress__completed_at__gte=filters.since),
            distinct=True,
        ),
    )
    return list(rows.values("id", "title", "order", "course__title", "started", "completed"))


def quiz_pass_rates(filters: Filters) -> list[dict[str, Any]]:
    """Per quiz: attempts in the period, how many passed, and by how many students."""
    attempts = Attempt.objects.filter(created_at__gte=filters.since, user__is_staff=False)
    if filters.course_id:
        attempts = attempts.filter(quiz__chapter__course_id=filters.course_id)
    rows = (
        attempts.values("quiz_id", "quiz__title")
        .annotate(
            attempts=Count("id"),
            passed=Count("id", filter=Q(passed=True)),
            students=Count("user_id", distinct=True),
        )
        .order_by("quiz__chapter__course__title", "quiz__chapter__order", "quiz_id")
    )
    return [{**row, "pass_rate": row["passed"] / row["attempts"]} for row in rows]


# One row per answered question in every attempt's stored results (a JSON list), per vendor.
_ANSWERS = {
    "postgresql": {
        "elements": "CROSS JOIN LATERAL jsonb_array_elements(a.results) AS e(value)",
        "question_id": "(e.value->>'question_id')::bigint",
        "correct": "(e.value->>'correct')::boolean",
        "answer": "(e.value->'your_answer')::text",
    },
    "sqlite": {
        "elements": "JOIN json_each(a.results) AS e",
        "question_id": "json_extract(e.value, '$.question_id')",
        "correct": "json_extract(e.value, '$.correct')",
        "answer": "(e.value -> '$.your_answer')",
    },
}


def _course_join(filters: Filters, params: dict[str, Any]) -> str:
    if not filters.course_id:
        return ""
    params["course_id"] = filters.course_id
    return """
        JOIN quizzes_quiz q ON q.id = a.quiz_id
        JOIN content_chapter c ON c.id = q.chapter_id AND c.course_id = %(course_id)s
    """


def most_missed_questions(filters: Filters) -> list[dict[str, Any]]:
    """The questions answered wrong most often (by share), each with its most common wrong
    answer, from the per-question results stored with every attempt."""
    spelling = _ANSWERS[connection.vendor]
    params: dict[str, Any] = {"since": filters.since, "top": TOP}
    sql = f"""
        WITH answers AS (
            SELECT {spelling["question_id"]} AS question_id,
                   {spelling["correct"]} AS correct,
                   {spelling["answer"]} AS answer
            FROM quizzes_attempt a
            {spelling["elements"]}
            JOIN access_user u ON u.id = a.user_id
            {_course_join(filters, params)}
            WHERE a.created_at >= %(since)s AND NOT u.is_staff
        ),
        totals AS (
            SELECT question_id, COUNT(*) AS answered,
                   SUM(CASE WHEN correct THEN 0 ELSE 1 END) AS wrong
            FROM answers GROUP BY question_id
        ),
        wrong_answers AS (
            SELECT question_id, answer, COUNT(*) AS times,
                   ROW_NUMBER() OVER (
                       PARTITION BY question_id ORDER BY COUNT(*) DESC, answer
                   ) AS position
            FROM answers WHERE NOT correct GROUP BY question_id, answer
        )
        SELECT t.question_id, t.answered, t.wrong, w.answer, w.times
        FROM totals t
        LEFT JOIN wrong_answers w ON w.question_id = t.question_id AND w.position = 1
        WHERE t.wrong > 0
        ORDER BY 1.0 * t.wrong / t.answered DESC, t.wrong DESC, t.question_id
        LIMIT %(top)s
    """  # noqa: S608  (only constants are formatted in; values are bound)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    earlier = (
        Question.objects.filter(quiz_id=OuterRef("quiz_id"), order__lt=OuterRef("order"))
        .values("quiz_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    questions = Question.objects.select_related("quiz").annotate(
        # The question's place in its quiz's inline form (the admin orders inlines by order).
        position=Coalesce(Subquery(earlier, output_field=IntegerField()), 0)
    )
    by_id = questions.in_bulk([row[0] for row in rows])
    missed = []
    for question_id, answered, wrong, answer, times in rows:
        question = by_id.get(question_id)
        if question is None:
            continue  # deleted since it was answered
        missed.append(
            {
                "question": question,
                "answered": answered,
                "wrong": wrong,
                "share_wrong": wrong / answered,
                "common_wrong_answer": _readable_answer(answer),
                "common_wrong_times": times or 0,
            }
        )
    return missed


def _readable_answer(stored: str | None) -> str:
    if stored is None:
        return ""
    try:
        value = json.loads(stored)
    except (TypeError, ValueError):
        return str(stored)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if value is None:
        return "(no answer)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def search_gaps(filters: Filters) -> list[dict[str, Any]]:
    """Queries that found nothing or only locked hits, most asked first. Search spans every
    course, so the course filter does not apply."""
    return list(
        SearchLog.objects.filter(day__gte=filters.first_day)
        .values("query")
        .annotate(
            times=Count("id"),
            no_hits=Count("id", filter=Q(outcome=SearchLog.Outcome.NO_HITS)),
            locked_only=Count("id", filter=Q(outcome=SearchLog.Outcome.LOCKED_ONLY)),
            last_day=Max("day"),
        )
        .order_by("-times", "query")[:TOP]
    )


def _upgrade_condition() -> str:
    """SQL: the tier change `t` raises the tier (ranks live in code, so spelled out here)."""
    ranked = list(Tier)
    pairs = [
        f"(t.from_tier = '{low.value}' AND t.to_tier = '{high.value}')"
        for low in ranked
        for high in ranked
        if high.rank > low.rank
    ]
    return "(" + " OR ".join(pairs) + ")"


_WITHIN_UPGRADE_WINDOW = {
    "postgresql": f"t.created_at <= w.first_at + interval '{UPGRADE_WINDOW_DAYS} days'",
    "sqlite": f"julianday(t.created_at) - julianday(w.first_at) <= {UPGRADE_WINDOW_DAYS}",
}


def upgrade_wall(filters: Filters) -> dict[str, Any]:
    """The locked chapters and quizzes students reach for most (refused reads and refused
    /access/check answers in the period), and how many of those students upgraded within
    UPGRADE_WINDOW_DAYS of their first refusal there."""
    params: dict[str, Any] = {"since": filters.since, "top": TOP}
    resource_filter = ""
    if filters.course_id:
        chapters = Chapter.objects.filter(course_id=filters.course_id)
        resources = [f"chapter:{pk}" for pk in chapters.values_list("pk", flat=True)] + [
            f"quiz:{pk}"
            for pk in Quiz.objects.filter(chapter__in=chapters).values_list("pk", flat=True)
        ]
        names = []
        for index, resource in enumerate(resources):
            params[f"resource{index}"] = resource
            names.append(f"%(resource{index})s")
        resource_filter = f" AND l.resource IN ({', '.join(names) or 'NULL'})"
    sql = f"""
        WITH walls AS (
            SELECT l.resource, l.user_id, MIN(l.created_at) AS first_at, COUNT(*) AS refusals
            FROM access_logs l JOIN access_user u ON u.id = l.user_id
            WHERE NOT l.granted AND NOT u.is_staff AND l.created_at >= %(since)s{resource_filter}
            GROUP BY l.resource, l.user_id
        )
        SELECT w.resource, COUNT(*) AS students, SUM(w.refusals) AS refusals,
               SUM(CASE WHEN EXISTS (
                   SELECT 1 FROM access_tierchange t
                   WHERE t.user_id = w.user_id AND t.created_at >= w.first_at
                     AND {_WITHIN_UPGRADE_WINDOW[connection.vendor]} AND {_upgrade_condition()}
               ) THEN 1 ELSE 0 END) AS upgraded
        FROM walls w
        GROUP BY w.resource
        ORDER BY students DESC, refusals DESC, w.resource
        LIMIT %(top)s
    """  # noqa: S608  (only constants and placeholders are formatted in)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    ids: dict[str, list[int]] = {"chapter": [], "quiz": []}
    for resource, *_ in rows:
        kind, _, object_id = resource.partition(":")
        if kind in ids and object_id.isdigit():
            ids[kind].append(int(object_id))
    titles = {
        f"chapter:{pk}": title
        for pk, title in Chapter.objects.filter(pk__in=ids["chapter"]).values_list("pk", "title")
    }
    titles |= {
        f"quiz:{pk}": title
        for pk, title in Quiz.objects.filter(pk__in=ids["quiz"]).values_list("pk", "title")
    }
    return {
        "rows": [
            {
                "resource": resource,
                "kind": resource.partition(":")[0],
                "object_id": resource.partition(":")[2],
                "title": titles.get(resource, resource),
                "students": students,
                "refusals": refusals,
                "upgraded": upgraded,
            }
            for resource, students, refusals, upgraded in rows
        ]
    }


def dashboard(filters: Filters) -> dict[str, Any]:
    return {
        "filters": filters,
        "courses": list(Course.objects.order_by("title").values("id", "title")),
        "active": active_students_per_day(filters),
        "funnel": completion_funnel(filters),
        "quizzes": quiz_pass_rates(filters),
        "missed": most_missed_questions(filters),
        "search_gaps": search_gaps(filters),
        "wall": upgrade_wall(filters),
    }
