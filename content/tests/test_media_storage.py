"""Media on R2, tested against a real S3-speaking server on loopback (see conftest's r2_bucket):
uploads through the admin, presigned URLs fetched over HTTP, deletes, and no checksum headers."""

import io
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from content.models import MediaAsset
from coursecompanion.tests.factories import ChapterFactory, SectionFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
CHECKSUM_HEADER_PREFIXES = ("x-amz-checksum-", "x-amz-sdk-checksum-algorithm", "x-amz-trailer")


def upload(client: Client, chapter, *, title="Loop diagram", name="", data=PNG, **extra):
    return client.post(
        "/admin/content/mediaasset/add/",
        {
            "title": title,
            "name": name,
            "alt_text": "A loop",
            "chapter": chapter.id if chapter else "",
            "file": SimpleUploadedFile("loop.png", data, content_type="image/png"),
            **extra,
        },
    )


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def checksum_headers(requests) -> list[str]:
    return [
        f"{request.method} {request.path}: {header}"
        for request in requests
        for header in request.headers
        if header.startswith(CHECKSUM_HEADER_PREFIXES)
    ]


def test_admin_upload_lands_in_the_bucket_and_the_api_serves_a_presigned_url(
    editor_client, anon_client, r2_bucket, s3_server
):
    chapter = ChapterFactory()
    response = upload(editor_client, chapter)
    assert response.status_code == 302, response.content.decode()[:2000]
    asset = MediaAsset.objects.get()
    assert asset.name == "loop-diagram"
    assert asset.file.name.startswith("media/") and asset.file.name.endswith("/loop.png")
    assert s3_server.keys(r2_bucket) == [asset.file.name]
    assert s3_server.read(r2_bucket, asset.file.name) == PNG

    media = anon_client.get(f"/api/v1/chapters/{chapter.id}").json()["media"]
    assert [m["name"] for m in media] == ["loop-diagram"]
    url = media[0]["url"]
    assert url.startswith(f"{s3_server.endpoint_url}/{r2_bucket}/media/")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["300"]
    assert "/auto/s3/aws4_request" in query["X-Amz-Credential"][0]
    assert fetch(url) == PNG


def test_uploads_send_no_checksum_headers(editor_client, r2_bucket, s3_server):
    assert upload(editor_client, ChapterFactory()).status_code == 302
    puts = [r for r in s3_server.requests if r.method == "PUT"]
    assert len(puts) == 1, "the upload never reached the server"
    assert checksum_headers(s3_server.requests) == []


def test_the_checksum_check_catches_botocore_defaults(s3_server, r2_bucket):
    # Proof the test above can fail: boto3's default configuration sends the headers R2 rejects.
    s3_server.client().put_object(Bucket=r2_bucket, Key="probe", Body=b"x")
    assert checksum_headers(s3_server.requests)


def test_section_media_reference_resolves_to_a_working_url(editor_client, anon_client, r2_bucket):
    chapter = ChapterFactory()
    assert upload(editor_client, chapter, name="loop").status_code == 302
    text = "See the loop:\n\n![A loop](media:loop)\n"
    section = SectionFactory(chapter=chapter, content=text)

    body = anon_client.get(f"/api/v1/sections/{section.id}").json()
    assert body["content"] == text  # never rewritten
    assert fetch(body["media_urls"]["loop"]) == PNG
    chapter_body = anon_client.get(f"/api/v1/chapters/{chapter.id}").json()
    assert fetch(chapter_body["media_urls"]["loop"]) == PNG


def test_public_asset_is_linked_unsigned_through_the_public_domain(
    editor_client, anon_client, r2_bucket, settings
):
    settings.R2_PUBLIC_DOMAIN = "media.example.com"
    chapter = ChapterFactory()
    assert upload(editor_client, chapter, title="Logo", public="on").status_code == 302
    assert upload(editor_client, chapter, title="Private").status_code == 302
    media = {
        m["name"]: m for m in anon_client.get(f"/api/v1/chapters/{chapter.id}").json()["media"]
    }
    logo = MediaAsset.objects.get(name="logo")
    assert media["logo"]["public"] is True
    assert media["logo"]["url"] == f"https://media.example.com/{logo.file.name}"
    assert "X-Amz-Signature" in media["private"]["url"]


def test_deleting_an_asset_removes_its_object(
    editor_client, r2_bucket, s3_server, django_capture_on_commit_callbacks
):
    assert upload(editor_client, ChapterFactory()).status_code == 302
    asset = MediaAsset.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            f"/admin/content/mediaasset/{asset.id}/delete/", {"post": "yes"}
        )
    assert response.status_code == 302
    assert not MediaAsset.objects.exists()
    assert s3_server.keys(r2_bucket) == []


