from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from access import oauth
from coursecompanion.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create the OAuth client for a Custom GPT (confidential, authorization code, no PKCE "
        "needed). Prints its client id and secret once: only the secret's hash is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--redirect-uri",
            action="append",
            required=True,
            dest="redirect_uris",
            help="The callback the GPT editor shows, "
            "https://chat.openai.com/aip/<gpt-id>/oauth/callback (repeat for chatgpt.com).",
        )
        parser.add_argument("--name", default="ChatGPT", help="Shown on the consent page.")
        parser.add_argument(
            "--client-id",
            help="Update this existing client's redirect URIs instead (its secret is kept).",
        )

    def handle(self, *args, redirect_uris, name, client_id, **options):
        if client_id:
            self._update(client_id, redirect_uris)
            return
        try:
            client, secret = oauth.create_confidential_client(
                name=name, redirect_uris=redirect_uris
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Client ID:     {client.client_id}")
        self.stdout.write(f"Client secret: {secret}")
        self.stdout.write(
            "Copy the secret now: it is stored only as a hash and cannot be shown again."
        )
        self.stdout.write("Redirect URIs: " + " ".join(redirect_uris))

    def _update(self, client_id: str, redirect_uris: list[str]) -> None:
        try:
            oauth.set_redirect_uris(client_id=client_id, redirect_uris=redirect_uris)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Client {client_id}: redirect URIs now " + " ".join(redirect_uris))
