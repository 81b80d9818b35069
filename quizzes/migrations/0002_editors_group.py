from django.db import migrations

from access.editors import grant_editor_permissions, revoke_editor_permissions


def grant(apps, schema_editor):
    grant_editor_permissions(apps, "quizzes")


def revoke(apps, schema_editor):
    revoke_editor_permissions(apps, "quizzes")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("content", "0002_editors_group"),
        ("quizzes", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
