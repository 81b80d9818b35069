from django.db import migrations, models


class Migration(migrations.Migration):
    # Separate from 0003 so the backfill is committed before PostgreSQL alters the table.
    dependencies = [
        ("content", "0003_mediaasset_name_public"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="mediaasset",
            constraint=models.UniqueConstraint(fields=("name",), name="mediaasset_unique_name"),
        ),
        migrations.AddConstraint(
            model_name="mediaasset",
            constraint=models.CheckConstraint(
                condition=models.Q(("name", ""), _negated=True), name="mediaasset_name_not_empty"
            ),
        ),
    ]
