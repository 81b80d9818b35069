"""The media storage on Cloudflare R2 (django-storages' S3 backend aimed at R2's S3 API).

settings.py builds STORAGES["default"] with r2_storage() when the R2 variables are set; the tests
build it the same way, aimed at a loopback S3 server, so they exercise these exact options."""

from typing import Any

from botocore.config import Config


def r2_storage(
    *,
    access_key: str,
    secret_key: str,
    bucket: str,
    endpoint_url: str,
    url_expire_seconds: int,
) -> dict[str, Any]:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "access_key": access_key,
            "secret_key": secret_key,
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": "auto",
            "signature_version": "s3v4",
            "client_config": Config(
                signature_version="s3v4",
                # botocore >= 1.36 adds CRC checksum headers to every upload and validates them
                # on download; R2 rejects some of them, so only when an operation requires it.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                # Bounded, so /readyz and an admin upload fail within seconds when R2 is down.
                connect_timeout=5,
                read_timeout=30,
                retries={"mode": "standard", "max_attempts": 3},
            ),
            "default_acl": None,  # R2 has no ACLs
            "file_overwrite": False,  # keys carry a UUID; never replace an existing object
            # Private by default: links are presigned and expire. Public assets get unsigned
            # links through R2_PUBLIC_DOMAIN (content.media.media_url), not via custom_domain,
            # which would make every link unsigned.
            "querystring_auth": True,
            "querystring_expire": url_expire_seconds,
        },
    }
