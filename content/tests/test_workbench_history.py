"""History with diff and revert, through the admin as an Editor."""

import pytest
from reversion.models import Version

from content.models import Course, MediaAsset, Section
from content.tests.admin_forms import chapter_form
from coursecompanion.tests.factories import (
    ChapterFactory,
    CourseFactory,
    QuestionFactory,
    QuizFactory,
    SectionFactory,
)
from quizzes.models import Question, Quiz

# Cache bumps run on commit: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)

OLD_TEXT = "## Loops\n\nRepeat *this*  \nverbatim, trailing spaces kept.\n"


def edit_url(chapter) -> str:
    return f"/admin/content/chapter/{chapter.id}/change/"


def test_edit_diff_and_revert_a_chapter_with_its_sections(editor_client, anon_client):
    chapter = ChapterFactory(title="Loops", slug="loops")
    first = SectionFactory(chapter=chapter, order=1, title="For", content=OLD_TEXT)
    second = SectionFactory(chapter=chapter, order=2, title="While", content="While text.")
    # Version 1: saved through the admin as it is.
    keep = [
        {"id": first.id, "chapter": chapter.id, "order": 1, "title": "For", "content": OLD_TEXT},
        {
            "id": second.id,
            "chapter": chapter.id,
            "order": 2,
            "title": "While",
            "content": "While text.",
        },
    ]
    assert (
        editor_client.post(edit_url(chapter), chapter_form(chapter, keep, initial=2)).status_code
        == 302
    )
    # Version 2: the first section rewritten, the second deleted, a third added, positions swapped.
    edited = [
        {
            "id": first.id,
            "chapter": chapter.id,
            "order": 2,
            "title": "For",
            "content": "Xylophone.",
        },
        {
            "id": second.id,
            "chapter": chapter.id,
            "order": 2,
            "title": "While",
            "content": "x",
            "DELETE": "on",
        },
        {"chapter": chapter.id, "order": 1, "title": "New", "content": "Added later."},
    ]
    response = editor_client.post(edit_url(chapter), chapter_form(chapter, edited, initial=2))
    assert response.status_code == 302, response.content.decode()[:2000]
    body = anon_client.get(f"/api/v1/chapters/{chapter.id}").json()  # cached now
    assert [s["content"] for s in body["sections"]] == ["Added later.", "Xylophone."]

    history = editor_client.get(f"/admin/content/chapter/{chapter.id}/history/")
    assert history.status_code == 200
    versions = list(Version.objects.get_for_object(chapter).order_by("pk"))
    assert len(versions) == 2
    page = history.content.decode()
    assert "editor@example.com" in page and "Revert to this version" in page

    diff = editor_client.get(f"/admin/content/chapter/{chapter.id}/history/{versions[1].pk}/diff/")
    assert diff.status_code == 200
    text = diff.content.decode()
    assert "Xylophone." in text and "Added&nbsp;later." in text and "While&nbsp;text." in text
    assert 'class="diff_sub"' in text or 'class="diff_chg"' in text
    against_now = editor_client.get(
        f"/admin/content/chapter/{chapter.id}/history/{versions[0].pk}/diff/?against=current"
    )
    assert "Xylophone." in against_now.content.decode()

    response = editor_client.post(
        f"/admin/content/chapter/{chapter.id}/history/{versions[0].pk}/revert/"
    )
    assert response.status_code == 302
    # Exactly the old sections, with their old ids, and the API (cache bumped) serves them verbatim.
    assert list(
        chapter.sections.order_by("order").values_list("id", "order", "title", "content")
    ) == [
        (first.id, 1, "For", OLD_TEXT),
        (second.id, 2, "While", "While text."),
    ]
    body = anon_client.get(f"/api/v1/chapters/{chapter.id}").json()
    assert [s["content"] for s in body["sections"]] == [OLD_TEXT, "While text."]
    section = anon_client.get(f"/api/v1/sections/{first.id}").json()
    assert section["content"] == OLD_TEXT
    # The search index followed the services.
    hits = anon_client.get("/api/v1/search", {"q": "verbatim"}).json()["items"]
    assert [hit["section_id"] for hit in hits] == [first.id]
    assert anon_client.get("/api/v1/search", {"q": "xylophone"}).json()["count"] == 0
    # The revert is itself a version, naming who reverted.
    latest = Version.objects.get_for_object(chapter).order_by("-pk").first()
    assert latest.pk > versions[1].pk
    assert latest.revision.user.email == "editor@example.com"
    assert "Reverted" in latest.revision.get_comment()


