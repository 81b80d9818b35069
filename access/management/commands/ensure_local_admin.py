import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from access.models import User

PASSWORD_FILE = Path(settings.BASE_DIR) / ".local-admin-password"


class Command(BaseCommand):
    help = (
        "Create a local superuser with a random password if no superuser exists yet "
        "(local development only: refuses to run unless DJANGO_DEBUG is on)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", default="admin@example.com")

    def handle(self, *args, email: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Refusing outside local development (DJANGO_DEBUG is off).")
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                f"An admin account exists; its password (if made here): {PASSWORD_FILE}"
            )
            return
        password = secrets.token_urlsafe(16)
        User.objects.create_superuser(email, password, display_name="Local admin")
        PASSWORD_FILE.write_text(password + "\n")
        PASSWORD_FILE.chmod(0o600)
        self.stdout.write(
            f"Created local admin {email}; password in {PASSWORD_FILE} (sign in at /admin/)."
        )
