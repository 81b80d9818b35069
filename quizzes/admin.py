import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from content import checks, history
from content.admin import warn_about
from content.admin_history import HistoryAdmin
from content.admin_preview import MarkdownTextarea
from coursecompanion.admin import OrderedChildrenAdminMixin, ReadOnlyAdminMixin
from quizzes import kinds, services
from quizzes.models import Attempt, Question, Quiz


def _save_quiz_with_questions(quiz: Quiz, questions: list[Question]) -> None:
    quiz.save()
    services.save_questions(quiz=quiz, questions=questions)


history.track(
    Quiz,
    children=(Question, "quiz_id", "order"),
    related_name="questions",
    parent_name="quiz",
    save=_save_quiz_with_questions,
)


def options_as_text(options: list[dict[str, Any]] | None) -> str:
    return "\n".join(f"{option['key']}: {option['text']}" for option in options or ())


def answer_as_text(kind: str, answer: Any) -> str:
    if answer is None:
        return ""
    question_kind = kinds.kind_of(kind)
    if question_kind is None:
        return answer if isinstance(answer, str) else json.dumps(answer)
    return question_kind.key_as_text(answer)


class QuestionForm(forms.ModelForm):
    """Options and the answer key as plain text an editor can type; converted to the stored
    JSON here, then checked against each other by Question.clean (the same rules as imports)."""

    options = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text="Choice questions: one option per line, as <code>A: text</code>.",
    )
    answer = forms.CharField(
        label="Answer key",
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=" ".join(kind.key_help for kind in kinds.KINDS.values()),
    )

    class Meta:
        model = Question
        fields = (
            "order",
            "kind",
            "prompt",
            "options",
            "answer",
            "tolerance",
            "rel_tolerance",
            "explanation",
            "points",
        )
        widgets = {
            "prompt": MarkdownTextarea({"rows": 3, "cols": 80}),
            "explanation": forms.Textarea(attrs={"rows": 2, "cols": 80}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["options"] = options_as_text(self.instance.options)
            self.initial["answer"] = answer_as_text(self.instance.kind, self.instance.answer)
        else:
            self.initial["options"] = ""
            self.initial.pop("answer", None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        kind = cleaned.get("kind")
        options_text = cleaned.get("options") or ""
        answer_text = (cleaned.get("answer") or "").strip()
        options = []
        for number, line in enumerate(options_text.splitlines(), start=1):
            if not line.strip():
                continue
            key, colon, text = line.partition(":")
            if not colon or not key.strip() or not text.strip():
                self.add_error("options", f"Line {number}: write each option as 'A: text'.")
                break
            options.append({"key": key.strip(), "text": text.strip()})
        cleaned["options"] = options
        if "answer" in cleaned:
            cleaned["answer"] = self._parse_answer(kind, answer_text)
        return cleaned

    def _parse_answer(self, kind: str | None, text: str) -> Any:
        question_kind = kinds.kind_of(kind)
        if question_kind is None:
            return text
        try:
            return question_kind.key_from_text(text)
        except kinds.FormError as error:
            self.add_error("answer", str(error))
            return None


class QuestionInline(admin.StackedInline):
    model = Question
    form = QuestionForm
    extra = 1
    ordering = ("order",)


@admin.register(Quiz)
class QuizAdmin(OrderedChildrenAdminMixin, HistoryAdmin):
    list_display = (
        "title",
        "chapter",
        "difficulty",
        "tier",
        "published",
        "question_count",
        "preview_link",
    )
    list_filter = ("published", "difficulty", "chapter__course", "chapter")
    search_fields = ("title", "slug", "questions__prompt")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("chapter",)
    list_select_related = ("chapter",)
    inlines = [QuestionInline]
    readonly_fields = ("preview_link",)
    fields = (
        "chapter",
        "title",
        "slug",
        "difficulty",
        "pass_percent",
        "partial_credit",
        "required_tier",
        "published",
        "preview_link",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                # distinct: searching by question prompt joins the questions a second time.
                num_questions=Count("questions", distinct=True)
            )
        )

    @admin.display(description="Tier", ordering="required_tier")
    def tier(self, quiz: Quiz) -> str:
        return quiz.required_tier or f"{quiz.chapter.required_tier} (chapter)"

    @admin.display(description="Questions", ordering="num_questions")
    def question_count(self, quiz: Quiz) -> int:
        count: int = quiz.num_questions  # type: ignore[attr-defined]  # get_queryset's annotation
        return count

    @admin.display(description="Preview")
    def preview_link(self, quiz: Quiz) -> str:
        if not quiz.pk:
            return "-"
        url = reverse("admin:quizzes_quiz_preview", args=[quiz.pk])
        api = reverse("api:getQuiz", kwargs={"quiz_id": quiz.pk})
        return format_html(
            '<a href="{}">As students see it</a> · <a href="{}" target="_blank">JSON</a>',
            url,
            api,
        )

    def get_urls(self):
        preview = path(
            "<path:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="quizzes_quiz_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request, object_id: str):
        quiz = self.get_object(request, object_id)
        if quiz is None:
            raise Http404("No such quiz.")
        if not self.has_view_permission(request, quiz):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": quiz,
            "title": f"Preview: {quiz.title}",
            "quiz": services.student_view(quiz, quiz.questions.all()),
        }
        return TemplateResponse(request, "admin/quizzes/quiz/preview.html", context)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        warn_about(request, checks.quiz_problems(form.instance), subject="Check")

    children_model = Question

    def save_ordered_children(self, parent: Quiz, children: list[Question]) -> None:
        services.save_questions(quiz=parent, questions=children)


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Students' attempts, read-only: they are graded records (re-grade with regrade_quiz)."""

    list_display = ("quiz", "user", "percent", "passed", "created_at")
    list_filter = ("passed", "quiz")
    search_fields = ("user__email", "quiz__title")
    list_select_related = ("quiz", "user")
    date_hierarchy = "created_at"
    readonly_fields = (
        "user",
        "quiz",
        "score",
        "max_score",
        "percent",
        "passed",
        "answers",
        "results",
        "idempotency_key",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        # Only superusers (e.g. erasing a student's data); editors can never drop grades.
        return request.user.is_superuser
