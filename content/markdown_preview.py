"""Markdown as students' clients will show it, for the editors' preview only.

The stored text is never changed: the API serves it verbatim. This renders a copy with
markdown-it-py (CommonMark, plus tables; fenced code is CommonMark) and sanitises the HTML with
nh3, so no script, event handler or javascript: link survives whatever an editor pastes.
`media:<name>` references point at the asset's file; an unknown name is marked, never a link."""

from collections.abc import Iterable

import nh3
from django.db.models import Q
from markdown_it import MarkdownIt
from markdown_it.token import Token

from content.media import media_references, media_summary, media_url
from content.models import MediaAsset

MEDIA_SCHEME = "media:"
UNKNOWN_MEDIA_CLASS = "unknown-media"

# Tags and attributes Markdown produces; anything else an editor types as raw HTML is dropped.
ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "span": {"class"},
    "td": {"style"},
    "th": {"style"},
    "ol": {"start"},
}
# markdown-it aligns table cells with style="text-align: ..."; no other property is kept.
ALLOWED_STYLE_PROPERTIES = {"text-align"}

markdown_parser = MarkdownIt("commonmark").enable("table")


# `chapter` for media_urls / render: any asset when None (text outside a chapter, e.g. a quiz
# prompt); otherwise what the API resolves for that chapter's text: its own assets and the
# course-wide ones (NEW_CHAPTER: course-wide only, as an unsaved chapter owns none yet).
NEW_CHAPTER = 0


def media_urls(names: Iterable[str], *, chapter: int | None = None) -> dict[str, str]:
    """Where each known asset name's file is served (one query; unknown names are left out)."""
    wanted = set(names)
    if not wanted:
        return {}
    assets = MediaAsset.objects.filter(name__in=wanted)
    if chapter is not None:
        assets = assets.filter(Q(chapter__isnull=True) | Q(chapter_id=chapter))
    return {asset.name: media_url(media_summary(asset)) for asset in assets}


def _resolve_media(tokens: list[Token], urls: dict[str, str], unknown: list[str]) -> None:
    for token in tokens:
        if token.children:
            _resolve_media(token.children, urls, unknown)
        attribute = {"image": "src", "link_open": "href"}.get(token.type)
        value = str(token.attrGet(attribute) or "") if attribute else ""
        if attribute is None or not value.startswith(MEDIA_SCHEME):
            continue
        name = value.removeprefix(MEDIA_SCHEME)
        if name in urls:
            token.attrSet(attribute, urls[name])
        else:
            unknown.append(name)
            token.attrSet(attribute, "#")
            token.attrSet("title", f"Unknown media: {name}")


def _sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render_inline_html(text: str) -> str:
    """One line of Markdown (a quiz option) without the paragraph around it."""
    return _sanitise(markdown_parser.renderInline(text))


def render(text: str, *, chapter: int | None = None) -> dict[str, object]:
    """{"html": sanitised HTML, "unknown_media": names no asset (reachable from `chapter`) has}."""
    tokens = markdown_parser.parse(text)
    unknown: list[str] = []
    _resolve_media(tokens, media_urls(media_references(text), chapter=chapter), unknown)
    html = markdown_parser.renderer.render(tokens, markdown_parser.options, {})
    return {"html": _sanitise(html), "unknown_media": list(dict.fromkeys(unknown))}


def render_html(text: str) -> str:
    return str(render(text)["html"])
