"""A real S3-speaking server on loopback for storage tests: moto's server app behind werkzeug on
127.0.0.1 and a free port, with a thin WSGI layer that records every request's method, path and
headers. boto3 is never patched: the storage talks HTTP to this server like it would to R2."""

import threading
import uuid
from dataclasses import dataclass

import boto3
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

ACCESS_KEY, SECRET_KEY = "loopback-access-key", "loopback-secret-key"


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names, as sent


class _QuietHandler(MotoRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


class LoopbackS3:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        app = DomainDispatcherApplication(create_backend_app)

        def recording_app(environ, start_response):
            headers = {
                key[5:].replace("_", "-").lower(): value
                for key, value in environ.items()
                if key.startswith("HTTP_")
            }
            for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                if environ.get(key):
                    headers[key.replace("_", "-").lower()] = environ[key]
            self.requests.append(
                RecordedRequest(
                    environ["REQUEST_METHOD"],
                    environ.get("PATH_INFO", ""),
                    environ.get("QUERY_STRING", ""),
                    headers,
                )
            )
            return app(environ, start_response)

        self._server = make_server(
            "127.0.0.1", 0, recording_app, threaded=True, request_handler=_QuietHandler
        )
        self.endpoint_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def client(self):
        # Only for the tests' own setup and inspection; the code under test uses its storage.
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def create_bucket(self) -> str:
        name = f"test-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()
