from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from access import services
from access.models import User
from access.tiers import Tier
from coursecompanion.errors import DomainError


class Command(BaseCommand):
    help = (
        "Move a user to another tier, recording the reason in the tier history "
        "(a dry run unless --write is given)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("tier", choices=Tier.values)
        parser.add_argument("--reason", required=True, help="Why the tier changes (kept).")
        parser.add_argument("--write", action="store_true", help="Save the change.")

    def handle(self, *args, email: str, tier: str, reason: str, write: bool, **options) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the email {email!r}.")
        old_tier = user.tier
        try:
            with transaction.atomic():
                change = services.change_tier(
                    user=user, new_tier=tier, changed_by=None, reason=reason
                )
                if not write:
                    transaction.set_rollback(True)
        except DomainError as error:
            raise CommandError(error.message) from error
        if change is None:
            self.stdout.write(f"{user.email} already has the {tier} tier; nothing to do.")
        elif write:
            self.stdout.write(f"{user.email}: {old_tier} -> {tier} (recorded).")
        else:
            self.stdout.write(
                f"Dry run: {user.email} would go from {old_tier} to {tier}. "
                "Run again with --write to save."
            )
