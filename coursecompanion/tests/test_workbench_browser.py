"""The editors' workbench in headless Chromium: the preview follows the text as it is typed,
and the dashboard's charts render with no console errors. Set WORKBENCH_SHOTS=<dir> to keep
screenshots of the preview, a diff and the dashboard."""

import os
from pathlib import Path

import pytest
from django.test import Client

from conftest import make_editor
from content.models import Section
from coursecompanion.tests.factories import ChapterFactory, SectionFactory
from coursecompanion.tests.test_dashboard import seeded  # noqa: F401  (a fixture)

# The live server runs in another thread, so the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)
DESKTOP = {"width": 1280, "height": 900}


def shot(page, name: str) -> None:
    folder = os.environ.get("WORKBENCH_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def signed_in(page, live_server) -> None:
    client = Client()
    client.force_login(make_editor())
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.set_viewport_size(DESKTOP)
    # The site has no favicon; Chromium's own request for one is not the page's error.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))


def test_the_preview_follows_the_text_and_never_runs_its_scripts(browser_page, live_server):
    page = browser_page
    chapter = ChapterFactory(title="Recursion")
    SectionFactory(chapter=chapter, order=1, title="Base case", content="## Base case\n\nStart.")
    signed_in(page, live_server)
    page.goto(f"{live_server.url}/admin/content/chapter/{chapter.id}/change/")
    preview = (
        page.locator("#id_sections-0-content").locator("xpath=..").locator(".markdown-preview-body")
    )
    preview.locator("h2", has_text="Base case").wait_for()
    editor = page.locator("#id_sections-0-content")
    editor.fill(
        "## A function that calls itself\n\n"
        "| n | fact(n) |\n|--:|--:|\n| 3 | 6 |\n\n"
        "```python\ndef fact(n):\n    return 1 if n == 0 else n * fact(n - 1)\n```\n\n"
        '<img src="x" onerror="window.pwned = true"> <script>window.pwned = true</script>\n'
    )
    preview.locator("h2", has_text="A function that calls itself").wait_for()
    assert preview.locator("table td").first.inner_text() == "3"
    assert "def fact(n)" in preview.locator("pre code").inner_text()
    assert page.evaluate("window.pwned === undefined")
    assert preview.locator("img[onerror], script").count() == 0
    shot(page, "i15-preview.png")
    editor.fill("Now **bold** only.")
    preview.locator("strong", has_text="bold").wait_for()
    assert preview.locator("h2").count() == 0
    assert page.console_errors == []


def test_edit_diff_and_revert_in_the_browser(browser_page, live_server):
    page = browser_page
    old_text = "for x in y:\n    pass\n"
    chapter = ChapterFactory(title="Loops")
    section = SectionFactory(chapter=chapter, order=1, title="For", content=old_text)
    signed_in(page, live_server)
    change = f"{live_server.url}/admin/content/chapter/{chapter.id}/change/"
    page.goto(change)
    page.click("input[name=_continue]")  # the first version: as it is
    page.locator(".messagelist .success").wait_for()
    # Browsers send a textarea's line breaks as CRLF: that is the text as typed, kept verbatim.
    first_version = Section.objects.get(pk=section.id).content
    assert first_version.replace("\r\n", "\n") == old_text
    page.fill("#id_title", "Loops and iteration")
    page.fill("#id_sections-0-content", "for item in items:\n    print(item)\n")
    page.click("input[name=_continue]")
    page.locator(".messagelist .success").wait_for()
    page.goto(f"{live_server.url}/admin/content/chapter/{chapter.id}/history/")
    page.locator("#change-history a", has_text="Changes").first.click()  # the latest save
    page.locator("table.diff").wait_for()
    assert page.locator("table.diff .diff_chg, table.diff .diff_add, table.diff .diff_sub").count()
    assert "print(item)" in page.locator("table.diff").inner_text()
    shot(page, "i15-diff.png")
    page.goto(f"{live_server.url}/admin/content/chapter/{chapter.id}/history/")
    shot(page, "i15-history.png")
    page.click("input[value='Revert to this version']")
    page.locator(".messagelist .success").wait_for()
    body = Client().get(f"/api/v1/chapters/{chapter.id}").json()
    assert body["title"] == "Loops"
    assert [s["content"] for s in body["sections"]] == [first_version]
    assert [s["id"] for s in body["sections"]] == [section.id]
    assert page.console_errors == []


def test_the_dashboard_charts_render_without_console_errors(browser_page, live_server, seeded):  # noqa: F811
    page = browser_page
    signed_in(page, live_server)
    page.goto(f"{live_server.url}/admin/")
    page.click("text=Teaching dashboard")
    page.locator("#upgrade-wall").wait_for()
    charts = page.locator("svg.dashboard-chart")
    assert charts.count() == 3
    for index in range(3):
        box = charts.nth(index).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 50
    assert page.locator("svg.dashboard-chart rect.bar").count() >= 30 + 6 + 1
    assert "quokka migration" in page.locator("#search-gaps").inner_text()
    shot(page, "i15-dashboard.png")
    page.select_option("select[name=course]", label="Python")
    page.wait_for_url("**course=*")
    assert page.locator("svg.dashboard-chart").count() == 3
    assert page.console_errors == []
