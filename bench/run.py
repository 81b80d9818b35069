"""`make bench`: the app served the production way, driven over loopback by wrk.

Starts the Procfile's `web:` command with DEBUG off on PostgreSQL and Redis, loads the demo course
and generated students (bench/seed.py), runs each scenario for a bounded time with wrk
(bench/load.lua), and prints one table with every scenario's share of the no-op's req/s from the
same run. Writes everything to bench/results/latest.json.

Settings (environment):
    BENCH_DATABASE_URL  the benchmark's own database, created if missing
                        (default postgres://postgres@127.0.0.1:5432/coursecompanion_bench)
    BENCH_REDIS_URL     default redis://127.0.0.1:6379/0; keys are prefixed "bench"
    BENCH_PORT          default 8099 (loopback only)
    BENCH_DURATION      seconds per scenario (default 8)
    BENCH_CONNECTIONS   default 64; BENCH_MIXED_CONNECTIONS 100; BENCH_HIGH_CONNECTIONS 128
    BENCH_STUDENTS      generated students (default 1000)
    BENCH_THINK_MS      a paced student's pause between calls, LOW-HIGH ms (default 250-750)
    BENCH_SCENARIOS     comma-separated subset of the scenario names (default: all)
    BENCH_PROFILE       1: py-spy records the first worker during each scenario
                        (bench/.work/profile-*.txt, collapsed stacks)
    WEB_CONCURRENCY     the Procfile's worker count, passed through
"""

import concurrent.futures
import http.client
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
WORK = BENCH_DIR / ".work"
PYTHON = sys.executable
WRK_THREADS = 2
# Seconds wrk waits for one response before counting a timeout.
WRK_TIMEOUT = "5s"
# Limits a real student never reaches (one call every few seconds at most), high enough that
# wrk's hundreds of calls per second per student are counted but never refused.
UNREACHABLE_RATE = "1000000/m"
# A student's pause between a response and the next call, in ms. Shorter than a real ChatGPT
# turn (the model writes its answer, the student reads it and types): a paced student still
# makes about two calls a second, 120 a minute, under the product's 300 a minute in all and
# about 17 per operation against its 60.
DEFAULT_THINK_MS = "250-750"
REPORTED_GUNICORN_SETTINGS = {
    "workers",
    "worker_class",
    "threads",
    "timeout",
    "keepalive",
    "worker_connections",
    "preload_app",
}


# The rate limits a server phase runs with: none, the product's own defaults, or the product's
# limiter raised to UNREACHABLE_RATE (it still counts every call, and refuses none).
LIMITS_OFF, PRODUCT_LIMITS, UNREACHABLE_LIMITS = "off", "product", "unreachable"
# The app a server phase runs: the product's settings, or the same settings with the floors'
# three bench-only endpoints added (bench/floor_urls.py), started after the product's phases.
PRODUCT_APP, FLOORS_APP = "product", "floors"
FLOORS_SETTINGS_MODULE = "floor_settings"


@dataclass
class Scenario:
    name: str
    title: str
    connections_setting: str = "BENCH_CONNECTIONS"
    limits: str = LIMITS_OFF
    app: str = PRODUCT_APP


