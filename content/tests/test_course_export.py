"""export_course / import_course: the course folder round trip, byte for byte, with media."""

import hashlib
import io
from pathlib import Path

import pytest
import yaml
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from content import course_export, course_import, media
from content.course_files import CourseFileError
from content.management.commands.load_demo_course import DEMO_COURSE_DIR
from content.models import Chapter, Course, MediaAsset, Section
from coursecompanion.errors import DomainError, NotFound
from coursecompanion.tests.factories import (
    ChapterFactory,
    CourseFactory,
    SectionFactory,
    mixed_quiz,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>\n'


def make_asset(name: str, data: bytes, file_name: str, **fields) -> MediaAsset:
    asset = MediaAsset(name=name, title=fields.pop("title", name.title()), **fields)
    asset.file = ContentFile(data, name=file_name)
    return media.save_media_asset(asset=asset, file_changed=True)


@pytest.fixture
def media_storage(request, settings, tmp_path) -> str:
    """Local files under a temporary MEDIA_ROOT, or (parametrized indirectly) the loopback R2."""
    kind = getattr(request, "param", "local")
    if kind == "r2":
        request.getfixturevalue("r2_bucket")
    else:
        settings.MEDIA_ROOT = tmp_path / "media-root"
    return kind


@pytest.fixture
def rich_course(media_storage) -> Course:
    """Text that tempts a serializer: CRLF, trailing spaces, '---' lines, quotes, YAML look-alikes,
    unicode, a multi-line description and summary, an empty summary."""
    course = CourseFactory(
        slug="rich",
        title='Rich: "quoted" course',
        description="Line one.\nLine two: with a colon.\n\n  Indented line.",
        published=True,
    )
    first = ChapterFactory(
        course=course,
        slug="first",
        title="yes",
        order=1,
        summary="Summary with trailing spaces  \nand a second line\n",
        required_tier="free",
        difficulty_level="intermediate",
        estimated_minutes=42,
    )
    second = ChapterFactory(
        course=course, slug="second", title="Ünïcödé — ✓", order=2, summary="", published=False
    )
    SectionFactory(
        chapter=first,
        order=1,
        title="Windows: lines",
        content="Typed in a browser\r\nwith CRLF\r\n\r\n![A loop](media:loop)\r\n",
    )
    SectionFactory(
        chapter=first,
        order=2,
        title="Front matter look-alike",
        content="---\ntitle: not front matter\n---\n\n```yaml\nkey: value\n```\n\n\n",
    )
    SectionFactory(
        chapter=second,
        order=1,
        title="Shared logo",
        content="[logo]: media:logo\n\nTrailing spaces  \n    indented code\n\t tab",
    )
    SectionFactory(chapter=second, order=10, title="Tenth", content="# 10")
    # A real quiz of every kind, written out by the quizzes app's exporter hook.
    mixed_quiz(chapter=first, slug="first-quiz", title='Quiz: "first"')
    make_asset("loop", PNG, "loop diagram.png", chapter=first, alt_text='A "loop"')
    make_asset("logo", SVG, "logo.svg", public=True)  # course-wide, referenced by a section
    make_asset("unrelated", b"other", "other.txt")  # course-wide, not referenced: not exported
    return course


def read_tree(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def wipe_content() -> None:
    MediaAsset.objects.all().delete()
    Course.objects.all().delete()
    for model in (Course, Chapter, Section, MediaAsset):
        assert not model.objects.exists()


@pytest.mark.parametrize("media_storage", ["local", "r2"], indirect=True)
def test_export_import_into_empty_database_export_is_byte_identical(
    media_storage, rich_course, tmp_path, settings, s3_server
):
    first = tmp_path / "first"
    report = course_export.export_course(slug="rich", directory=first, write=True)
    assert report.written and not report.removed and not report.warnings
    exported = read_tree(first)
    assert "chapters/01-first/quiz.yaml" in exported  # the quizzes hook's file
    assert exported["media/loop/loop_diagram.png"] == PNG
    assert "media/unrelated" not in " ".join(exported)

    wipe_content()
    if media_storage == "local":
        settings.MEDIA_ROOT = tmp_path / "fresh-media"  # a new environment: nothing stored yet
    else:
        settings.STORAGES["default"]["OPTIONS"]["bucket_name"] = s3_server.create_bucket()
        settings.STORAGES = {**settings.STORAGES}  # fires setting_changed: a new storage
    imported = course_import.import_course(directory=first, write=True)
    assert not imported.updated and not imported.deleted

    second = tmp_path / "second"
    course_export.export_course(slug="rich", directory=second, write=True)
    again = read_tree(second)
    assert sorted(again) == sorted(exported)
    for path, data in exported.items():
        assert again[path] == data, path
    # Re-importing the export into the database it came from changes nothing.
    assert not course_import.import_course(directory=second, write=True).changed


def db_snapshot() -> list:
    return [
        list(Course.objects.order_by("id").values()),
        list(Chapter.objects.order_by("id").values()),
        list(Section.objects.order_by("id").values()),
        list(MediaAsset.objects.order_by("id").values()),
    ]


@pytest.fixture
def exported(rich_course, tmp_path) -> Path:
    directory = tmp_path / "export"
    course_export.export_course(slug="rich", directory=directory, write=True)
    return directory


def test_broken_yaml_aborts_naming_file_and_line_and_changes_nothing(exported, settings):
    before = db_snapshot()
    stored_before = sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    # An edit that would apply, a new media file that would be stored, then a broken file.
    edited = exported / "chapters/01-first/02-front-matter-look-alike.md"
    edited.write_bytes(edited.read_bytes().replace(b"look-alike\n", b"changed\n", 1))
    (exported / "media/new").mkdir()
    (exported / "media/new/new.txt").write_bytes(b"new")
    manifest = exported / "media/manifest.yaml"
    digest = hashlib.sha256(b"new").hexdigest()
    manifest.write_text(
        manifest.read_text() + f"- name: new\n  title: New\n  file: media/new/new.txt\n"
        f"  sha256: {digest}\n"
    )
    broken = exported / "chapters/02-second/10-tenth.md"
    broken.write_text("---\ntitle: Tenth\norder: [10\n---\n# 10\n")

    with pytest.raises(CommandError) as raised:
        call_command("import_course", str(exported), "--write", stdout=io.StringIO())
    assert "chapters/02-second/10-tenth.md:3" in str(raised.value)
    assert "invalid YAML" in str(raised.value)
    assert db_snapshot() == before
    assert sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()) == stored_before


def test_sha256_mismatch_aborts_naming_the_file(exported, settings):
    before = db_snapshot()
    (exported / "media/loop/loop_diagram.png").write_bytes(b"tampered")
    with pytest.raises(CourseFileError) as raised:
        course_import.import_course(directory=exported, write=True)
    assert "media/loop/loop_diagram.png" in raised.value.message
    assert "sha256" in raised.value.message
    assert db_snapshot() == before


def test_a_failure_after_media_were_stored_removes_them_again(exported, settings, monkeypatch):
    MediaAsset.objects.filter(name="loop").delete()  # so the import stores it again
    stored_before = {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}

    def failing_save(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(MediaAsset, "save", failing_save)
    with pytest.raises(RuntimeError):
        course_import.import_course(directory=exported, write=True)
    assert {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()} == stored_before


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("- name: x\n  title: X\n  file: ../../etc/passwd\n  sha256: {sha}\n", "inside"),
        ("- name: x\n  title: X\n  file: media/loop/loop_diagram.png\n", "sha256"),
        ("- name: x y\n  title: X\n  file: media/x\n  sha256: {sha}\n", "not a slug"),
        ("- name: loop\n  title: X\n  file: media/x\n  sha256: {sha}\n", "listed twice"),
        (
            "- name: x\n  title: X\n  chapter: nope\n  file: media/loop/loop_diagram.png\n"
            "  sha256: {sha}\n",
            "chapter 'nope'",
        ),
    ],
)
def test_bad_manifest_entries_name_the_manifest_line(exported, entry, expected):
    manifest = exported / "media/manifest.yaml"
    text = manifest.read_text()
    line = text.count("\n") + 1
    sha = hashlib.sha256(PNG).hexdigest()
    manifest.write_text(text + entry.format(sha=sha))
    before = db_snapshot()
    with pytest.raises(CourseFileError) as raised:
        course_import.import_course(directory=exported, write=True)
    assert expected in raised.value.message
    if expected != "listed twice":
        assert f"manifest.yaml:{line}" in raised.value.message
    assert db_snapshot() == before


