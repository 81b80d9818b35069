"""A chapter's cached detail names its quiz: adding, publishing or removing one invalidates it."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from content.services import bump_content_version
from quizzes.models import Quiz


def _bump_after_commit(**kwargs) -> None:
    transaction.on_commit(bump_content_version)


post_save.connect(_bump_after_commit, sender=Quiz, dispatch_uid="quizzes-bump-save")
post_delete.connect(_bump_after_commit, sender=Quiz, dispatch_uid="quizzes-bump-delete")
