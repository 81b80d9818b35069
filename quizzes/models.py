from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from access.models import is_staff
from access.tiers import Tier
from content import scheduling
from content.models import Chapter
from coursecompanion.models import TimestampedModel
from quizzes import grading, kinds


class QuizQuerySet(models.QuerySet):
    def published(self) -> "QuizQuerySet":
        return self.filter(
            scheduling.live_q(prefix="chapter__"),
            published=True,
            chapter__published=True,
            chapter__course__published=True,
        )

    def visible_to(self, user) -> "QuizQuerySet":
        """Drafts (or quizzes in draft chapters) are for staff only."""
        if is_staff(user):
            return self.all()
        return self.published()


class Quiz(TimestampedModel):
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="quizzes")
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=200)
    difficulty = models.CharField(
        max_length=16, choices=Chapter.Difficulty.choices, default=Chapter.Difficulty.BEGINNER
    )
    pass_percent = models.PositiveSmallIntegerField(
        default=70, validators=[MaxValueValidator(100)], help_text="Percent needed to pass."
    )
    partial_credit = models.BooleanField(
        default=False,
        help_text="Multiple-choice questions earn a share of their points for a partly right "
        "answer (each wrong choice cancels a right one). Otherwise all or nothing.",
    )
    # NULL, not "", means "the chapter's tier": no tier is spelled "".
    required_tier = models.CharField(  # noqa: DJ001
        max_length=16,
        choices=Tier.choices,
        null=True,
        blank=True,
        help_text="Empty: the chapter's tier. A quiz is never more open than its chapter.",
    )
    published = models.BooleanField(default=False)

    objects = QuizQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "quizzes"
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="quiz_unique_slug"),
            models.CheckConstraint(
                condition=Q(pass_percent__lte=100), name="quiz_pass_percent_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.required_tier and self.chapter_id:
            chapter_tier = Tier(self.chapter.required_tier)
            if Tier(self.required_tier).rank < chapter_tier.rank:
                raise ValidationError(
                    {
                        "required_tier": f"The chapter needs the {chapter_tier.value} tier; its "
                        "quiz cannot be more open. Leave this empty to follow the chapter."
                    }
                )

    @property
    def effective_tier(self) -> Tier:
        """The tier that opens this quiz: its own, or its chapter's, whichever is higher."""
        chapter_tier = Tier(self.chapter.required_tier)
        if not self.required_tier:
            return chapter_tier
        return max(chapter_tier, Tier(self.required_tier), key=lambda tier: tier.rank)


class Question(TimestampedModel):
    # One member per kind of quizzes/kinds.py's table (SINGLE = "single", "Single choice", ...).
    # (django-stubs types only the class syntax of TextChoices, not this functional one.)
    Kind = models.TextChoices(  # type: ignore[call-overload]
        "Kind", [(code.upper(), (code, kind.label)) for code, kind in kinds.KINDS.items()]
    )

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    prompt = models.TextField(help_text="Markdown, shown to students as written.")
    options = models.JSONField(
        default=list, blank=True, help_text='Choice questions: [{"key": "A", "text": "..."}].'
    )
    answer = models.JSONField(
        help_text='The key: "B" (single), ["A", "C"] (multiple), true (true/false), '
        '["accepted", "answers"] (short), 3.14 (numeric). Never shown before a submit.'
    )
    tolerance = models.FloatField(
        null=True, blank=True, help_text="Numeric only: accepted absolute difference."
    )
    rel_tolerance = models.FloatField(
        null=True, blank=True, help_text="Numeric only: accepted difference relative to the key."
    )
    explanation = models.TextField(blank=True, help_text="Shown after the student submits.")
    points = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["quiz_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "order"], name="question_unique_order"),
            models.CheckConstraint(condition=Q(points__gte=1), name="question_points_positive"),
            models.CheckConstraint(
                condition=Q(tolerance__isnull=True) | Q(tolerance__gte=0),
                name="question_tolerance_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(rel_tolerance__isnull=True) | Q(rel_tolerance__gte=0),
                name="question_rel_tolerance_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz} Q{self.order}"

    def clean(self) -> None:
        if not isinstance(self.options, list) or not all(
            isinstance(option, dict) and set(option) == {"key", "text"} for option in self.options
        ):
            raise ValidationError(
                {"options": 'Options are a list of {"key": "A", "text": "..."} objects.'}
            )
        problems = grading.question_problems(
            kind=self.kind,
            option_keys=self.option_keys,
            answer=self.answer,
            tolerance=self.tolerance,
            rel_tolerance=self.rel_tolerance,
        )
        if problems:
            raise ValidationError(problems)

    @property
    def option_keys(self) -> tuple[str, ...]:
        return tuple(str(option["key"]) for option in self.options or ())

    def spec(self) -> grading.QuestionSpec:
        """This question as the pure grading functions see it."""
        return grading.QuestionSpec(
            id=self.id,
            kind=self.kind,
            answer=self.answer,
            options=self.option_keys,
            points=self.points,
            tolerance=self.tolerance,
            rel_tolerance=self.rel_tolerance,
            explanation=self.explanation,
        )


class Attempt(TimestampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    answers = models.JSONField(help_text="As submitted: {question id: answer}.")
    score = models.FloatField()
    max_score = models.PositiveIntegerField()
    percent = models.FloatField()
    passed = models.BooleanField()
    results = models.JSONField(help_text="Per-question feedback, as returned to the student.")
    # NULL means "sent without a key"; the unique constraint covers only the rows with a key.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    request_fingerprint = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the submitted body (idempotent replays)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="attempt_unique_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=models.F("max_score")),
                name="attempt_score_in_range",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100),
                name="attempt_percent_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "quiz", "created_at"], name="attempt_user_quiz_created"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.quiz}: {self.percent:g}%"
