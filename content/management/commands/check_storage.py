from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coursecompanion.health import probe_storage


class Command(BaseCommand):
    help = "Write, read, fetch by URL and delete a probe object in the media storage (R2 or local)."

    def handle(self, *args, **options) -> None:
        where = f"R2 bucket {settings.R2_BUCKET}" if settings.R2_ENABLED else "local media"
        self.stdout.write(f"Checking the media storage ({where}):")
        steps = probe_storage()
        for step in steps:
            self.stdout.write(f"  {step.name:<7} {'ok' if step.ok else 'FAILED'}  {step.detail}")
        failed = [step.name for step in steps if not step.ok]
        if failed:
            raise CommandError(f"Storage check failed at: {', '.join(failed)}.")
        self.stdout.write("Storage OK.")
