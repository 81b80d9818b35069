"""The editors' live preview: the admin's Markdown textareas post their text here as the editor
types (content/static/content/markdown_preview.js) and show the sanitised HTML beside it."""

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from content import markdown_preview

# Anyone who may edit Markdown somewhere in the admin may preview it.
PREVIEW_PERMISSIONS = (
    "content.change_section",
    "content.change_chapter",
    "quizzes.change_question",
)
MAX_PREVIEW_CHARS = 200_000


@require_POST
def preview_markdown(request: HttpRequest) -> JsonResponse:
    if not any(request.user.has_perm(permission) for permission in PREVIEW_PERMISSIONS):
        raise PermissionDenied
    try:
        body = json.loads(request.body or b"{}")
        text, chapter = body.get("text", ""), body.get("chapter")
    except (ValueError, AttributeError):
        text = chapter = None
    if chapter is not None and (not isinstance(chapter, int) or isinstance(chapter, bool)):
        text = None
    if not isinstance(text, str) or len(text) > MAX_PREVIEW_CHARS:
        return JsonResponse(
            {
                "error": {
                    "code": "invalid_preview",
                    "message": 'Send {"text": "..."}.',
                    "details": {},
                }
            },
            status=400,
        )
    return JsonResponse(markdown_preview.render(text, chapter=chapter))


# admin_view: staff sessions only (a student, or any API token, is sent to the admin login).
preview_view = admin.site.admin_view(preview_markdown)


def for_chapter(widget: forms.Widget, chapter_id: int | None) -> None:
    """Preview `widget`'s text with the media the API resolves for this chapter (None: a
    chapter not saved yet). Call on a form's own copy of the field, never on base_fields."""
    widget.attrs["data-chapter"] = str(chapter_id or markdown_preview.NEW_CHAPTER)


class MarkdownTextarea(forms.Textarea):
    """A textarea with the rendered preview beside it, refreshed as the editor types."""

    def __init__(self, attrs=None):
        defaults = {
            "rows": 16,
            "class": "vLargeTextField",
            "data-markdown-preview": reverse_lazy("admin_markdown_preview"),
        }
        super().__init__({**defaults, **(attrs or {})})

    class Media:
        js = ("content/markdown_preview.js",)
        css = {"all": ("content/markdown_preview.css",)}