def test_replacing_a_file_deletes_the_old_object(
    editor_client, r2_bucket, s3_server, django_capture_on_commit_callbacks
):
    chapter = ChapterFactory()
    assert upload(editor_client, chapter, name="loop").status_code == 302
    asset = MediaAsset.objects.get()
    old_key = asset.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            f"/admin/content/mediaasset/{asset.id}/change/",
            {
                "title": asset.title,
                "name": "loop",
                "alt_text": "",
                "chapter": chapter.id,
                "file": SimpleUploadedFile("loop.png", b"new bytes", content_type="image/png"),
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    asset.refresh_from_db()
    assert asset.file.name != old_key
    assert asset.size == len(b"new bytes")
    assert s3_server.keys(r2_bucket) == [asset.file.name]


def test_storage_failure_shows_an_error_and_saves_nothing(
    editor_client, r2_bucket, s3_server, settings
):
    chapter = ChapterFactory()
    existing = MediaAsset.objects.create(
        title="Existing", name="existing", file="media/abc/old.png", size=3, chapter=chapter
    )
    before = MediaAsset.objects.values().get()
    # The bucket disappears (a wrong R2_BUCKET, or R2 refusing): every write now fails.
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**options, "bucket_name": "no-such-bucket"},
        },
    }

    response = upload(editor_client, chapter, title="New one")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The media storage did not accept the file" in page
    assert 'value="New one"' in page  # what the editor typed is still there
    assert MediaAsset.objects.count() == 1

    response = editor_client.post(
        f"/admin/content/mediaasset/{existing.id}/change/",
        {
            "title": "Renamed",
            "name": "existing",
            "alt_text": "",
            "chapter": chapter.id,
            "file": SimpleUploadedFile("other.png", b"other", content_type="image/png"),
        },
    )
    assert response.status_code == 200
    assert "The media storage did not accept the file" in response.content.decode()
    assert MediaAsset.objects.values().get() == before
    assert s3_server.keys(r2_bucket) == []


def test_readyz_checks_the_bucket_when_r2_is_configured(anon_client, r2_bucket, settings):
    body = anon_client.get("/readyz").json()
    assert body["checks"]["storage"] == "ok"

    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**options, "bucket_name": "no-such-bucket"},
        },
    }
    response = anon_client.get("/readyz")
    assert response.status_code == 503
    error = response.json()["error"]
    assert "storage" in error["message"]
    assert error["details"]["checks"]["storage"] == "failed"


def test_readyz_skips_storage_without_r2(anon_client):
    assert "storage" not in anon_client.get("/readyz").json()["checks"]


def test_check_storage_writes_reads_fetches_and_deletes(r2_bucket, s3_server):
    out = io.StringIO()
    call_command("check_storage", stdout=out)
    report = out.getvalue()
    for step in ("write", "read", "url", "delete"):
        assert f"{step:<7} ok" in report
    assert "the URL serves the same bytes" in report
    assert s3_server.keys(r2_bucket) == []
    methods = [request.method for request in s3_server.requests]
    assert "PUT" in methods and "GET" in methods and "DELETE" in methods


def test_check_storage_fails_loudly(r2_bucket, settings):
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**options, "bucket_name": "no-such-bucket"},
        },
    }
    out = io.StringIO()
    with pytest.raises(CommandError, match="failed at: write"):
        call_command("check_storage", stdout=out)
    assert "write   FAILED" in out.getvalue()


def test_check_storage_on_local_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    call_command("check_storage", stdout=out)
    assert "Storage OK." in out.getvalue()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_storage_unreachable_during_an_admin_upload_shows_an_error_and_saves_nothing(
    editor_client, r2_bucket, settings
):
    """Fault injected for real: the storage endpoint is a port nothing listens on."""
    import time

    from coursecompanion.tests.faults import closed_port

    chapter = ChapterFactory()
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**options, "endpoint_url": f"http://127.0.0.1:{closed_port()}"},
        },
    }
    started = time.monotonic()
    response = upload(editor_client, chapter, title="While R2 is down")
    seconds = time.monotonic() - started
    assert response.status_code == 200
    page = response.content.decode()
    assert "The media storage did not accept the file" in page
    assert 'value="While R2 is down"' in page
    assert not MediaAsset.objects.exists()
    assert seconds < 15, seconds
    print(f"storage unreachable: the admin answered in {seconds:.2f} s")
