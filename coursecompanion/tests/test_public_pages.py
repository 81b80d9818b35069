"""The public pages the GPT editor and students link to: plain HTML from templates/pages/."""

import pytest


def test_landing_page_says_what_this_is_and_links_docs_schema_and_privacy(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "No AI runs on this server" in html
    for link in ("/api/v1/docs", "/api/v1/openapi-gpt.json", "/api/v1/openapi.json", "/privacy/"):
        assert f'href="{link}"' in html


def test_privacy_page_says_what_is_stored_for_how_long_and_how_to_delete_it(client, settings):
    settings.SUPPORT_EMAIL = "privacy@course.example.com"
    html = client.get("/privacy/").content.decode()
    assert "What we store" in html and "For how long" in html
    assert "Delete your account" in html and "mailto:privacy@course.example.com" in html
    assert "60 minutes each" in html and "30 days" in html
    assert "DELETE /api/v1/me/connections/{id}" in html


def test_terms_page_is_served(client):
    response = client.get("/terms/")
    assert response.status_code == 200
    assert b"Terms of use" in response.content


@pytest.mark.parametrize("path", ["/", "/privacy/", "/terms/"])
def test_public_pages_are_mobile_friendly_and_load_nothing_from_elsewhere(client, path):
    html = client.get(path).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<html lang="en">' in html
    assert "<script src" not in html and 'rel="stylesheet"' not in html


def test_public_pages_refuse_writes(client):
    assert client.post("/privacy/").status_code == 405