SCENARIOS = [
    Scenario("noop", "no-op (/healthz, the ceiling)"),
    Scenario("list", "list chapters (anonymous)"),
    Scenario("read", "read a chapter, signed in"),
    Scenario("locked", "read a locked chapter (403)"),
    Scenario("search", "search, 48 questions cycled"),
    Scenario("quiz_get", "get a quiz"),
    Scenario("quiz_submit", "submit a quiz"),
    Scenario("progress", "get progress"),
    Scenario("checkin", "check in"),
    # A student's session (bench/load.lua) back to back, no pause: the server's capacity for
    # the mix, where latency is the queue (Little's law: connections / req/s).
    Scenario(
        "mixed",
        "mixed back to back: 100 connections, limits on",
        "BENCH_MIXED_CONNECTIONS",
        UNREACHABLE_LIMITS,
    ),
    Scenario(
        "mixed",
        "mixed back to back: 128 connections, limits on",
        "BENCH_HIGH_CONNECTIONS",
        UNREACHABLE_LIMITS,
    ),
    # The same session at a student's pace (bench/session.lua): each of the 100 waits
    # BENCH_THINK_MS between a response and its next call, as a student reading an answer
    # does, under the product's own limits.
    Scenario(
        "session",
        "mixed: 100 students at a student's pace, product limits",
        "BENCH_MIXED_CONNECTIONS",
        PRODUCT_LIMITS,
    ),
    # What one unavoidable round trip costs on its own: each endpoint does it and nothing else
    # (bench/floor_urls.py). No endpoint that makes it can beat its share of the no-op.
    # The floors' shares are of this no-op, measured on their own server just before them: on a
    # shared machine the product's no-op, minutes earlier, can be a third faster or slower.
    Scenario("noop", "no-op again, on the floors' server", app=FLOORS_APP),
    Scenario("floor_cache_get", "floor: one Redis GET, nothing else", app=FLOORS_APP),
    Scenario("floor_select", "floor: one SELECT 1, nothing else", app=FLOORS_APP),
    Scenario("floor_commit", "floor: one committed UPDATE, nothing else", app=FLOORS_APP),
]
PHASES = [
    (LIMITS_OFF, PRODUCT_APP),
    (UNREACHABLE_LIMITS, PRODUCT_APP),
    (PRODUCT_LIMITS, PRODUCT_APP),
    (LIMITS_OFF, FLOORS_APP),
]
# The single scenarios made as a signed-in student: before each, every student makes one call
# (warm_each_student), so each measures a student's repeat call, not their first of the run.
SIGNED_IN_SCENARIOS = {"read", "locked", "search", "quiz_get", "quiz_submit", "progress", "checkin"}
DEFAULT_CONNECTIONS = {
    "BENCH_CONNECTIONS": 64,
    "BENCH_MIXED_CONNECTIONS": 100,
    "BENCH_HIGH_CONNECTIONS": 128,
}


@dataclass
class Row:
    scenario: str
    title: str
    connections: int
    rate_limits: str
    app: str = PRODUCT_APP
    requests: int = 0
    seconds: float = 0.0
    req_per_s: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    timeouts: int = 0
    share_of_noop: float | None = None
    # The server's own CPU per request: steadier than req/s on a machine shared with others.
    worker_cpu_ms_per_req: float | None = None
    statuses: dict[str, int] = field(default_factory=dict)


def log(message: str) -> None:
    print(message, flush=True)


def setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing wrk (apt-get)")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        return shutil.which("wrk") or "wrk"
    sys.exit("wrk is missing: install Debian's `wrk` package (apt-get install wrk).")


def ensure_database(url: str) -> None:
    """Create the benchmark database when it does not exist (it is never dropped)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            log(f"creating database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def clear_cache_prefix(url: str, prefix: str) -> int:
    """Delete the benchmark's own keys (`prefix`:*), never the rest of that Redis database:
    a run must not be served from what an earlier run cached."""
    import redis

    client = redis.Redis.from_url(url)
    cleared = 0
    batch = []
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            cleared += client.delete(*batch)
            batch = []
    if batch:
        cleared += client.delete(*batch)
    return cleared


def server_environment(*, database_url: str, redis_url: str) -> dict[str, str]:
    """What production sets, with fresh keys for this run."""
    return {
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": "bench",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Named in the OpenAPI and OAuth documents only, which the benchmark does not follow.
        "PUBLIC_BASE_URL": "https://course.bench.invalid",
        # Long enough for the whole run: a token expiring mid-run would count as errors.
        "JWT_ACCESS_MINUTES": "60",
        "LOG_LEVEL": "WARNING",
    }


def app_environment(base: dict[str, str], *, limits: str, app: str = PRODUCT_APP) -> dict[str, str]:
    env = {**os.environ, **base, "RATELIMIT_ENABLE": "0" if limits == LIMITS_OFF else "1"}
    if app == FLOORS_APP:
        env["DJANGO_SETTINGS_MODULE"] = FLOORS_SETTINGS_MODULE
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_DIR), env.get("PYTHONPATH")]))
    if limits == UNREACHABLE_LIMITS:
        for name in (
            "RATE_LIMIT_USER_PER_OPERATION",
            "RATE_LIMIT_USER_TOTAL",
            "RATE_LIMIT_ANON_PER_OPERATION",
            "RATE_LIMIT_ANON_TOTAL",
        ):
            env[name] = UNREACHABLE_RATE
    return env


def venv_path() -> str:
    """PATH with this interpreter's bin first, so the Procfile's `gunicorn` is the venv's."""
    return f"{Path(PYTHON).parent}:{os.environ['PATH']}"


