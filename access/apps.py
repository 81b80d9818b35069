from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Accounts and access"

    def ready(self) -> None:
        from access import (
            checks,  # noqa: F401  (registers the rate-limit settings checks)
            user_cache,  # noqa: F401  (drops cached users when they change)
        )
        from access.auth import TOKEN_RESOLVERS
        from access.oauth import credential_from_oauth_token

        # OAuth access tokens (ChatGPT account linking) after simplejwt's.
        if credential_from_oauth_token not in TOKEN_RESOLVERS:
            TOKEN_RESOLVERS.append(credential_from_oauth_token)
