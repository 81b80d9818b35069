"""The full-text search index (see content/search_index.py): FTS5 tables and triggers on SQLite,
a weighted tsvector table, pg_trgm word table and trigger functions on PostgreSQL. Raw SQL only,
so the model state is the same on every database and makemigrations stays clean on both."""

from django.db import migrations

from content.search_index import install_search_index, uninstall_search_index


def install(apps, schema_editor):
    if schema_editor.connection.vendor in ("postgresql", "sqlite"):
        install_search_index(schema_editor.connection)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor in ("postgresql", "sqlite"):
        uninstall_search_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("content", "0004_mediaasset_name_constraints")]

    operations = [migrations.RunPython(install, uninstall)]