def procfile_command(process: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{process}:"):
            return line.split(":", 1)[1].strip()
    sys.exit(f"Procfile has no {process}: process")


def procfile_web_command() -> str:
    """The Procfile's web command, bound to loopback only: load never leaves this machine."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            command = line.split(":", 1)[1].strip().replace("0.0.0.0:", "127.0.0.1:")
            if "--bind" not in command:
                # The bind comes from gunicorn.conf.py; the command line overrides it.
                command += " --bind 127.0.0.1:${PORT}"
            return command
    sys.exit("Procfile has no web: process")


class Server:
    """The Procfile's web process, run through a shell as a platform would run it."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path) -> None:
        self.env = env
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = procfile_web_command()
        self.log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=ROOT,
            env={**self.env, "PORT": str(self.port), "PATH": venv_path()},
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"the server exited ({self.process.returncode}); see {self.log_path}")
            try:
                if get(self.port, "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        sys.exit(f"the server did not answer /healthz within 60 s; see {self.log_path}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the workers have used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for worker in self.workers():
            try:
                fields = Path(f"/proc/{worker['pid']}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def profile(self, seconds: int, out: Path) -> subprocess.Popen | None:
        """py-spy over the first worker for `seconds` (BENCH_PROFILE=1; needs py-spy and ptrace
        rights), as collapsed stacks in `out`."""
        py_spy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
        workers = self.workers()
        if not workers or not Path(py_spy).exists():
            return None
        return subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(workers[0]["pid"]),
                "--duration",
                str(seconds),
                "--format",
                "raw",
                "--output",
                str(out),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def workers(self) -> list[dict[str, object]]:
        """pid, RSS (MiB) and thread count of each worker process."""
        found = []
        for child in Path("/proc").glob("[0-9]*"):
            try:
                status = (child / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
            if fields.get("PPid", "").strip() == str(self.process.pid):
                rss_kib = int(fields.get("VmRSS", "0 kB").split()[0])
                found.append(
                    {
                        "pid": int(child.name),
                        "rss_mib": round(rss_kib / 1024, 1),
                        "threads": int(fields.get("Threads", "1")),
                    }
                )
        return sorted(found, key=lambda worker: worker["pid"])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def get(port: int, path: str, *, method: str = "GET", body: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        headers = {"Content-Type": "application/json"} if body else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def warm_each_student(
    port: int, students: list[dict], scenario: str, connections: int = 8
) -> float:
    """One call per student, just before a signed-in scenario, so what it measures is a student's
    repeat call: the user behind the token and their completed chapters cached (for 60 s, the
    user cache's lifetime), and for `progress` their overview. A timed warm-up reaches every
    student only on a fast machine, and the share of first calls in a run then depends on the
    machine. Returns the seconds the pass took."""
    path = "/api/v1/progress/me" if scenario == "progress" else None

    def walk(share: list[dict]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            for student in share:
                connection.request(
                    "GET",
                    path or f"/api/v1/chapters/{student['chapters'][0]}",
                    headers={"Authorization": f"Bearer {student['token']}"},
                )
                connection.getresponse().read()
        finally:
            connection.close()

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=connections) as pool:
        list(pool.map(walk, [students[n::connections] for n in range(connections)]))
    return time.perf_counter() - started


def think_time(text: str) -> tuple[int, int]:
    """BENCH_THINK_MS, "250-750" or "500": a student's pause in ms, drawn evenly from the range."""
    low, _, high = text.partition("-")
    pause = (int(low), int(high or low))
    if not 0 <= pause[0] <= pause[1]:
        sys.exit(f"BENCH_THINK_MS must be N or LOW-HIGH milliseconds, not {text!r}")
    return pause


def run_wrk(
    wrk: str,
    port: int,
    data: Path,
    scenario: str,
    connections: int,
    seconds: int,
    *,
    think_ms: tuple[int, int] = (0, 0),
):
    # session.lua is load.lua plus wrk's delay() hook; wrk applies a delay() to every request
    # once a script defines one, so the scenarios without a pause stay on load.lua.
    script = "session.lua" if scenario == "session" else "load.lua"
    command = [
        wrk,
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT}",
        "-s",
        str(BENCH_DIR / script),
        f"http://127.0.0.1:{port}",
        "--",
        str(data),
        scenario,
        str(WRK_THREADS),
        str(think_ms[0]),
        str(think_ms[1]),
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    for line in finished.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line.removeprefix("BENCH_RESULT "))
    sys.exit(f"wrk gave no result for {scenario}:\n{finished.stdout}\n{finished.stderr}")


def measured(row: Row, result: dict) -> Row:
    row.requests = result["requests"]
    row.seconds = round(result["duration_us"] / 1e6, 2)
    row.req_per_s = round(row.requests / row.seconds, 1) if row.seconds else 0.0
    row.p50_ms = round(result["p50_us"] / 1000, 2)
    row.p95_ms = round(result["p95_us"] / 1000, 2)
    row.p99_ms = round(result["p99_us"] / 1000, 2)
    row.timeouts = result["timeouts"]
    row.errors = (
        result["unexpected_status"]
        + result["connect_errors"]
        + result["read_errors"]
        + result["write_errors"]
        + result["timeouts"]
    )
    row.statuses = result["statuses"]
    return row


def sign_in_everyone(port: int, students: list[dict], password: str) -> tuple[dict, list[str]]:
    """Each student signs in once, all at the same moment: POST /auth/token with the real
    password (Django's full PBKDF2 cost). Returns the timing summary and the access tokens."""

    def sign_in(email: str) -> tuple[float, int, str]:
        started = time.perf_counter()
        status, body = get(
            port,
            "/api/v1/auth/token",
            method="POST",
            body=json.dumps({"email": email, "password": password}),
        )
        token = json.loads(body).get("access", "") if status == 200 else ""
        return time.perf_counter() - started, status, token

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(students)) as pool:
        outcomes = list(pool.map(sign_in, [student["email"] for student in students]))
    wall = time.perf_counter() - started
    latencies = sorted(seconds for seconds, _, _ in outcomes)

    def percentile(share: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000, 1)

    summary = {
        "students": len(students),
        "wall_s": round(wall, 2),
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "errors": sum(1 for _, status, _ in outcomes if status != 200),
    }
    return summary, [token for _, _, token in outcomes]


def write_session_data(full: Path, tokens: list[str], students: int, out: Path) -> None:
    """The mixed run's data: the first `students` students with the tokens they signed in with."""
    lines = [
        f"local data = dofile({json.dumps(str(full))})",
        "local signed_in = {}",
        f"local tokens = {{{', '.join(json.dumps(token) for token in tokens)}}}",
        f"for i = 1, {students} do",
        "  local student = data.students[i]",
        "  if tokens[i] ~= '' then student.token = tokens[i] end",
        "  table.insert(signed_in, student)",
        "end",
        "data.students = signed_in",
        "return data",
    ]
    out.write_text("\n".join(lines) + "\n")


def print_table(rows: list[Row]) -> str:
    header = (
        "| scenario | conns | req/s | p50 ms | p95 ms | p99 ms | errors | share of no-op "
        "| worker CPU ms/req |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [header]
    for row in rows:
        share = "" if row.share_of_noop is None else f"{row.share_of_noop:.2f}"
        lines.append(
            f"| {row.title} | {row.connections} | {row.req_per_s:,.0f} | {row.p50_ms:.1f} | "
            f"{row.p95_ms:.1f} | {row.p99_ms:.1f} | {row.errors} | {share} | "
            f"{row.worker_cpu_ms_per_req if row.worker_cpu_ms_per_req is not None else ''} |"
        )
    return "\n".join(lines)


def main() -> None:
    wall_started = time.monotonic()
    wrk = ensure_wrk()
    database_url = setting(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coursecompanion_bench"
    )
    redis_url = setting("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    port = int(setting("BENCH_PORT", "8099"))
    seconds = int(setting("BENCH_DURATION", "8"))
    students = int(setting("BENCH_STUDENTS", "1000"))
    mixed_students = int(setting("BENCH_MIXED_STUDENTS", "100"))
    think_ms = think_time(setting("BENCH_THINK_MS", DEFAULT_THINK_MS))
    wanted = set(filter(None, setting("BENCH_SCENARIOS", "").split(",")))
    profile = setting("BENCH_PROFILE", "") == "1"
    connections = {
        name: int(setting(name, str(default))) for name, default in DEFAULT_CONNECTIONS.items()
    }
    WORK.mkdir(exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    base_env = server_environment(database_url=database_url, redis_url=redis_url)
    setup_env = app_environment(base_env, limits=LIMITS_OFF)

    log(f"== database {urlparse(database_url).path.lstrip('/')}: release step and seed")
    ensure_database(database_url)
    cleared = clear_cache_prefix(redis_url, base_env["CACHE_KEY_PREFIX"])
    log(f"   cleared {cleared} cache keys of earlier runs: every run starts cold")
    # The Procfile's release step, as a platform runs it before starting the web process.
    subprocess.run(
        ["bash", "-c", procfile_command("release").replace("python ", f"{PYTHON} ")],
        cwd=ROOT,
        env={**setup_env, "PATH": venv_path()},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    data = WORK / "data.lua"
    subprocess.run(
        [PYTHON, str(BENCH_DIR / "seed.py"), str(students), str(data)],
        cwd=ROOT,
        env=setup_env,
        check=True,
    )
    server_log = WORK / "server.log"
    server_log.write_bytes(b"")
    seeded = json.loads(data.with_suffix(".json").read_text())

    rows: list[Row] = []
    phases: list[dict] = []
    sign_in: dict | None = None
    session_data: Path | None = None
    # The product's limits come last: the students sign in under unreachable ones, since the
    # product allows 60 sign-ins a minute from one address and all 100 come from loopback.
    for limits, app in PHASES:
        phase = [
            s
            for s in SCENARIOS
            if (s.limits, s.app) == (limits, app) and (not wanted or s.name in wanted)
        ]
        if not phase or (app == FLOORS_APP and all(s.name == "noop" for s in phase)):
            continue  # (the floors' no-op is there for the floors' shares only)
        env = app_environment(base_env, limits=limits, app=app)
        server = Server(env, port, server_log)
        app_note = f", settings {FLOORS_SETTINGS_MODULE}" if app == FLOORS_APP else ""
        log(f"== server: rate limits {limits}{app_note}: {procfile_web_command()}")
        server.start()
        try:
            scenario_data = data
            if limits != LIMITS_OFF:
                if session_data is None:
                    log(f"   {mixed_students} students sign in once (POST /auth/token) at once")
                    sign_in, tokens = sign_in_everyone(
                        port, seeded["students"][:mixed_students], password=seeded["password"]
                    )
                    log(f"   sign-in: {sign_in}")
                    if limits == PRODUCT_LIMITS and sign_in["errors"]:
                        # Only without the back-to-back runs: their phase signs in first.
                        log(
                            "   (the product allows 60 sign-ins a minute from one address; "
                            "the refused students use their seeded tokens. Add `mixed` to "
                            "BENCH_SCENARIOS to sign everyone in under unreachable limits.)"
                        )
                    session_data = WORK / "session.lua"
                    write_session_data(data, tokens, mixed_students, session_data)
                scenario_data = session_data
            # Warm-up (caches, connections, lazy imports), not measured.
            if limits != LIMITS_OFF:
                warm = "mixed"
            elif app == FLOORS_APP:
                warm = "floor_commit"  # the one that opens database connections
            else:
                warm = "read"
            run_wrk(wrk, port, scenario_data, warm, 8, 2)
            for scenario in phase:
                count = connections[scenario.connections_setting]
                row = Row(scenario.name, scenario.title, count, scenario.limits, scenario.app)
                number = len(rows) + 1
                log(f"[{number}] {scenario.title}: {count} connections, {seconds} s ...")
                if (
                    app == PRODUCT_APP
                    and limits == LIMITS_OFF
                    and scenario.name in SIGNED_IN_SCENARIOS
                ):
                    took = warm_each_student(port, seeded["students"], scenario.name)
                    log(f"    (each student called once: {took:.1f} s)")
                profiler = None
                if profile:
                    out = WORK / f"profile-{number:02d}-{scenario.name}.txt"
                    profiler = server.profile(seconds, out)
                cpu_before = server.cpu_seconds()
                measured(
                    row,
                    run_wrk(
                        wrk, port, scenario_data, scenario.name, count, seconds, think_ms=think_ms
                    ),
                )
                if row.requests:
                    used = server.cpu_seconds() - cpu_before
                    row.worker_cpu_ms_per_req = round(used * 1000 / row.requests, 3)
                if profiler is not None:
                    profiler.wait(timeout=60)
                rows.append(row)
                log(
                    f"    {row.req_per_s:,.0f} req/s, p95 {row.p95_ms:.1f} ms, "
                    f"errors {row.errors}, worker CPU {row.worker_cpu_ms_per_req} ms/req, "
                    f"statuses {row.statuses}"
                )
            phases.append(
                {
                    "rate_limits": limits,
                    "app": app,
                    "workers_at_end": server.workers(),
                    "command": procfile_web_command(),
                }
            )
        finally:
            server.stop()

    # Each row's share is of the no-op its app measured: the product's first, the floors' own.
    noops = {}
    for row in rows:
        if row.scenario == "noop":
            noops.setdefault(row.app, row)
    for row in rows:
        noop = noops.get(row.app) or noops.get(PRODUCT_APP)
        if noop and noop.req_per_s:
            row.share_of_noop = round(row.req_per_s / noop.req_per_s, 3)
    table = print_table(rows)
    log("\n" + table)
    if sign_in:
        log(
            f"\nsign-in before the mixed run: {sign_in['students']} students at once, "
            f"p50 {sign_in['p50_ms']} ms, p95 {sign_in['p95_ms']} ms, errors {sign_in['errors']}, "
            f"{sign_in['wall_s']} s in all (PBKDF2 password hashing, by design)"
        )
    for phase in phases:
        workers = ", ".join(
            f"pid {w['pid']}: {w['rss_mib']} MiB ({w['threads']} threads)"
            for w in phase["workers_at_end"]
        )
        if phase["app"] == PRODUCT_APP:
            log(f"worker RSS at the end (limits {phase['rate_limits']}): {workers}")
    server_settings = server_configuration(base_env)
    log("server settings: " + json.dumps(server_settings))
    wall = round(time.monotonic() - wall_started, 1)
    log(
        f"bench wall time: {wall} s (machine: {platform.node()}, {os.cpu_count()} cores; "
        "a shared machine makes absolute numbers noisy: compare the shares)"
    )
    (RESULTS / "latest.json").write_text(
        json.dumps(
            {
                "rows": [asdict(row) for row in rows],
                "sign_in": sign_in,
                "phases": phases,
                "server": server_settings,
                "seconds_per_scenario": seconds,
                "students": students,
                "wall_time_s": wall,
                "load_average": os.getloadavg(),
                "cpus": os.cpu_count(),
                "table": table,
            },
            indent=2,
        )
        + "\n"
    )
    log(f"results: {RESULTS / 'latest.json'}")


def server_configuration(base_env: dict[str, str]) -> dict[str, object]:
    """The Procfile command, and gunicorn's own view of its resolved configuration."""
    command = procfile_web_command()
    printed = subprocess.run(
        ["bash", "-c", f"exec {command} --print-config"],
        cwd=ROOT,
        env={**os.environ, **base_env, "PORT": "0", "PATH": venv_path()},
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    resolved = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition("=") for line in printed.splitlines())
        if key.strip() in REPORTED_GUNICORN_SETTINGS
    )
    return {
        "procfile_web": command,
        "gunicorn": resolved,
        "web_concurrency": os.environ.get("WEB_CONCURRENCY", "(Procfile default)"),
        "django_debug": base_env["DJANGO_DEBUG"],
        "database_conn_max_age": os.environ.get("DATABASE_CONN_MAX_AGE", "(settings default)"),
        "database": "PostgreSQL (BENCH_DATABASE_URL)",
        "cache": "Redis (BENCH_REDIS_URL)",
    }


if __name__ == "__main__":
    main()
