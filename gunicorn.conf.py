"""Gunicorn settings for the `web:` process (Procfile). Each setting says why it has its value.

The API is served straight to the internet (no buffering proxy is assumed), so the worker model
must survive slow clients, and whatever gunicorn refuses itself must still be JSON."""

import json
import os

from gunicorn import util

# The platform gives the port; 8000 locally.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# gthread: a client that sends its request a byte at a time holds one thread, not a whole
# process (a sync worker is taken down by as many slow clients as there are workers), and
# gunicorn 25's gthread worker parks connections that have sent nothing yet in its poller, so
# idle connections hold no thread at all. Django is WSGI; threads suit its I/O-bound requests.
#
# Chosen by measurement (issue 14): the same app's no-op /healthz, 2 processes, wrk with 64
# keep-alive connections for 6 s on this 2-core machine (2026-12-01, quiet; runs vary ±15%):
#   gunicorn sync                   1,616 req/s  no keep-alive; a slow client stalls a process
#   gunicorn gthread, 4 threads     5,298 req/s  (1,616 in an earlier run: bimodal)
#   gunicorn gthread, 8 threads     5,804 req/s  (1,634 in a later run)
#   gunicorn gthread, 32 threads    3,706-4,118 req/s
#   gunicorn + uvicorn workers        335-639 req/s  Django's sync views hop threads under ASGI
#   granian WSGI                    5,618-6,723 req/s  its HTTP layer is Rust, outside the GIL
#   granian ASGI                      731-734 req/s
# Fewer threads serve more (list and read: 20-30% more req/s, half the p95 with 4 than with 32,
# `make bench`), but the slow-client requirement needs more threads than slow clients on one
# process (below). The bimodal gthread runs were one process taking every connection: fixed by
# reuse_port (below). granian WSGI was fastest (its behaviour with slow clients not yet tested),
# but the stack is gunicorn, and this file's limits and JSON answers for refused requests
# (write_json_error) are gunicorn's: a move worth its own issue.
# MCP's ASGI needs are served by the `mcp:` process (uvicorn workers), not this one.
worker_class = "gthread"
# Each process listens on its own socket (SO_REUSEPORT) and the kernel spreads new connections
# across them. With one shared socket, whichever process accepted first could take every
# keep-alive connection of a burst while the other sat idle: measured with wrk's 64
# connections, all 64 landed on one process in three runs of four (1,600 no-op req/s instead
# of 5,300: the bimodal runs above); with this setting each process held 23-41 of them.
reuse_port = True
# Processes: one per core is the starting point (the GIL bounds each to one core of Python).
# The performance issue tunes the default by measurement; operators set WEB_CONCURRENCY.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads per process: requests in flight per process. Fewer serve more (the GIL runs one at a
# time, and contention costs), but a slow client holds a thread while it trickles in a request.
# With reuse_port each connection lands on a process at random, so 16 threads are taken only if
# all 16 slow clients of the reliability test land on one process (about 1 in 30,000); with 8
# it fails every time. Measured with `make bench` (2 processes, reuse_port, two runs each):
# 16 threads served list at 0.40-0.41 of the no-op, read 0.32-0.34 and search 0.23-0.26, against
# 0.33-0.35, 0.29-0.30 and 0.20-0.21 with 32, at about half the p95. Each thread may hold a
# database connection: workers * threads must stay below PostgreSQL's max_connections (100 by
# default) or go through PgBouncer.
threads = int(os.environ.get("WEB_THREADS", "16"))
# Connections one process keeps open at once (in flight + keep-alive). Past it the process stops
# accepting; with reuse_port, new connections the kernel gave its socket wait in that socket's
# backlog until it accepts again.
worker_connections = int(os.environ.get("WEB_WORKER_CONNECTIONS", "256"))

# A worker whose main loop has not checked in for this long is killed and replaced. With
# gthread the main loop keeps checking in while threads wait on slow clients or the database,
# so this only fires on a truly stuck process; the database's own timeouts (3 s connect, 10 s
# statement, settings.py) end a hung query long before.
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
# On a deploy, requests in flight get this long to finish before the old workers are stopped.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
# ChatGPT reuses connections between tool calls; idle keep-alive connections sit in the poller
# (no thread), and 5 s bounds how many an idle crowd can pile up.
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))

# Request-line limit: gunicorn's maximum (8190 bytes). The longest request line the API accepts
# is far below it: a 200-character search query percent-encoded as 4-byte UTF-8 is 2,400 bytes,
# plus the path and page parameters. Gunicorn's default (4094) refused valid long searches.
limit_request_line = 8190
# Header count: browsers and ChatGPT send about 20; 100 is gunicorn's default and plenty.
limit_request_fields = 100
# Header size: a bearer token (a JWT is ~300 bytes, an OAuth token shorter) or the admin's session
# and CSRF cookies fit in 8190 bytes many times over; larger headers are refused (431, JSON).
limit_request_field_size = 8190

# One access-log line per request comes from the app (coursecompanion/logs.py, JSON with the
# request id); gunicorn's own access log would only repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")


# Gunicorn answers what it refuses itself (a request line or header over the limits above, a
# malformed request) with an HTML page. API clients read JSON only, so that page becomes the
# API's error shape. gunicorn.util.write_error is the one function its workers call for this.
def write_json_error(sock, status_int, reason, mesg):
    # The catalogue is plain Python (no Django), so the master may import it before the app.
    from coursecompanion.errors import render_status

    error = render_status(status_int)
    error.body["error"]["message"] = f"{reason}: {mesg}" if mesg else reason
    body = json.dumps(error.body)
    response = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body.encode())}\r\n"
        "\r\n"
        f"{body}"
    )
    util.write_nonblock(sock, response.encode())


util.write_error = write_json_error
