"""The response-assembly layer: what a REST operation answers is exactly what the presenter
builds, so a second front door calling the presenter serves the same resource."""

import json

import pytest
from django.test import Client

from access.auth import SCHEME_JWT, Credential
from access.tiers import Tier
from conftest import bearer_client
from content.schemas import ChapterListOut, ChapterOut, SectionOut
from coursecompanion import presenters
from coursecompanion.errors import DomainError
from coursecompanion.tests.factories import ChapterFactory, SectionFactory

pytestmark = pytest.mark.django_db


def as_json(schema, data) -> dict:
    return json.loads(schema.model_validate(data).model_dump_json())


@pytest.fixture
def chapters():
    free = ChapterFactory(order=1, slug="one")
    section = SectionFactory(chapter=free, order=1, content="Text.")
    locked = ChapterFactory(order=2, slug="two", required_tier=Tier.PREMIUM)
    return {"free": free, "section": section, "locked": locked}


def test_rest_answers_what_the_presenters_build(chapters, user):
    credential = Credential(user=user, scheme=SCHEME_JWT, scopes=None)
    client = bearer_client(user)
    base = "http://testserver/"
    chapter_id, section_id = chapters["free"].id, chapters["section"].id
    assert client.get(f"/api/v1/chapters/{chapter_id}").json() == as_json(
        ChapterOut, presenters.chapter_detail(credential, chapter_id=chapter_id, base_url=base)
    )
    assert client.get(f"/api/v1/sections/{section_id}").json() == as_json(
        SectionOut, presenters.section(credential, section_id=section_id, base_url=base)
    )
    listed = presenters.chapter_list(credential, page=slice(0, 20))
    assert client.get("/api/v1/chapters").json() == as_json(ChapterListOut, listed)
    assert [item["locked"] for item in listed["items"]] == [False, True]


def test_presenters_keep_the_gate_and_need_a_student_where_rest_does(chapters):
    with pytest.raises(DomainError) as locked:
        presenters.chapter_detail(None, chapter_id=chapters["locked"].id, base_url="http://x/")
    assert locked.value.code == "chapter_locked"
    with pytest.raises(DomainError) as anonymous:
        presenters.progress(None, user_id="me")
    assert anonymous.value.code == "not_authenticated"
    assert Client().get("/api/v1/progress/me").status_code == 401
