"""The shared browser fixture works: a page renders, and console errors are collected."""


def test_browser_renders_a_page_and_collects_console_errors(browser_page):
    browser_page.set_content("<h1>Chapter</h1><script>console.error('boom')</script>")
    assert browser_page.inner_text("h1") == "Chapter"
    assert browser_page.console_errors == ["boom"]
