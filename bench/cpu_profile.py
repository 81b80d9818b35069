"""CPU per request of each scenario, in this process, without the server or the load tool.

    .venv/bin/python bench/cpu_profile.py [scenario,...] [--profile SCENARIO] [--after-write N]

Run after `make bench` (it uses that run's database and Redis, BENCH_DATABASE_URL and
BENCH_REDIS_URL, with the same settings as the benchmark's server, rate limits off). Each
scenario's request is sent straight to the WSGI application BENCH_REQUESTS times (default 2000)
for one student, and the process's CPU time per request is printed: steadier than req/s, and
it shows what a request costs in Python alone. `--profile` adds cProfile's 40 costliest
functions (own time) for one scenario.

`--after-write N` asks as N students instead, each once, right after their progress changed
(their progress generation bumped, as every progress write bumps it): the rebuilt overview a
student's first `progress` read after a submit or check-in gets, which at a student's pace is
most of them.

The difference between a scenario and `noop` is what the scenario adds over the framework; the
difference between this `noop` and the benchmark's worker CPU per no-op request is gunicorn's.
"""

import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import server_environment  # noqa: E402 (the benchmark's own settings)

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coursecompanion_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.update(
    server_environment(database_url=DATABASE_URL, redis_url=REDIS_URL),
    RATELIMIT_ENABLE="0",
    DJANGO_SETTINGS_MODULE="coursecompanion.settings",
    # One student submits every time: the daily cap would turn the submits into 429s.
    QUIZ_DAILY_ATTEMPT_CAP="100000000",
)

from coursecompanion.wsgi import application  # noqa: E402

SUBMIT = b'{"answers": {"1": "B", "2": ["A", "C", "E"], "3": false, "4": "type", "5": -4, "6": 2, "7": "A", "8": true}}'  # noqa: E501
SCENARIOS = {
    "noop": ("GET", "/healthz", b"", False),
    "list": ("GET", "/api/v1/chapters", b"", False),
    "read": ("GET", "/api/v1/chapters/1", b"", True),
    "locked": ("GET", "/api/v1/chapters/5", b"", True),
    "search": ("GET", "/api/v1/search?q=why+is+0.1+%2B+0.2+not+equal+to+0.3", b"", True),
    "quiz_get": ("GET", "/api/v1/quizzes/1", b"", True),
    "quiz_submit": ("POST", "/api/v1/quizzes/1/submit", SUBMIT, True),
    "progress": ("GET", "/api/v1/progress/me", b"", True),
    "checkin": ("POST", "/api/v1/streaks/me/checkin", b"", True),
}


def student_tokens(count: int = 1) -> list[str]:
    from rest_framework_simplejwt.tokens import AccessToken

    from access.models import User

    students = User.objects.filter(email__endswith="@bench.example.com").order_by("id")[:count]
    if len(students) < count:
        sys.exit(f"Fewer than {count} benchmark students: run `make bench` first.")
    return [str(AccessToken.for_user(student)) for student in students]


def student_token() -> str:
    return student_tokens()[0]


def after_write(scenario: str, students: int) -> None:
    """CPU per request of `scenario` for `students` students, each once after a progress write."""
    from access.models import User
    from progress.services import progress_changed

    tokens = student_tokens(students)
    for token in tokens:  # warm: each student's user and token cached, as in a session
        call("read", token)
    for user in User.objects.filter(email__endswith="@bench.example.com").order_by("id")[:students]:
        progress_changed(instance=SimpleNamespace(user_id=user.pk))  # what a row's save sends
    started = time.process_time()
    for token in tokens:
        status = call(scenario, token)
    per_request = (time.process_time() - started) / students * 1000
    print(f"{scenario:<12} {status:<16} {per_request:.3f}  ({students} students, after a write)")


def call(scenario: str, token: str) -> str:
    method, path, body, signed_in = SCENARIOS[scenario]
    route, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8099",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
    }
    if signed_in:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    statuses: list[str] = []
    b"".join(application(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    return statuses[0]


def main() -> None:
    arguments = sys.argv[1:]
    profiled = None
    if "--profile" in arguments:
        at = arguments.index("--profile")
        profiled = arguments[at + 1]
        del arguments[at : at + 2]
    students_after_write = None
    if "--after-write" in arguments:
        at = arguments.index("--after-write")
        students_after_write = int(arguments[at + 1])
        del arguments[at : at + 2]
    wanted = arguments[0].split(",") if arguments else list(SCENARIOS)
    if students_after_write:
        for scenario in wanted:
            after_write(scenario, students_after_write)
        return
    requests = int(os.environ.get("BENCH_REQUESTS", "2000"))
    token = student_token()
    print(f"{'scenario':<12} {'status':<16} CPU ms/request ({requests} requests, one process)")
    for scenario in wanted:
        for _ in range(50):  # warm: caches filled, code paths imported
            status = call(scenario, token)
        started = time.process_time()
        for _ in range(requests):
            call(scenario, token)
        per_request = (time.process_time() - started) / requests * 1000
        print(f"{scenario:<12} {status:<16} {per_request:.3f}")
    if profiled:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            call(profiled, token)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
