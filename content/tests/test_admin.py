import pytest
from django.test import Client

from conftest import make_user
from content.models import Chapter, Section
from content.tests.admin_forms import chapter_form, inline_management
from coursecompanion.tests.factories import ChapterFactory, CourseFactory, SectionFactory

pytestmark = pytest.mark.django_db


def test_editor_creates_chapter_with_two_sections_and_api_serves_it(editor_client, anon_client):
    course = CourseFactory()
    assert editor_client.get("/admin/").status_code == 200
    assert editor_client.get("/admin/content/chapter/add/").status_code == 200
    markdown = "## Loops\n\n```python\nfor i in range(3):\n    print(i)\n```\n\n- keep *this*  \n"
    data = {
        "course": course.id,
        "title": "Loops",
        "slug": "loops",
        "order": 1,
        "summary": "Repeat things.",
        "difficulty_level": "beginner",
        "estimated_minutes": 10,
        "required_tier": "free",
        "published": "on",
        **inline_management("sections", 2, 0),
        "sections-0-order": 1,
        "sections-0-title": "For loops",
        "sections-0-content": markdown,
        "sections-1-order": 2,
        "sections-1-title": "While loops",
        "sections-1-content": "While *text*.",
    }
    response = editor_client.post("/admin/content/chapter/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    chapter = Chapter.objects.get(slug="loops")
    body = anon_client.get(f"/api/v1/chapters/{chapter.id}").json()
    assert [s["title"] for s in body["sections"]] == ["For loops", "While loops"]
    # Verbatim, including the trailing two spaces (a Markdown hard line break).
    assert body["sections"][0]["content"] == markdown


def test_editor_can_swap_section_positions(editor_client):
    chapter = ChapterFactory(slug="swap")
    first = SectionFactory(chapter=chapter, order=1, title="First")
    second = SectionFactory(chapter=chapter, order=2, title="Second")
    data = chapter_form(
        chapter,
        [
            {
                "id": first.id,
                "chapter": chapter.id,
                "order": 2,
                "title": first.title,
                "content": first.content,
            },
            {
                "id": second.id,
                "chapter": chapter.id,
                "order": 1,
                "title": second.title,
                "content": second.content,
            },
        ],
        initial=2,
    )
    response = editor_client.post(f"/admin/content/chapter/{chapter.id}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(Section.objects.filter(chapter=chapter).values_list("title", flat=True)) == [
        "Second",
        "First",
    ]


def test_duplicate_section_positions_are_refused_with_a_message(editor_client):
    course = CourseFactory()
    data = {
        "course": course.id,
        "title": "Dup",
        "slug": "dup",
        "order": 1,
        "summary": "",
        "difficulty_level": "beginner",
        "estimated_minutes": 10,
        "required_tier": "free",
        **inline_management("sections", 2, 0),
        "sections-0-order": 1,
        "sections-0-title": "A",
        "sections-0-content": "a",
        "sections-1-order": 1,
        "sections-1-title": "B",
        "sections-1-content": "b",
    }
    response = editor_client.post("/admin/content/chapter/add/", data)
    assert response.status_code == 200
    assert "Please correct the duplicate" in response.content.decode()
    assert not Chapter.objects.filter(slug="dup").exists()


def test_publish_and_unpublish_actions(editor_client, anon_client):
    chapter = ChapterFactory(published=False)
    SectionFactory(chapter=chapter)  # a chapter with no sections cannot be published
    anon_client.get("/api/v1/chapters")  # warm the cache: the action must invalidate it
    response = editor_client.post(
        "/admin/content/chapter/",
        {"action": "publish", "_selected_action": [chapter.id]},
    )
    assert response.status_code == 302
    chapter.refresh_from_db()
    assert chapter.published


def test_chapter_admin_links_to_its_api_json(editor_client):
    chapter = ChapterFactory()
    page = editor_client.get("/admin/content/chapter/").content.decode()
    assert f"/api/v1/chapters/{chapter.id}" in page


def test_admin_list_filters_and_search(editor_client):
    ChapterFactory(title="Generators in depth", required_tier="pro")
    page = editor_client.get("/admin/content/chapter/?q=Generators&required_tier__exact=pro")
    assert page.status_code == 200
    assert "Generators in depth" in page.content.decode()


def test_editor_cannot_touch_users_or_tiers(editor_client):
    student = make_user("someone@example.com")
    assert editor_client.get("/admin/access/user/").status_code == 403
    response = editor_client.post(
        f"/admin/access/user/{student.id}/change/", {"email": student.email, "tier": "pro"}
    )
    assert response.status_code == 403
    student.refresh_from_db()
    assert student.tier == "free"


def test_student_cannot_log_in_to_admin(db):
    make_user("plain@example.com")
    client = Client()
    client.login(username="plain@example.com", password="correct-horse-battery-9")
    assert client.get("/admin/").status_code == 302


def test_media_upload_records_metadata_and_shows_in_api(
    editor_client, anon_client, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    chapter = ChapterFactory()
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    response = editor_client.post(
        "/admin/content/mediaasset/add/",
        {
            "title": "Diagram",
            "alt_text": "A diagram",
            "chapter": chapter.id,
            "file": SimpleUploadedFile("diagram.png", png, content_type="image/png"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    media = anon_client.get(f"/api/v1/chapters/{chapter.id}").json()["media"]
    assert len(media) == 1
    assert media[0]["size"] == len(png)
    assert media[0]["content_type"] == "image/png"
    assert len(media[0]["sha256"]) == 64
    assert media[0]["url"].startswith("http://testserver/media/media/")
    listing = editor_client.get("/admin/content/mediaasset/").content.decode()
    assert "<img" in listing
