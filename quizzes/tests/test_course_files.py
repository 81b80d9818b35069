import io
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from content import course_export, course_import
from content.course_files import CourseFileError
from content.management.commands.load_demo_course import DEMO_COURSE_DIR
from content.models import Chapter, Course
from coursecompanion.tests.factories import QuestionFactory, QuizFactory
from quizzes import grading
from quizzes.course_files import QUIZ_FILE, export_quiz
from quizzes.models import Question, Quiz

pytestmark = pytest.mark.django_db


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


QUIZ_YAML = """\
slug: tiny-quiz
title: Tiny quiz
difficulty: intermediate
pass_percent: 60
partial_credit: true
published: true
questions:
  - order: 1
    kind: single
    prompt: Pick B.
    options:
      A: "no"
      B: "yes"
    answer: B
    explanation: B it is.
    points: 2
  - order: 2
    kind: numeric
    prompt: Two plus two?
    answer: 4
    tolerance: 0
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path / "course.yaml", "slug: tiny\ntitle: Tiny\npublished: true\n")
    chapter = tmp_path / "chapters" / "01-ch1"
    write(
        chapter / "chapter.md", "---\nslug: ch1\ntitle: One\norder: 1\npublished: true\n---\nS.\n"
    )
    write(chapter / QUIZ_FILE, QUIZ_YAML)
    return tmp_path


def quiz_file(folder: Path) -> Path:
    return folder / "chapters" / "01-ch1" / QUIZ_FILE


def test_import_creates_the_quiz_and_is_idempotent(folder):
    report = course_import.import_course(directory=folder, write=True)
    assert {"quiz tiny-quiz", "question tiny-quiz/1", "question tiny-quiz/2"} <= set(report.created)
    quiz = Quiz.objects.get(slug="tiny-quiz")
    assert (quiz.chapter.slug, quiz.pass_percent, quiz.partial_credit) == ("ch1", 60, True)
    first, second = quiz.questions.all()
    assert first.options == [{"key": "A", "text": "no"}, {"key": "B", "text": "yes"}]
    assert (first.answer, first.points, second.answer, second.tolerance) == ("B", 2, 4, 0)
    stamps = sorted(Question.objects.values_list("updated_at", flat=True))

    again = course_import.import_course(directory=folder, write=True)
    assert not again.changed
    assert sorted(Question.objects.values_list("updated_at", flat=True)) == stamps


def test_import_updates_and_deletes_questions(folder):
    course_import.import_course(directory=folder, write=True)
    text = QUIZ_YAML.replace("answer: B", "answer: A").split("  - order: 2")[0]
    write(quiz_file(folder), text)
    report = course_import.import_course(directory=folder, write=True)
    assert report.updated == ["question tiny-quiz/1"]
    assert report.deleted == ["question tiny-quiz/2"]
    assert Question.objects.get().answer == "A"


def test_a_folder_without_quiz_yaml_leaves_quizzes_alone(folder):
    course_import.import_course(directory=folder, write=True)
    quiz_file(folder).unlink()
    report = course_import.import_course(directory=folder, write=True)
    assert not report.changed
    assert Quiz.objects.filter(slug="tiny-quiz").exists()


@pytest.mark.parametrize(
    ("replace", "by", "line", "fragment"),
    [
        ("answer: B", "answer: E", 8, 'question 1: The answer key "E" is not one of'),
        ("answer: 4", "answer: four", 17, "question 2: The answer key of a numeric"),
        ("kind: numeric", "kind: essay", 17, "question 2: kind must be one of"),
        ("    points: 2\n", "    points: 2\n    hint: no\n", 8, "unknown field(s): hint"),
        ("pass_percent: 60", "pass_percent: 160", 1, "pass_percent"),
        ("  - order: 2", "  - order: 1", 17, "two questions have order 1"),
        ("questions:", "questionz:", 7, "unknown field(s): questionz"),
        ("title: Tiny quiz", "title: [oops", 3, "invalid YAML"),
    ],
)
def test_import_errors_name_the_file_and_line(folder, replace, by, line, fragment):
    write(quiz_file(folder), QUIZ_YAML.replace(replace, by))
    with pytest.raises(CourseFileError) as raised:
        course_import.import_course(directory=folder, write=True)
    assert f"01-ch1/quiz.yaml:{line}:" in raised.value.message
    assert fragment in raised.value.message
    assert not Course.objects.exists()  # the whole import was rolled back


def test_quiz_slug_of_another_chapter_is_refused(folder):
    QuizFactory(slug="tiny-quiz")
    with pytest.raises(CourseFileError) as raised:
        course_import.import_course(directory=folder, write=True)
    assert "already belongs to chapter" in raised.value.message


def test_export_import_export_gives_the_same_bytes(tmp_path):
    quiz = QuizFactory(
        slug="round-trip",
        title="Quiz: «Ünïcode» & quotes 'here'",
        difficulty="advanced",
        pass_percent=55,
        partial_credit=True,
        required_tier="pro",
        published=False,
    )
    QuestionFactory(
        quiz=quiz,
        order=1,
        prompt="Multi-line\n\n```python\nprint('hi')\n```\n",
        options=[{"key": "Y", "text": "yes"}, {"key": "N", "text": "on"}, {"key": "1", "text": ""}],
        answer="N",
    )
    QuestionFactory(quiz=quiz, order=2, kind="multiple", answer=["D", "A"], points=3)
    QuestionFactory(quiz=quiz, order=3, kind="true_false", options=[], answer=False)
    QuestionFactory(quiz=quiz, order=4, kind="short", options=[], answer=["naïve", "  x "])
    QuestionFactory(
        quiz=quiz,
        order=5,
        kind="numeric",
        options=[],
        answer=0.1,
        tolerance=0.05,
        rel_tolerance=0.001,
        explanation="",
    )
    chapter = quiz.chapter
    exported = export_quiz(chapter=chapter)[QUIZ_FILE]
    assert yaml.safe_load(exported)["questions"][1]["answer"] == ["D", "A"]

    write(tmp_path / "course.yaml", "slug: rt\ntitle: RT\npublished: true\n")
    write(
        tmp_path / "chapters" / "01-x" / "chapter.md",
        f"---\nslug: {chapter.slug}\ntitle: X\norder: 1\nrequired_tier: pro\n---\nS.\n",
    )
    (tmp_path / "chapters" / "01-x" / QUIZ_FILE).write_bytes(exported)
    Course.objects.all().delete()
    assert not Quiz.objects.exists()

    course_import.import_course(directory=tmp_path, write=True)
    reimported = Chapter.objects.get(slug=chapter.slug)
    assert export_quiz(chapter=reimported)[QUIZ_FILE] == exported
    assert (
        export_quiz(
            chapter=Chapter.objects.create(course=reimported.course, slug="e", title="E", order=2)
        )
        == {}
    )


def test_exporter_and_importer_are_registered():
    from quizzes.course_files import import_quiz

    assert course_import.chapter_part_importers.count(import_quiz) == 1
    assert course_export.chapter_part_exporters.count(export_quiz) == 1


def test_load_demo_course_loads_a_mixed_quiz_per_chapter():
    out = io.StringIO()
    call_command("load_demo_course", "--write", stdout=out)
    chapter_folders = sorted(p for p in (DEMO_COURSE_DIR / "chapters").iterdir() if p.is_dir())
    chapters = list(Chapter.objects.all())
    assert len(chapters) == len(chapter_folders) == 7
    for chapter in chapters:
        (quiz,) = chapter.quizzes.all()
        questions = list(quiz.questions.all())
        assert 4 <= len(questions) <= 8, quiz.slug
        assert len({question.kind for question in questions}) >= 3, quiz.slug
        assert quiz.published
        for question in questions:
            question.full_clean()
            assert question.explanation
            assert (
                grading.question_problems(
                    kind=question.kind,
                    option_keys=question.option_keys,
                    answer=question.answer,
                    tolerance=question.tolerance,
                    rel_tolerance=question.rel_tolerance,
                )
                == {}
            )
    assert {q.kind for q in Question.objects.all()} == set(grading.KINDS)

    stamps = sorted(Question.objects.values_list("updated_at", flat=True))
    out = io.StringIO()
    call_command("load_demo_course", "--write", stdout=out)
    assert "0 created, 0 updated, 0 deleted" in out.getvalue()
    assert sorted(Question.objects.values_list("updated_at", flat=True)) == stamps
