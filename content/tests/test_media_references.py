"""Sections reference media by stable name; the API resolves names to URLs beside the text."""

import pytest
from django.core.files.base import ContentFile

from content import media
from content.models import MediaAsset
from coursecompanion.tests.factories import ChapterFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("![A loop](media:loop)", ["loop"]),
        ('![A](media:a "title") and [download](media:b-2_x)', ["a", "b-2_x"]),
        ("[logo]: media:logo\n\n![x][logo]", ["logo"]),
        ("![again](media:a) ![a](media:a)", ["a"]),
        ("![alt]( <media:spaced> )", ["spaced"]),
        ("plain media:word in prose, `media:code`", []),
        ("![web](https://example.com/media:x.png)", []),
    ],
)
def test_media_references(text, names):
    assert media.media_references(text) == names


@pytest.fixture
def chapters(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    free = ChapterFactory(required_tier="free")
    premium = ChapterFactory(required_tier="premium")
    for name, chapter in (("own", free), ("shared", None), ("premium-only", premium)):
        asset = MediaAsset(name=name, title=name, chapter=chapter)
        asset.file = ContentFile(b"bytes of " + name.encode(), name=f"{name}.png")
        media.save_media_asset(asset=asset, file_changed=True)
    return free, premium


def test_references_resolve_to_own_and_course_wide_media_only(anon_client, chapters):
    free, _ = chapters
    text = "![a](media:own) ![b](media:shared) ![c](media:premium-only) ![d](media:missing)\n"
    section = SectionFactory(chapter=free, content=text)

    body = anon_client.get(f"/api/v1/sections/{section.id}").json()
    assert body["content"] == text
    assert sorted(body["media_urls"]) == ["own", "shared"]  # never another chapter's asset
    own = MediaAsset.objects.get(name="own")
    assert body["media_urls"]["own"] == f"http://testserver/media/{own.file.name}"

    chapter = anon_client.get(f"/api/v1/chapters/{free.id}").json()
    assert sorted(chapter["media_urls"]) == ["own", "shared"]
    assert [m["name"] for m in chapter["media"]] == ["own"]
    assert chapter["sections"][0]["content"] == text


def test_cached_chapter_still_gets_fresh_urls_where_they_expire(anon_client, chapters, settings):
    """On R2 media URLs are presigned and expire, so a chapter with media is rendered per
    request (the content itself still comes from the cache); a changed MEDIA_URL stands in for
    a new signature."""
    free, _ = chapters
    SectionFactory(chapter=free, content="![a](media:own)")
    settings.R2_ENABLED = True
    first = anon_client.get(f"/api/v1/chapters/{free.id}").json()
    settings.MEDIA_URL = "/other-media/"
    second = anon_client.get(f"/api/v1/chapters/{free.id}").json()
    assert first["media_urls"]["own"] != second["media_urls"]["own"]
    assert second["media"][0]["url"].startswith("http://testserver/other-media/")


def test_a_chapter_body_with_lasting_urls_is_kept_rendered(anon_client, chapters, settings):
    free, _ = chapters
    SectionFactory(chapter=free, content="![a](media:own)")
    first = anon_client.get(f"/api/v1/chapters/{free.id}")
    settings.MEDIA_URL = "/other-media/"  # local URLs change only with a deploy
    second = anon_client.get(f"/api/v1/chapters/{free.id}")
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_chapter_with_references_keeps_constant_queries(
    anon_client, chapters, django_assert_max_num_queries
):
    free, _ = chapters
    for number in range(10):
        SectionFactory(chapter=free, content=f"![a](media:own) ![b](media:shared) {number}")
    # Cold: outline, sections, media, referenced course-wide media, the chapter's quiz id.
    with django_assert_max_num_queries(5):
        body = anon_client.get(f"/api/v1/chapters/{free.id}").json()
    assert len(body["sections"]) == 10
    with django_assert_max_num_queries(0):
        anon_client.get(f"/api/v1/chapters/{free.id}")


def test_admin_fills_a_missing_name_from_the_title(chapters):
    asset = MediaAsset(title="Own", chapter=None)
    asset.file = ContentFile(b"x", name="x.png")
    media.save_media_asset(asset=asset, file_changed=True)
    assert asset.name == "own-2"
