import re
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from access.models import User


def database_label(database: dict) -> str:
    """A file-name-safe name for one database: its engine and name, plus host and port for a
    server (the same SQLite file, or the same PostgreSQL database, always gets the same label)."""
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    if engine == "sqlite3":
        parts = ["sqlite", Path(str(database["NAME"])).stem]
    else:
        parts = [engine, database.get("HOST") or "local", str(database.get("PORT") or "")]
        parts.append(str(database["NAME"]))
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(part for part in parts if part))


def password_file(database: dict) -> Path:
    """One password file per database: switching `make run` to PostgreSQL never overwrites the
    SQLite admin's password (or the other way round)."""
    return Path(settings.BASE_DIR) / f".local-admin-password.{database_label(database)}"


class Command(BaseCommand):
    help = (
        "Create a local superuser with a random password if no superuser exists yet "
        "(local development only: refuses to run unless DJANGO_DEBUG is on). The password goes "
        "to .local-admin-password.<database>, one file per database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", default="admin@example.com")

    def handle(self, *args, email: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Refusing outside local development (DJANGO_DEBUG is off).")
        path = password_file(connection.settings_dict)
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(f"An admin account exists; its password (if made here): {path}")
            return
        password = secrets.token_urlsafe(16)
        User.objects.create_superuser(email, password, display_name="Local admin")
        path.write_text(password + "\n")
        path.chmod(0o600)
        self.stdout.write(
            f"Created local admin {email} in database {database_label(connection.settings_dict)};"
            f" password in {path} (sign in at /admin/)."
        )
