"""The editors' live preview and the content checks, through the admin as an Editor."""

import json
from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile

from conftest import bearer_client, make_user
from content import checks, markdown_preview
from content.models import Chapter, MediaAsset
from content.tests.admin_forms import inline_management
from coursecompanion.tests.factories import (
    ChapterFactory,
    CourseFactory,
    QuestionFactory,
    QuizFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db
PREVIEW = "/admin/preview/markdown/"

XSS = """# Title <script>alert("x")</script>

<img src="x" onerror="alert(1)"> <a href="javascript:alert(2)" onclick="alert(3)">click</a>

[link](javascript:alert(4)) <iframe src="https://evil.example"></iframe>
<svg onload="alert(5)"></svg> <p style="background:url(javascript:alert(6))">styled</p>
"""


def preview(client, text: str):
    return client.post(PREVIEW, json.dumps({"text": text}), content_type="application/json")


def test_preview_neutralises_an_xss_payload(editor_client):
    response = preview(editor_client, XSS)
    assert response.status_code == 200
    html = response.json()["html"]
    elements = ElementsOf()
    elements.feed(html)
    assert {tag for tag, _ in elements.seen} <= markdown_preview.ALLOWED_TAGS
    for tag, attributes in elements.seen:
        for name, value in attributes:
            assert not name.startswith("on") and name != "style", (tag, name)
            assert not (value or "").strip().lower().startswith("javascript"), (tag, name)
    assert "<h1>Title </h1>" in html
    assert "click</a>" in html  # the link text stays, without its script
    assert "alert(" not in html.replace("[link](javascript:alert(4))", "")  # shown as text only


class ElementsOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.seen.append((tag, attrs))


def test_preview_renders_commonmark_tables_and_fenced_code(editor_client):
    text = "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```python\nprint('<hi>')\n```\n\n*em* **strong**\n"
    html = preview(editor_client, text).json()["html"]
    assert "<table>" in html and '<td style="text-align:left">1</td>' in html
    assert "<pre><code class=\"language-python\">print('&lt;hi&gt;')" in html
    assert "<em>em</em> <strong>strong</strong>" in html


def test_preview_resolves_media_names_and_flags_unknown_ones(editor_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    asset = MediaAsset(title="Diagram", name="diagram", content_type="image/png")
    asset.file.save("diagram.png", ContentFile(b"png"), save=False)
    asset.save()
    body = preview(editor_client, "![A diagram](media:diagram)\n\n![gone](media:missing)").json()
    assert f'<img src="{asset.file.url}" alt="A diagram">' in body["html"]
    assert body["unknown_media"] == ["missing"]
    assert 'title="Unknown media: missing"' in body["html"]


def test_preview_resolves_media_as_the_api_does_for_the_chapter(editor_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    own, other = ChapterFactory(), ChapterFactory()
    for name, chapter in (("own", own), ("others", other), ("shared", None)):
        asset = MediaAsset(title=name, name=name, chapter=chapter, content_type="image/png")
        asset.file.save(f"{name}.png", ContentFile(b"png"), save=False)
        asset.save()
    text = "![](media:own) ![](media:others) ![](media:shared)"

    def unknown(chapter):
        body = json.dumps({"text": text, "chapter": chapter})
        response = editor_client.post(PREVIEW, body, content_type="application/json")
        return response.json()["unknown_media"]

    assert unknown(own.id) == ["others"]  # another chapter's asset: the API would not serve it
    assert unknown(0) == ["own", "others"]  # a chapter not saved yet owns no assets
    assert unknown(None) == []
    page = editor_client.get(f"/admin/content/chapter/{own.id}/change/").content.decode()
    assert f'data-chapter="{own.id}"' in page


def test_preview_refuses_bad_bodies_with_json(editor_client):
    response = editor_client.post(PREVIEW, "not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_preview"
    assert preview(editor_client, "x" * 200_001).status_code == 400
    bad_chapter = json.dumps({"text": "x", "chapter": "1"})
    assert (
        editor_client.post(PREVIEW, bad_chapter, content_type="application/json").status_code == 400
    )


def test_students_never_reach_the_preview(client, user):
    # A student's session: sent to the admin login, never rendered.
    client.force_login(user)
    response = preview(client, "# hi")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # A student's API token: the admin does not accept tokens at all.
    response = preview(bearer_client(user), "# hi")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # Staff without any editing permission.
    client.force_login(make_user("helper@example.com", is_staff=True))
    assert preview(client, "# hi").status_code == 403


def test_chapter_form_shows_the_preview_beside_each_markdown_textarea(editor_client):
    chapter = ChapterFactory()
    SectionFactory(chapter=chapter)
    page = editor_client.get(f"/admin/content/chapter/{chapter.id}/change/").content.decode()
    assert page.count(f'data-markdown-preview="{PREVIEW}"') >= 3  # summary, section, empty form
    assert "content/markdown_preview.js" in page


def test_quiz_preview_renders_markdown(editor_client):
    quiz = QuizFactory()
    QuestionFactory(
        quiz=quiz,
        order=1,
        prompt="What does `len([1, 2])` return? <script>alert(1)</script>",
        options=[{"key": "A", "text": "`2`"}, {"key": "B", "text": "**3**"}],
        answer="A",
    )
    page = editor_client.get(f"/admin/quizzes/quiz/{quiz.id}/preview/").content.decode()
    assert "<code>len([1, 2])</code>" in page
    assert "`len" not in page
    assert "<script>alert" not in page
    assert 'A. <span class="quiz-option"><code>2</code></span>' in page
    assert "<strong>3</strong>" in page
    form = editor_client.get(f"/admin/quizzes/quiz/{quiz.id}/change/").content.decode()
    assert 'name="questions-0-prompt"' in form and "data-markdown-preview" in form


# --- content checks --------------------------------------------------------------------------


def new_chapter_form(course, sections: list[tuple[str, str]], *, published: bool) -> dict:
    data = {
        "course": course.id,
        "title": "Checked",
        "slug": "checked",
        "order": 1,
        "summary": "",
        "difficulty_level": "beginner",
        "estimated_minutes": 10,
        "required_tier": "free",
        **inline_management("sections", len(sections), 0),
    }
    if published:
        data["published"] = "on"
    for index, (title, content) in enumerate(sections):
        data |= {
            f"sections-{index}-order": index + 1,
            f"sections-{index}-title": title,
            f"sections-{index}-content": content,
        }
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_draft_with_problems_saves_and_shows_every_check(editor_client):
    sections = [
        ("Broken", "# One\n\n### Three\n\n![x](media:nowhere)"),
        ("Empty", "   \n"),
    ]
    response = editor_client.post(
        "/admin/content/chapter/add/",
        new_chapter_form(CourseFactory(), sections, published=False),
        follow=True,
    )
    assert response.status_code == 200
    chapter = Chapter.objects.get(slug="checked")
    assert not chapter.published
    shown = messages_of(response)
    assert any('no media asset is named "nowhere"' in text for text in shown)
    assert any("skips from h1 to h3" in text for text in shown)
    assert any('Section "Empty" is empty' in text for text in shown)


def test_publishing_is_blocked_while_an_error_level_check_fails(editor_client, anon_client):
    course = CourseFactory()
    response = editor_client.post(
        "/admin/content/chapter/add/",
        new_chapter_form(course, [("Broken", "![x](media:nowhere)")], published=True),
    )
    assert response.status_code == 200  # the form again, with the reason
    assert "Not published" in response.content.decode()
    assert not Chapter.objects.filter(slug="checked").exists()
    # Warnings alone never block: a skipped heading level publishes.
    response = editor_client.post(
        "/admin/content/chapter/add/",
        new_chapter_form(course, [("Fine", "# A\n\n### C\n")], published=True),
        follow=True,
    )
    chapter = Chapter.objects.get(slug="checked")
    assert chapter.published
    assert any("skips from h1 to h3" in text for text in messages_of(response))
    assert anon_client.get(f"/api/v1/chapters/{chapter.id}").status_code == 200


def test_publish_action_and_list_edit_skip_chapters_with_no_sections(editor_client):
    empty = ChapterFactory(published=False, slug="empty")
    response = editor_client.post(
        "/admin/content/chapter/",
        {"action": "publish", "_selected_action": [empty.id]},
        follow=True,
    )
    empty.refresh_from_db()
    assert not empty.published
    assert any("needs at least one section" in text for text in messages_of(response))
    response = editor_client.post(
        "/admin/content/chapter/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(empty.id),
            "form-0-published": "on",
            "_save": "Save",
        },
    )
    empty.refresh_from_db()
    assert not empty.published
    assert "needs at least one section" in response.content.decode()


def test_a_quiz_in_an_unpublished_chapter_is_flagged(editor_client):
    quiz = QuizFactory(chapter=ChapterFactory(published=False, title="Hidden chapter"))
    assert [p.level for p in checks.quiz_problems(quiz)] == [checks.WARNING]
    assert checks.quiz_problems(QuizFactory()) == []


def test_heading_checks_follow_markdown_not_lines():
    problems = checks.text_problems(
        "```\n# not a heading\n### nor this\n```\n## Two\n### Three\n", where="S", media_names=set()
    )
    assert problems == []
    assert markdown_preview.render_html("## Two") == "<h2>Two</h2>\n"


def test_saving_a_quiz_in_an_unpublished_chapter_warns(editor_client):
    from quizzes.tests.test_admin import SOUND_QUESTIONS, quiz_form

    chapter = ChapterFactory(published=False, title="Draft chapter")
    response = editor_client.post(
        "/admin/quizzes/quiz/add/", quiz_form(chapter, SOUND_QUESTIONS[:1]), follow=True
    )
    assert response.status_code == 200
    assert any(
        'Its chapter "Draft chapter" is not published' in text for text in messages_of(response)
    )
