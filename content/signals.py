"""Invalidate cached published content whenever an editor changes any of it."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from content.cache import bump_content_version
from content.media import delete_stored_file
from content.models import Chapter, Course, MediaAsset, Section


def bump_after_commit(**kwargs) -> None:
    bump_content_version()  # now and again after commit


for model in (Course, Chapter, Section, MediaAsset):
    post_save.connect(bump_after_commit, sender=model, dispatch_uid=f"content-bump-save-{model}")
    post_delete.connect(bump_after_commit, sender=model, dispatch_uid=f"content-bump-del-{model}")


def _delete_file_after_commit(*, instance: MediaAsset, **kwargs) -> None:
    # After commit: a rolled-back delete must keep its file.
    if instance.file.name:
        name = instance.file.name
        transaction.on_commit(lambda: delete_stored_file(name))


post_delete.connect(_delete_file_after_commit, sender=MediaAsset, dispatch_uid="content-media-file")
