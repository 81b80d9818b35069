"""A chapter's cached detail names its quiz: adding, publishing or removing one invalidates it."""

from django.db.models.signals import post_delete, post_save

from content.signals import bump_after_commit
from quizzes.models import Quiz

post_save.connect(bump_after_commit, sender=Quiz, dispatch_uid="quizzes-bump-save")
post_delete.connect(bump_after_commit, sender=Quiz, dispatch_uid="quizzes-bump-delete")
