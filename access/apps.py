from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Accounts and access"

    def ready(self) -> None:
        from access import (
            checks,  # noqa: F401  (registers the rate-limit settings checks)
            user_cache,  # noqa: F401  (drops cached users when they change)
        )