def test_revert_a_quiz_with_its_questions(editor_client, auth_client):
    quiz = QuizFactory(title="Old title")
    QuestionFactory(quiz=quiz, order=1, prompt="Kept?")
    with_revision = Version.objects.get_for_object(quiz)
    assert not with_revision.exists()
    import reversion

    with reversion.create_revision():
        reversion.add_to_revision(quiz)
    QuestionFactory(quiz=quiz, order=2, prompt="Added later")
    quiz.title = "New title"
    quiz.save()
    version = Version.objects.get_for_object(quiz).first()
    response = editor_client.post(f"/admin/quizzes/quiz/{quiz.id}/history/{version.pk}/revert/")
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert quiz.title == "Old title"
    assert list(Question.objects.filter(quiz=quiz).values_list("prompt", flat=True)) == ["Kept?"]
    body = auth_client.get(f"/api/v1/quizzes/{quiz.id}").json()
    assert [q["prompt"] for q in body["questions"]] == ["Kept?"]
    assert Quiz.objects.count() == 1


def test_media_metadata_and_courses_have_history(editor_client, settings, tmp_path):
    import reversion
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    asset = MediaAsset(title="Old", name="pic", alt_text="old alt", content_type="image/png")
    asset.file.save("pic.png", ContentFile(b"png"), save=False)
    with reversion.create_revision():
        asset.save()
    file_name = asset.file.name
    asset.alt_text, asset.title = "new alt", "New"
    asset.save()
    version = Version.objects.get_for_object(asset).first()
    assert "file" not in version.field_dict  # metadata only
    response = editor_client.post(
        f"/admin/content/mediaasset/{asset.id}/history/{version.pk}/revert/"
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert (asset.title, asset.alt_text, asset.file.name) == ("Old", "old alt", file_name)

    course = CourseFactory(title="Course A")
    with reversion.create_revision():
        course.save()
    Course.objects.filter(pk=course.pk).update(title="Course B")
    version = Version.objects.get_for_object(course).first()
    assert editor_client.get(f"/admin/content/course/{course.id}/history/").status_code == 200
    editor_client.post(f"/admin/content/course/{course.id}/history/{version.pk}/revert/")
    course.refresh_from_db()
    assert course.title == "Course A"


def test_a_section_edited_on_its_own_page_is_in_its_chapters_history(editor_client):
    chapter = ChapterFactory()
    section = SectionFactory(chapter=chapter, order=1, content="Before")
    response = editor_client.post(
        f"/admin/content/section/{section.id}/change/",
        {"chapter": chapter.id, "order": 1, "title": section.title, "content": "After"},
    )
    assert response.status_code == 302
    versions = Version.objects.get_for_object(chapter)
    assert versions.count() == 1
    redirect = editor_client.get(f"/admin/content/section/{section.id}/history/")
    assert redirect["Location"] == f"/admin/content/chapter/{chapter.id}/history/"


def test_students_never_reach_history_or_revert(client, user, editor_client):
    chapter = ChapterFactory()
    section = SectionFactory(chapter=chapter, order=1)
    fields = {"id": section.id, "chapter": chapter.id, "order": 1, "title": "T", "content": "C"}
    editor_client.post(edit_url(chapter), chapter_form(chapter, [fields], initial=1))
    version = Version.objects.get_for_object(chapter).first()
    client.force_login(user)
    for url in (
        f"/admin/content/chapter/{chapter.id}/history/",
        f"/admin/content/chapter/{chapter.id}/history/{version.pk}/diff/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post(f"/admin/content/chapter/{chapter.id}/history/{version.pk}/revert/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Section.objects.filter(chapter=chapter).count() == 1