def test_import_dry_run_stores_no_media(exported, tmp_path, settings):
    wipe_content()
    settings.MEDIA_ROOT = tmp_path / "empty-media"
    report = course_import.import_course(directory=exported, write=False)
    assert {"media loop", "media logo"} <= set(report.created)
    assert not Course.objects.exists() and not MediaAsset.objects.exists()
    assert not Path(settings.MEDIA_ROOT).exists()


def test_import_updates_changed_media(exported, django_capture_on_commit_callbacks, settings):
    loop = MediaAsset.objects.get(name="loop")
    old_file = Path(settings.MEDIA_ROOT) / loop.file.name
    (exported / "media/loop/loop_diagram.png").write_bytes(b"new loop")
    manifest = exported / "media/manifest.yaml"
    manifest.write_text(
        manifest.read_text()
        .replace(hashlib.sha256(PNG).hexdigest(), hashlib.sha256(b"new loop").hexdigest())
        .replace('alt_text: A "loop"', "alt_text: Better words")
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = course_import.import_course(directory=exported, write=True)
    assert report.updated == ["media loop"]
    loop.refresh_from_db()
    assert loop.alt_text == "Better words"
    assert loop.size == len(b"new loop")
    assert loop.file.read() == b"new loop"
    assert not old_file.exists()  # the replaced file is removed after the commit


def test_media_name_of_another_course_is_refused(exported):
    other = ChapterFactory(course=CourseFactory(slug="other"), slug="elsewhere")
    MediaAsset.objects.filter(name="loop").update(chapter=other)
    with pytest.raises(CourseFileError, match="another course"):
        course_import.import_course(directory=exported, write=True)


def test_export_rewrites_only_what_changed_and_leaves_other_files_alone(exported, rich_course):
    (exported / ".git").mkdir()
    (exported / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (exported / "README.md").write_text("Notes\n")
    again = course_export.export_course(slug="rich", directory=exported, write=True)
    assert not again.changed
    assert again.unchanged == len(read_tree(exported)) - 2

    Section.objects.filter(title="Tenth").update(title="Eleventh")
    report = course_export.export_course(slug="rich", directory=exported, write=False)
    assert report.written == ["chapters/02-second/10-eleventh.md"]
    assert report.removed == ["chapters/02-second/10-tenth.md"]
    assert (exported / "chapters/02-second/10-tenth.md").exists()  # dry run

    course_export.export_course(slug="rich", directory=exported, write=True)
    assert not (exported / "chapters/02-second/10-tenth.md").exists()
    assert (exported / "chapters/02-second/10-eleventh.md").exists()
    assert (exported / ".git" / "HEAD").exists() and (exported / "README.md").exists()


def test_export_removes_a_deleted_chapter_folder(exported, rich_course):
    Chapter.objects.filter(slug="second").delete()
    course_export.export_course(slug="rich", directory=exported, write=True)
    assert not (exported / "chapters/02-second").exists()


def test_export_unknown_course_is_not_found(tmp_path):
    with pytest.raises(NotFound):
        course_export.export_course(slug="nope", directory=tmp_path, write=True)


def test_exporter_file_names_are_checked(rich_course, tmp_path, monkeypatch):
    monkeypatch.setattr(
        course_export, "chapter_part_exporters", [lambda *, chapter: {"../escape.yaml": b""}]
    )
    with pytest.raises(DomainError, match="unusable file name"):
        course_export.export_course(slug="rich", directory=tmp_path, write=True)


def test_manifest_is_readable_yaml(exported):
    manifest = yaml.safe_load((exported / "media/manifest.yaml").read_text())
    assert [asset["name"] for asset in manifest["assets"]] == ["logo", "loop"]
    loop = manifest["assets"][1]
    assert loop["chapter"] == "first"
    assert loop["sha256"] == hashlib.sha256(PNG).hexdigest()


def test_demo_course_round_trip(tmp_path, media_storage):
    course_import.import_course(directory=DEMO_COURSE_DIR, write=True)
    first, second = tmp_path / "a", tmp_path / "b"
    course_export.export_course(slug="modern-python", directory=first, write=True)
    wipe_content()
    course_import.import_course(directory=first, write=True)
    course_export.export_course(slug="modern-python", directory=second, write=True)
    assert read_tree(first) == read_tree(second)


def test_export_and_import_commands(rich_course, tmp_path):
    out = io.StringIO()
    call_command("export_course", "rich", str(tmp_path / "x"), stdout=out)
    assert "Dry run" in out.getvalue()
    assert not (tmp_path / "x").exists()

    out = io.StringIO()
    call_command("export_course", "rich", str(tmp_path / "x"), "--write", stdout=out)
    assert "written  course.yaml" in out.getvalue()
    assert (tmp_path / "x" / "course.yaml").is_file()

    out = io.StringIO()
    call_command("import_course", str(tmp_path / "x"), stdout=out)
    assert "0 would be created, 0 would be updated, 0 would be deleted" in out.getvalue()

    with pytest.raises(CommandError, match="No course with slug"):
        call_command("export_course", "nope", str(tmp_path / "y"))
