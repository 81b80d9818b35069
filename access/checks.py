"""System checks for the rate-limit and proxy settings (`manage.py check`, `check --deploy`)."""

from django.conf import settings
from django.core import checks

from access.ratelimits import RATE_PATTERN

REQUIRED_RATES = (
    "user_per_operation",
    "user_total",
    "anon_per_operation",
    "anon_total",
    "login_per_account_ip",
    "login_per_account",
    "login_per_ip",
    "register_per_ip",
    "rejected",
)
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@checks.register(checks.Tags.security)
def check_rate_settings(app_configs, **kwargs) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    rates = {name: settings.RATE_LIMITS.get(name) for name in REQUIRED_RATES}
    rates.update(
        {f"RATE_LIMIT_OPERATIONS[{k}]": v for k, v in settings.RATE_LIMIT_OPERATIONS.items()}
    )
    for name, rate in rates.items():
        if not isinstance(rate, str) or not RATE_PATTERN.match(rate):
            errors.append(
                checks.Error(
                    f"Rate limit {name} is {rate!r}; write it like '60/m' (s, m, h or d).",
                    id="access.E001",
                )
            )
    return errors


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_rate_counters(app_configs, **kwargs) -> list[checks.CheckMessage]:
    backend = settings.CACHES[settings.RATELIMIT_USE_CACHE]["BACKEND"]
    if settings.RATELIMIT_ENABLE and backend in PER_PROCESS_CACHES:
        return [
            checks.Warning(
                "Rate limits are counted per process: set REDIS_URL so every worker shares them.",
                id="access.W001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_trusted_proxies(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if not settings.DEBUG and settings.TRUSTED_PROXY_HOPS == 0:
        return [
            checks.Warning(
                "TRUSTED_PROXY_HOPS is 0: X-Forwarded-For and X-Forwarded-Proto are ignored, so "
                "behind a load balancer every client shares its address (one rate limit for "
                "all) and HTTPS is not recognised.",
                hint="Set TRUSTED_PROXY_HOPS=1 behind one proxy that sets both headers.",
                id="access.W002",
            )
        ]
    return []
