"""The web process as deployed (Procfile, gunicorn.conf.py): request bodies, server limits,
static files. Talks HTTP to a real gunicorn on loopback."""

import http.client
import json
import socket

from coursecompanion.tests.production_server import manage, production_env


def request(site, method: str, path: str, *, body: bytes | None = None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def raw_request(site, data: bytes) -> tuple[int, dict, bytes]:
    """Send bytes as they are (chunked bodies, broken requests) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def chunked(path: str, body: bytes, chunk_size: int = 1000) -> bytes:
    framed = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + chunk_size]), body[i : i + chunk_size])
        for i in range(0, len(body), chunk_size)
    )
    return (
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        ).encode()
        + framed
        + b"0\r\n\r\n"
    )


def error_code(headers: dict, body: bytes) -> str:
    content_type = headers.get("content-type") or headers.get("Content-Type")
    assert content_type.startswith("application/json"), (content_type, body[:200])
    return json.loads(body)["error"]["code"]


# --- chunked bodies --------------------------------------------------------------------------


def test_a_chunked_body_is_read_like_one_with_a_length(production_site):
    login = json.dumps({"email": "nobody@example.com", "password": "wrong-password-1"}).encode()
    status, headers, body = raw_request(production_site, chunked("/api/v1/auth/token", login, 7))
    # The body arrived: the credentials were checked (401), not "Field required" (422).
    assert status == 401, body
    assert error_code(headers, body) == "invalid_credentials"


def test_a_chunked_body_over_the_limit_is_413(production_site):
    three_mib = b'{"email": "' + b"a" * (3 * 1024 * 1024) + b'", "password": "x"}'
    status, headers, body = raw_request(
        production_site, chunked("/api/v1/auth/token", three_mib, 64 * 1024)
    )
    assert status == 413, body
    assert error_code(headers, body) == "payload_too_large"


# --- what gunicorn refuses itself is JSON, with limits above what the API accepts -------------


def test_the_longest_search_the_api_accepts_fits_the_request_line(production_site):
    # 200 characters of 4-byte UTF-8, percent-encoded: 2,400 bytes in the query alone.
    query = "%F0%9F%90%8D" * 200
    status, _, body = request(production_site, "GET", f"/api/v1/search?q={query}&limit=100")
    assert status == 200, body


def test_a_request_line_over_the_limit_is_json(production_site):
    status, headers, body = raw_request(
        production_site,
        b"GET /api/v1/search?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    )
    assert status == 400
    assert error_code(headers, body) == "bad_request"


def test_an_oversized_header_is_json(production_site):
    status, headers, body = raw_request(
        production_site,
        b"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
        + b"x" * 9000
        + b"\r\n\r\n",
    )
    assert status in (400, 431)
    assert error_code(headers, body) in ("bad_request", "request_header_fields_too_large")


def test_a_bad_content_length_is_json(production_site):
    status, headers, body = raw_request(
        production_site,
        b"POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
    )
    assert status == 400
    assert error_code(headers, body) == "bad_request"


def test_a_token_header_as_large_as_clients_send_is_accepted(production_site):
    status, headers, body = request(
        production_site, "GET", "/api/v1/me", headers={"Authorization": "Bearer " + "x" * 4000}
    )
    assert status == 401
    assert error_code(headers, body) == "not_authenticated"


# --- static files ----------------------------------------------------------------------------


def test_a_deployment_that_ran_the_release_step_serves_the_admin_and_the_docs(production_site):
    for path in ("/admin/login/", "/api/v1/docs"):
        status, _, body = request(production_site, "GET", path)
        assert status == 200, (path, body[:300])
    status, headers, _ = request(production_site, "GET", "/static/admin/css/base.css")
    assert status == 200


def test_the_web_process_refuses_to_start_without_collected_static_files(tmp_path):
    env = production_env(tmp_path)
    result = manage(env, "shell", "-c", "import coursecompanion.wsgi", timeout=60)
    assert result.returncode != 0
    assert "collectstatic" in result.stderr
    assert "Static files are not collected" in result.stderr


def test_the_procfile_release_step_collects_static_files():
    from coursecompanion.tests.production_server import REPO

    procfile = dict(
        line.split(":", 1) for line in (REPO / "Procfile").read_text().splitlines() if line
    )
    assert "collectstatic --noinput" in procfile["release"]
    assert "gunicorn.conf.py" in procfile["web"]


# --- slow clients ----------------------------------------------------------------------------

SLOW_CLIENTS = 16


def test_sixteen_slow_clients_leave_healthz_answering_within_a_second(production_site):
    """16 connections send their headers a byte at a time (a slowloris) while /healthz is asked
    five times; each answer must come within a second. Bounded: about 3 s in all."""
    import threading
    import time

    stop = threading.Event()
    partial = b"POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    connections = [
        socket.create_connection(("127.0.0.1", production_site.port), timeout=5)
        for _ in range(SLOW_CLIENTS)
    ]

    def trickle():
        # Every connection has started its request, so each holds a thread; then a byte each.
        for sock in connections:
            sock.sendall(partial)
        while not stop.wait(0.2):
            for sock in connections:
                sock.sendall(b"a")

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        time.sleep(0.5)
        latencies = []
        for _ in range(5):
            started = time.monotonic()
            status, _, _ = request(production_site, "GET", "/healthz")
            latencies.append(time.monotonic() - started)
            assert status == 200
            time.sleep(0.4)
        assert trickler.is_alive()  # the slow clients were still connected throughout
    finally:
        stop.set()
        trickler.join(timeout=5)
        for sock in connections:
            sock.close()
    assert max(latencies) < 1.0, latencies
    print(f"{SLOW_CLIENTS} slow clients held; /healthz latencies {latencies}")
