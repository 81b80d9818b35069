"""The R2 variables in settings.py: all or nothing, and the options R2 needs."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(__file__).resolve().parents[1] / "settings.py"
R2_VARIABLES = (
    "R2_ACCOUNT_ID",
    "R2_ACCESS_KEY_ID",
    "R2_SECRET_ACCESS_KEY",
    "R2_BUCKET",
    "R2_ENDPOINT_URL",
    "R2_PUBLIC_DOMAIN",
    "R2_URL_EXPIRE_SECONDS",
)


def load_settings(monkeypatch, **env) -> dict:
    for name in R2_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_without_r2_media_are_local_files(monkeypatch):
    values = load_settings(monkeypatch)
    assert values["R2_ENABLED"] is False
    assert values["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")


def test_r2_variables_switch_the_default_storage(monkeypatch):
    values = load_settings(
        monkeypatch,
        R2_ACCOUNT_ID="abc123",
        R2_ACCESS_KEY_ID="key",
        R2_SECRET_ACCESS_KEY="secret",
        R2_BUCKET="course-media",
        R2_URL_EXPIRE_SECONDS="120",
    )
    storage = values["STORAGES"]["default"]
    options = storage["OPTIONS"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert options["endpoint_url"] == "https://abc123.r2.cloudflarestorage.com"
    assert options["bucket_name"] == "course-media"
    assert options["region_name"] == "auto"
    assert options["signature_version"] == "s3v4"
    assert options["default_acl"] is None
    assert options["file_overwrite"] is False
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] == 120
    config = options["client_config"]
    assert config.request_checksum_calculation == "when_required"
    assert config.response_checksum_validation == "when_required"
    assert config.signature_version == "s3v4"
    assert values["STORAGES"]["staticfiles"]  # untouched


def test_endpoint_url_may_replace_the_account_id(monkeypatch):
    values = load_settings(
        monkeypatch,
        R2_ENDPOINT_URL="https://abc.eu.r2.cloudflarestorage.com",
        R2_ACCESS_KEY_ID="key",
        R2_SECRET_ACCESS_KEY="secret",
        R2_BUCKET="b",
    )
    assert values["STORAGES"]["default"]["OPTIONS"]["endpoint_url"] == (
        "https://abc.eu.r2.cloudflarestorage.com"
    )


def test_half_configured_r2_refuses_to_start(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="R2_SECRET_ACCESS_KEY"):
        load_settings(monkeypatch, R2_ACCOUNT_ID="abc", R2_ACCESS_KEY_ID="k", R2_BUCKET="b")
