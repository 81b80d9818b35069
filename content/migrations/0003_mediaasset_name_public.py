from django.db import migrations, models
from django.utils.text import slugify


def name_existing_assets(apps, schema_editor):
    # "<title slug>-<id>" is unique: the part after the last hyphen is always the distinct id.
    MediaAsset = apps.get_model("content", "MediaAsset")
    for asset in MediaAsset.objects.filter(name="").only("id", "title"):
        asset.name = f"{slugify(asset.title)[:80] or 'asset'}-{asset.id}"
        asset.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0002_editors_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="mediaasset",
            name="name",
            field=models.SlugField(
                blank=True,
                db_index=False,
                help_text="Stable name sections use to show it: ![alt text](media:name). Left empty, it is made from the title.",
                max_length=100,
            ),
        ),
        migrations.AddField(
            model_name="mediaasset",
            name="public",
            field=models.BooleanField(
                default=False,
                help_text="Served unsigned through the public media domain (R2_PUBLIC_DOMAIN), e.g. a course logo. Otherwise every link is a short-lived signed URL.",
            ),
        ),
        migrations.RunPython(name_existing_assets, migrations.RunPython.noop),
    ]
