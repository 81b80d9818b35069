import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db(transaction=True)
def test_existing_media_get_a_unique_name():
    executor = MigrationExecutor(connection)
    executor.migrate([("content", "0002_editors_group")])
    old = executor.loader.project_state([("content", "0002_editors_group")]).apps
    course = old.get_model("content", "Course").objects.create(slug="c", title="C")
    chapter = old.get_model("content", "Chapter").objects.create(
        course=course, slug="ch", title="Ch", order=1
    )
    Asset = old.get_model("content", "MediaAsset")
    first = Asset.objects.create(title="Loop diagram", file="media/a/x.png", chapter=chapter)
    second = Asset.objects.create(title="Loop diagram", file="media/b/x.png")
    third = Asset.objects.create(title="!!!", file="media/c/x.png")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    from content.models import MediaAsset

    names = dict(MediaAsset.objects.values_list("id", "name"))
    assert names == {
        first.id: f"loop-diagram-{first.id}",
        second.id: f"loop-diagram-{second.id}",
        third.id: f"asset-{third.id}",
    }
