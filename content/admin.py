from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from content import media, services
from content.models import Chapter, Course, MediaAsset, Section
from coursecompanion.admin import OrderedChildrenAdminMixin


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "published")
    list_filter = ("published",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}


class SectionForm(forms.ModelForm):
    # strip=False: trailing spaces are Markdown (a hard line break); text is stored as typed.
    content = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "class": "vLargeTextField"}),
        help_text=Section._meta.get_field("content").help_text,
    )

    class Meta:
        model = Section
        fields = ("order", "title", "content")


class SectionInline(admin.StackedInline):
    model = Section
    form = SectionForm
    fields = ("order", "title", "content")
    extra = 1
    ordering = ("order",)


@admin.register(Chapter)
class ChapterAdmin(OrderedChildrenAdminMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "course",
        "order",
        "difficulty_level",
        "required_tier",
        "published",
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
        "api_link",
    )

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
            for chapter in chapters:
                chapter.published = published
                chapter.save(update_fields=["published", "updated_at"])
        state = "published" if published else "unpublished"
        self.message_user(request, f"{len(chapters)} chapter(s) {state}.", messages.SUCCESS)

    children_model = Section

    def save_ordered_children(self, parent: Chapter, children: list[Section]) -> None:
        services.save_sections(chapter=parent, sections=children)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    form = SectionForm
    fields = ("chapter", "order", "title", "content")
    list_display = ("title", "chapter", "order")
    list_filter = ("chapter__course", "chapter")
    search_fields = ("title", "content")
    list_select_related = ("chapter",)
    autocomplete_fields = ("chapter",)


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
class MediaAssetAdmin(admin.ModelAdmin):
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
