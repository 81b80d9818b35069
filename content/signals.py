"""Invalidate cached published content whenever an editor changes any of it."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from content.models import Chapter, Course, MediaAsset, Section
from content.services import bump_content_version


def _bump_after_commit(**kwargs) -> None:
    # After commit: a reader must not re-cache the old text between the bump and the commit.
    transaction.on_commit(bump_content_version)


for model in (Course, Chapter, Section, MediaAsset):
    post_save.connect(_bump_after_commit, sender=model, dispatch_uid=f"content-bump-save-{model}")
    post_delete.connect(_bump_after_commit, sender=model, dispatch_uid=f"content-bump-del-{model}")
