"""The read replica router, on Django's test mirror: "replica" is a second connection to the test
database, so these tests see which connection each query took. Transactional tests, since a
mirror connection cannot see another connection's uncommitted rows."""

import contextvars

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import bearer_client, make_user
from content.models import Chapter
from coursecompanion.db_routing import ReplicaRouter, read_alias
from coursecompanion.tests.factories import ChapterFactory, SectionFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture(autouse=True)
def replica_on(settings):
    settings.READ_REPLICA = "replica"


@pytest.fixture
def chapter():
    chapter = ChapterFactory(title="Recursion and the call stack")
    SectionFactory(chapter=chapter, title="Base cases", content="Recursion needs a base case.")
    return chapter


def queries_on(alias: str) -> CaptureQueriesContext:
    return CaptureQueriesContext(connections[alias])


def content_tables(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries if "content_" in q["sql"]]


def test_content_reads_go_to_the_replica(chapter):
    with queries_on("replica") as replica, queries_on(DEFAULT_DB_ALIAS) as primary:
        response = Client().get(f"/api/v1/chapters/{chapter.id}")
    assert response.status_code == 200
    assert response.json()["sections"][0]["title"] == "Base cases"
    assert content_tables(replica)
    assert content_tables(primary) == []


def test_search_reads_go_to_the_replica(chapter):
    with queries_on("replica") as replica, queries_on(DEFAULT_DB_ALIAS) as primary:
        response = Client().get("/api/v1/search", {"q": "recursion base case"})
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert content_tables(replica)
    assert content_tables(primary) == []


def test_accounts_and_progress_stay_on_the_primary(chapter):
    student = make_user()
    with queries_on("replica") as replica:
        response = bearer_client(student).get("/api/v1/progress/me")
    assert response.status_code == 200
    assert not any("access_user" in q["sql"] for q in replica.captured_queries)
    assert not any("progress_" in q["sql"] for q in replica.captured_queries)


def test_content_read_after_a_write_in_the_same_request_stays_on_the_primary(chapter):
    student = make_user()
    client = bearer_client(student)
    with queries_on("replica") as replica, queries_on(DEFAULT_DB_ALIAS) as primary:
        response = client.put(
            "/api/v1/progress/me",
            {"chapter_id": chapter.id, "status": "completed"},
            content_type="application/json",
        )
    assert response.status_code == 200
    assert response.json()["completed_chapters"] == [chapter.id]
    # The overview after the write reads the published chapters: from the primary.
    assert content_tables(replica) == []
    assert content_tables(primary)

    # The next request starts on the replica again.
    with queries_on("replica") as replica:
        assert client.get(f"/api/v1/chapters/{chapter.id}").status_code == 200
    assert content_tables(replica)


def test_the_admin_reads_from_the_primary(chapter):
    editor = make_user("editor@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(editor)
    with queries_on("replica") as replica:
        response = client.get("/admin/content/chapter/")
    assert response.status_code == 200
    assert content_tables(replica) == []


def test_reads_inside_a_transaction_stay_on_the_primary(chapter):
    def check() -> None:
        assert read_alias() == "replica"
        with transaction.atomic():
            assert read_alias() == DEFAULT_DB_ALIAS
            with queries_on("replica") as replica:
                assert Chapter.objects.filter(pk=chapter.pk).exists()
        assert replica.captured_queries == []

    # A fresh context: creating the chapter above was a write, which (outside any request) keeps
    # the rest of this thread's reads on the primary.
    contextvars.Context().run(check)


def test_without_a_replica_everything_reads_the_primary(settings, chapter):
    settings.READ_REPLICA = None
    with queries_on("replica") as replica:
        assert Client().get(f"/api/v1/chapters/{chapter.id}").status_code == 200
    assert replica.captured_queries == []


def test_only_the_primary_is_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "content")
    assert not router.allow_migrate("replica", "content")
