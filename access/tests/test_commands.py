import io

import pytest
from django.core.management import CommandError, call_command

from access.models import TierChange

pytestmark = pytest.mark.django_db


def set_tier(*args: str) -> str:
    out = io.StringIO()
    call_command("set_tier", *args, stdout=out)
    return out.getvalue()


def test_set_tier_is_a_dry_run_without_write(user):
    output = set_tier("student@example.com", "premium", "--reason", "Refund")
    assert "would go from free to premium" in output
    user.refresh_from_db()
    assert user.tier == "free"
    assert not TierChange.objects.exists()


def test_set_tier_write_changes_and_records(user):
    output = set_tier("STUDENT@example.com", "pro", "--reason", "Support ticket 42", "--write")
    assert "free -> pro" in output
    user.refresh_from_db()
    assert user.tier == "pro"
    change = TierChange.objects.get()
    assert (change.user, change.from_tier, change.to_tier) == (user, "free", "pro")
    assert change.changed_by is None and change.reason == "Support ticket 42"


def test_set_tier_same_tier_does_nothing(user):
    assert "nothing to do" in set_tier("student@example.com", "free", "--reason", "x", "--write")
    assert not TierChange.objects.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("nobody@example.com", "pro", "--reason", "x", "--write"),
        ("student@example.com", "gold", "--reason", "x", "--write"),
        ("student@example.com", "pro", "--write"),
        ("student@example.com", "pro", "--reason", "  ", "--write"),
    ],
)
def test_set_tier_refuses_bad_input(user, args):
    with pytest.raises(CommandError):
        set_tier(*args)
    user.refresh_from_db()
    assert user.tier == "free"
    assert not TierChange.objects.exists()


def test_local_admin_passwords_are_kept_one_file_per_database(settings, tmp_path):
    from access.management.commands import ensure_local_admin

    settings.DEBUG = True
    settings.BASE_DIR = tmp_path
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/work/app/db.sqlite3"}
    postgres = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "coursecompanion",
        "HOST": "127.0.0.1",
        "PORT": 5432,
    }
    files = {ensure_local_admin.password_file(db) for db in (sqlite, postgres)}
    assert {path.name for path in files} == {
        ".local-admin-password.sqlite-db",
        ".local-admin-password.postgresql-127.0.0.1-5432-coursecompanion",
    }

    out = io.StringIO()
    call_command("ensure_local_admin", stdout=out)
    written = list(tmp_path.glob(".local-admin-password.*"))
    assert len(written) == 1
    assert written[0].stat().st_mode & 0o077 == 0
    assert written[0].name in out.getvalue()
