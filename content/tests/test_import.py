import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from content import course_import
from content.course_files import CourseFileError
from content.management.commands.load_demo_course import DEMO_COURSE_DIR
from content.models import Chapter, Course, Section

pytestmark = pytest.mark.django_db


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path / "course.yaml", "slug: tiny\ntitle: Tiny\npublished: true\n")
    for number, tier in ((1, "free"), (2, "premium")):
        chapter = tmp_path / "chapters" / f"0{number}-ch{number}"
        write(
            chapter / "chapter.md",
            f"---\nslug: ch{number}\ntitle: Chapter {number}\norder: {number}\n"
            f"required_tier: {tier}\npublished: true\n---\nSummary {number}.\n",
        )
        write(chapter / "01-a.md", "---\ntitle: A\norder: 1\n---\nText with trailing spaces  \n")
        write(chapter / "02-b.md", "---\ntitle: B\norder: 2\n---\n# B\n\nBody.\n\n")
    return tmp_path


def test_import_creates_course_and_is_idempotent(folder):
    report = course_import.import_course(directory=folder, write=True)
    assert len(report.created) == 1 + 2 + 4
    chapter = Chapter.objects.get(slug="ch2")
    assert chapter.required_tier == "premium"
    assert chapter.summary == "Summary 2."
    assert chapter.sections.get(order=1).content == "Text with trailing spaces  "
    assert chapter.sections.get(order=2).content == "# B\n\nBody.\n"
    stamps = list(Section.objects.order_by("id").values_list("updated_at", flat=True))

    again = course_import.import_course(directory=folder, write=True)
    assert not again.changed
    assert again.unchanged == 7
    assert list(Section.objects.order_by("id").values_list("updated_at", flat=True)) == stamps


def test_import_dry_run_saves_nothing(folder):
    report = course_import.import_course(directory=folder, write=False)
    assert report.created
    assert not Course.objects.exists()


def test_import_updates_and_swaps_positions(folder):
    course_import.import_course(directory=folder, write=True)
    for name, order in (("01-ch1", 2), ("02-ch2", 1)):
        path = folder / "chapters" / name / "chapter.md"
        text = path.read_text().replace(f"order: {3 - order}", f"order: {order}")
        path.write_text(text)
    (folder / "chapters" / "01-ch1" / "02-b.md").unlink()
    report = course_import.import_course(directory=folder, write=True)
    assert sorted(report.updated) == ["chapter ch1", "chapter ch2"]
    assert report.deleted == ["section ch1/2"]
    assert list(Chapter.objects.values_list("slug", flat=True)) == ["ch2", "ch1"]


def test_malformed_yaml_aborts_naming_file_and_line(folder):
    course_import.import_course(directory=folder, write=True)
    write(folder / "chapters" / "01-ch1" / "01-a.md", "---\ntitle: Changed\norder: 1\n---\nNew")
    write(folder / "chapters" / "02-ch2" / "chapter.md", "---\nslug: ch2\ntitle: [oops\n---\n")
    with pytest.raises(CourseFileError) as raised:
        course_import.import_course(directory=folder, write=True)
    assert "02-ch2/chapter.md:3" in raised.value.message
    # The earlier file's change was rolled back with the rest.
    assert Section.objects.get(chapter__slug="ch1", order=1).title == "A"


def test_invalid_field_value_names_the_file(folder):
    write(
        folder / "chapters" / "01-ch1" / "chapter.md",
        "---\nslug: ch1\ntitle: T\norder: 1\nrequired_tier: platinum\n---\n",
    )
    with pytest.raises(CourseFileError) as raised:
        course_import.import_course(directory=folder, write=True)
    assert "01-ch1/chapter.md" in raised.value.message
    assert "platinum" in raised.value.message
    assert not Course.objects.exists()


def test_load_demo_course_command_is_idempotent():
    out = io.StringIO()
    call_command("load_demo_course", stdout=out)
    assert "Dry run" in out.getvalue()
    assert not Course.objects.exists()

    call_command("load_demo_course", "--write", stdout=io.StringIO())
    chapters = list(Chapter.objects.order_by("order"))
    assert len(chapters) >= 6
    assert [c.required_tier for c in chapters[:3]] == ["free", "free", "free"]
    assert all(c.required_tier in ("premium", "pro") for c in chapters[3:])
    assert all(2 <= c.sections.count() <= 5 for c in chapters)

    out = io.StringIO()
    call_command("load_demo_course", "--write", stdout=out)
    assert "0 created, 0 updated, 0 deleted" in out.getvalue()


def test_demo_course_folder_exists():
    assert (DEMO_COURSE_DIR / "course.yaml").is_file()


def test_load_command_reports_file_errors(monkeypatch, tmp_path):
    from content.management.commands import load_demo_course

    write(tmp_path / "course.yaml", "slug: [broken\n")
    monkeypatch.setattr(load_demo_course, "DEMO_COURSE_DIR", tmp_path)
    with pytest.raises(CommandError, match="course.yaml"):
        call_command("load_demo_course", "--write")


@pytest.mark.parametrize(
    ("path", "text", "message"),
    [
        ("chapters/01-ch1/03-c.md", "---\ntitle: C\norder: 2\n---\nC", "order 2 is also used by"),
        (
            "chapters/03-ch3/chapter.md",
            "---\nslug: ch1\ntitle: Again\norder: 3\n---\n",
            "slug 'ch1' is also used by",
        ),
        (
            "chapters/03-ch3/chapter.md",
            "---\nslug: ch3\ntitle: Three\norder: 2\n---\n",
            "order 2 is also used by",
        ),
    ],
)
def test_repeated_positions_or_slugs_abort_naming_both_files(folder, path, text, message):
    write(folder / path, text)
    with pytest.raises(CourseFileError) as raised:
        course_import.import_course(directory=folder, write=True)
    assert message in raised.value.message
    assert path in raised.value.message
    assert not Course.objects.exists()


def test_make_runs_demo_load_leaves_an_edited_course_alone():
    from content.models import Chapter

    call_command("load_demo_course", "--write", "--if-empty", stdout=io.StringIO())
    chapter = Chapter.objects.order_by("order").first()
    chapter.title = "Edited by an editor"
    chapter.save()

    out = io.StringIO()
    call_command("load_demo_course", "--write", "--if-empty", stdout=out)

    assert "not loaded" in out.getvalue()
    chapter.refresh_from_db()
    assert chapter.title == "Edited by an editor"


def test_make_run_loads_the_demo_course():
    makefile = (DEMO_COURSE_DIR.parents[1] / "Makefile").read_text()
    assert "load_demo_course --write --if-empty" in makefile
