"""What a student sees on their phone, in headless Chromium: the sign-in page, the consent page,
and the redirect back to ChatGPT. With SCREENSHOT_DIR set, each page is saved there as a PNG."""

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from chatgpt.tests.oauth_flow import GPT_CALLBACK, PASSWORD, GptClient
from conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"i11-{name}.png"), full_page=True)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_sign_in_and_consent_pages_render_on_a_phone(browser_page, live_server):
    page = browser_page
    gpt = GptClient()
    make_user("phone@example.com", display_name="Ada")
    callbacks = []
    page.route(
        "https://chat.openai.com/**",
        lambda route: (callbacks.append(route.request.url), route.fulfill(body="back in ChatGPT")),
    )

    page.goto(live_server.url + gpt.authorize_url())
    assert page.url.startswith(f"{live_server.url}/oauth/sign-in/")
    assert page.get_by_role("heading", name="Sign in to Course Companion").is_visible()
    assert page.get_by_label("Email").is_visible() and page.get_by_label("Password").is_visible()
    assert page.get_by_role("link", name="Create a free account").is_visible()
    assert fits_the_phone(page)
    shot(page, "oauth-sign-in")

    page.get_by_label("Email").fill("phone@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "The email or password is not correct."
    shot(page, "oauth-sign-in-error")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    heading = "Allow Course Companion GPT to use your Course Companion account?"
    assert page.get_by_role("heading", name=heading).is_visible()
    scopes = page.locator("ul.scopes li").all_inner_texts()
    # The GPT asks for read and write: each is explained, and nothing else is shown.
    assert scopes == [settings.OAUTH2_PROVIDER["SCOPES"][name] for name in ("read", "write")]
    assert fits_the_phone(page)
    shot(page, "oauth-consent")

    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{GPT_CALLBACK}**")
    (url,) = callbacks
    query = parse_qs(urlsplit(url).query)
    assert query["state"] == ["state-123"] and query["code"]
    # Only the wrong password's answer (401) was an error.
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    ]


def test_registration_page_renders_on_a_phone(browser_page, live_server):
    page = browser_page
    page.goto(f"{live_server.url}/oauth/sign-up/?next=/")
    assert page.get_by_role("heading", name="Create your account").is_visible()
    assert page.get_by_label("Your name (optional)").is_visible()
    # The browser's own time zone is filled in for streak days.
    assert page.locator("#id_timezone").input_value()
    assert fits_the_phone(page)
    shot(page, "oauth-sign-up")
    assert page.console_errors == []
