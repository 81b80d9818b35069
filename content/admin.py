from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from reversion.admin import VersionAdmin

from content import checks, history, media, scheduling, services
from content.admin_history import HistoryAdmin
from content.admin_preview import MarkdownTextarea, for_chapter
from content.models import Chapter, Course, MediaAsset, Section
from coursecompanion.admin import OrderedChildrenAdminMixin


def _save_chapter_with_sections(chapter: Chapter, sections: list[Section]) -> None:
    chapter.save()
    services.save_sections(chapter=chapter, sections=sections)


def _save_media_metadata(asset: MediaAsset, children) -> None:
    media.save_media_asset(asset=asset, file_changed=False)


history.track(Course)
history.track(
    Chapter,
    children=(Section, "chapter_id", "order"),
    related_name="sections",
    parent_name="chapter",
    save=_save_chapter_with_sections,
)
# Metadata only: an old version never brings back a replaced file (its object is deleted).
history.track(
    MediaAsset,
    fields=("title", "name", "alt_text", "chapter", "public"),
    save=_save_media_metadata,
)


def warn_about(request, problems: list[checks.Problem], *, subject: str) -> None:
    for problem in problems:
        level = messages.ERROR if problem.is_error else messages.WARNING
        messages.add_message(request, level, f"{subject}: {problem.message}")


@admin.register(Course)
class CourseAdmin(HistoryAdmin):
    list_display = ("title", "slug", "published")
    list_filter = ("published",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}


class SectionForm(forms.ModelForm):
    # strip=False: trailing spaces are Markdown (a hard line break); text is stored as typed.
    content = forms.CharField(
        strip=False,
        widget=MarkdownTextarea(),
        help_text=Section._meta.get_field("content").help_text,
    )

    class Meta:
        model = Section
        fields = ("order", "title", "content")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.chapter_id:
            for_chapter(self.fields["content"].widget, self.instance.chapter_id)


class SectionFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)  # also runs for the empty "add another" form
        for_chapter(form.fields["content"].widget, self.instance.pk)

    def clean(self) -> None:
        """Publishing is refused while an error-level check fails; a draft always saves."""
        super().clean()
        chapter = self.instance
        if not chapter.published or any(form.errors for form in self.forms):
            return
        sections = [
            (form.cleaned_data.get("title", ""), form.cleaned_data.get("content", ""))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        errors = [
            p for p in checks.chapter_problems(chapter=chapter, sections=sections) if p.is_error
        ]
        if errors:
            raise forms.ValidationError(
                ["Not published: fix these first, or untick Published to save a draft."]
                + [problem.message for problem in errors]
            )


class ChapterForm(forms.ModelForm):
    summary = forms.CharField(required=False, strip=False, widget=MarkdownTextarea({"rows": 6}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for_chapter(self.fields["summary"].widget, self.instance.pk)

    class Meta:
        model = Chapter
        fields = ("summary",)  # ChapterAdmin.fields adds the rest


class SectionInline(admin.StackedInline):
    model = Section
    form = SectionForm
    formset = SectionFormSet
    fields = ("order", "title", "content")
    extra = 1
    ordering = ("order",)


@admin.register(Chapter)
class ChapterAdmin(OrderedChildrenAdminMixin, HistoryAdmin):
    form = ChapterForm
    list_display = (
        "title",
        "course",
        "order",
        "difficulty_level",
        "required_tier",
        "published",
        "schedule",
        "api_link",
    )
    list_display_links = ("title",)
    list_editable = ("published",)
    list_filter = ("course", "difficulty_level", "required_tier", "published")
    search_fields = ("title", "slug", "summary", "sections__title")
    prepopulated_fields = {"slug": ("title",)}
    list_select_related = ("course",)
    inlines = [SectionInline]
    actions = ["publish", "unpublish"]
    readonly_fields = ("api_link",)
    fields = (
        "course",
        "title",
        "slug",
        "order",
        "summary",
        "difficulty_level",
        "estimated_minutes",
        "required_tier",
        "published",
        "publish_at",
        "unpublish_at",
        "api_link",
    )

    @admin.display(description="Schedule")
    def schedule(self, chapter: Chapter) -> str:
        state = scheduling.schedule_state(published=chapter.published, window=chapter.window)
        when = {"scheduled": chapter.publish_at, "live": chapter.unpublish_at}.get(state)
        if state == "live" and when:
            return f"live until {when:%Y-%m-%d %H:%M}"
        if state == "scheduled":
            return f"scheduled {when:%Y-%m-%d %H:%M}"
        return state

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        warn_about(request, checks.chapter_problems(chapter=form.instance), subject="Check")

    def get_changelist_form(self, request, **kwargs):
        base = super().get_changelist_form(request, **kwargs)

        class PublishChecked(base):
            def clean(self):
                cleaned = super().clean()
                if cleaned.get("published") and not self.instance.published:
                    candidate = self.instance
                    candidate.published = True
                    errors = [p for p in checks.chapter_problems(chapter=candidate) if p.is_error]
                    candidate.published = False
                    if errors:
                        self.add_error("published", "; ".join(p.message for p in errors))
                return cleaned

        return PublishChecked

    @admin.display(description="API")
    def api_link(self, chapter: Chapter) -> str:
        if not chapter.pk:
            return "-"
        url = reverse("api:getChapter", kwargs={"chapter_id": chapter.pk})
        return format_html('<a href="{}" target="_blank">JSON</a>', url)

    @admin.action(description="Publish selected chapters")
    def publish(self, request, queryset) -> None:
        self._set_published(request, queryset, True)

    @admin.action(description="Unpublish selected chapters")
    def unpublish(self, request, queryset) -> None:
        self._set_published(request, queryset, False)

    def _set_published(self, request, queryset, published: bool) -> None:
        with transaction.atomic():
            # save() per row, not update(): the cache invalidation listens to post_save.
            chapters = list(queryset.select_for_update())
            if published:
                chapters = [chapter for chapter in chapters if self._publishable(request, chapter)]
            for chapter in chapters:
                chapter.published = published
                chapter.save(update_fields=["published", "updated_at"])
        state = "published" if published else "unpublished"
        self.message_user(request, f"{len(chapters)} chapter(s) {state}.", messages.SUCCESS)

    def _publishable(self, request, chapter: Chapter) -> bool:
        chapter.published = True
        errors = [p for p in checks.chapter_problems(chapter=chapter) if p.is_error]
        chapter.published = False
        warn_about(request, errors, subject=f"Not published: {chapter.title}")
        return not errors

    children_model = Section

    def save_ordered_children(self, parent: Chapter, children: list[Section]) -> None:
        services.save_sections(chapter=parent, sections=children)


@admin.register(Section)
class SectionAdmin(VersionAdmin):
    form = SectionForm
    fields = ("chapter", "order", "title", "content")
    list_display = ("title", "chapter", "order")
    list_filter = ("chapter__course", "chapter")
    search_fields = ("title", "content")
    list_select_related = ("chapter",)
    autocomplete_fields = ("chapter",)

    def history_view(self, request, object_id, extra_context=None):
        # A section's versions are its chapter's: one history, one revert, all sections.
        section = self.get_object(request, object_id)
        if section is None:
            raise Http404("No such section.")
        return HttpResponseRedirect(
            reverse("admin:content_chapter_history", args=[section.chapter_id])
        )

    def save_model(self, request, obj: Section, form, change) -> None:
        super().save_model(request, obj, form, change)
        names = checks.media_names_for(obj.chapter_id)
        problems = checks.section_problems(title=obj.title, content=obj.content, media_names=names)
        warn_about(request, problems, subject="Check")


class MediaAssetForm(forms.ModelForm):
    class Meta:
        model = MediaAsset
        fields = ("title", "name", "file", "alt_text", "chapter", "public")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("name") and cleaned.get("title"):
            cleaned["name"] = media.unique_media_name(cleaned["title"], exclude_pk=self.instance.pk)
        return cleaned


@admin.register(MediaAsset)
class MediaAssetAdmin(HistoryAdmin):
    form = MediaAssetForm
    list_display = ("title", "name", "chapter", "public", "content_type", "size", "preview")
    list_filter = ("public", "content_type", "chapter__course")
    search_fields = ("title", "name", "alt_text", "file")
    list_select_related = ("chapter",)
    autocomplete_fields = ("chapter",)
    prepopulated_fields = {"name": ("title",)}
    readonly_fields = ("markdown", "preview", "content_type", "size", "sha256")
    fields = (
        "title",
        "name",
        "file",
        "alt_text",
        "chapter",
        "public",
        "markdown",
        "preview",
        "content_type",
        "size",
        "sha256",
    )

    @admin.display(description="In a section")
    def markdown(self, asset: MediaAsset) -> str:
        if not asset.pk:
            return "-"
        return format_html(
            "<code>![{}](media:{})</code>", asset.alt_text or asset.title, asset.name
        )

    @admin.display(description="Preview")
    def preview(self, asset: MediaAsset) -> str:
        if not asset.pk or not asset.file:
            return "-"
        url = asset.file.url
        if asset.content_type.startswith("image/"):
            return format_html(
                '<a href="{}" target="_blank"><img src="{}" alt="{}" style="max-height:80px"></a>',
                url,
                url,
                asset.alt_text,
            )
        return format_html('<a href="{}" target="_blank">Open</a>', url)

    def save_model(self, request, obj: MediaAsset, form, change) -> None:
        media.save_media_asset(asset=obj, file_changed="file" in form.changed_data)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except media.MediaStorageError as error:
            # The admin's transaction has rolled back: no new row, the old one untouched. Show
            # the form again, with what the editor typed and the storage's refusal on the file.
            request.media_storage_error = error.message
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, "media_storage_error", None)
        if error is None:
            return form

        class RefusedByStorage(form):
            def clean(self):
                cleaned = super().clean()
                self.add_error("file", error)
                return cleaned

        return RefusedByStorage
