"""A chapter's cached detail names its quiz, and quizzes are served from the content cache:
saving or removing a quiz or a question invalidates it."""

from django.db.models.signals import post_delete, post_save

from content.signals import bump_after_commit
from quizzes.models import Question, Quiz

post_save.connect(bump_after_commit, sender=Quiz, dispatch_uid="quizzes-bump-save")
post_delete.connect(bump_after_commit, sender=Quiz, dispatch_uid="quizzes-bump-delete")
post_save.connect(bump_after_commit, sender=Question, dispatch_uid="quizzes-bump-question-save")
post_delete.connect(bump_after_commit, sender=Question, dispatch_uid="quizzes-bump-question-delete")
