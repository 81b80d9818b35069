from django import template
from django.utils.safestring import mark_safe

from content.markdown_preview import render_html, render_inline_html

register = template.Library()


@register.filter(name="markdown")
def markdown(text: str) -> str:
    """Markdown rendered as students' clients show it; nh3 has sanitised the HTML."""
    return mark_safe(render_html(str(text or "")))  # noqa: S308  sanitised by nh3


@register.filter(name="markdown_inline")
def markdown_inline(text: str) -> str:
    return mark_safe(render_inline_html(str(text or "")))  # noqa: S308  sanitised by nh3
