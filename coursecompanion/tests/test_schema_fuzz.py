"""Schemathesis over every operation of the OpenAPI document, in process (WSGI), signed in as a
student, with a fixed seed and a bounded number of examples: no 500, and every response matches
its documented status, headers and schema. Then the stateful phase, which chains operations."""

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis", reason="needs schemathesis (requirements-dev)")
from schemathesis.specs.openapi.checks import (  # noqa: E402
    positive_data_acceptance,
)

from conftest import make_user  # noqa: E402
from coursecompanion.tests.factories import QuestionFactory, SectionFactory  # noqa: E402
from coursecompanion.wsgi import application  # noqa: E402

EXAMPLES_PER_OPERATION = 6
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,  # the fixed seed: the same examples every run
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# Schema-valid requests that rules refuse with a documented 422 (the fields' descriptions in the
# OpenAPI document say so): by operation, the error codes and the fields they may name.
RULE_REFUSALS = {
    "register": {"weak_password": None, "validation_error": {"email", "timezone"}},
    "updateMe": {"validation_error": {"timezone"}},
    "checkAccess": {"invalid_resource": None, "unknown_resource_kind": None},
    "checkAccessByQuery": {"invalid_resource": None, "unknown_resource_kind": None},
    "submitQuiz": {
        "invalid_answers": None,
        "invalid_idempotency_key": None,
        "idempotency_key_reused": None,
    },
}

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
stats = {"operations": set(), "calls": 0}
signed_in = {"token": None}


@schema.auth(refresh_interval=None, retry_on=[])
class SignedInStudent:
    """Every call is signed in as the test's student (schemathesis then knows the token is
    real, and probes with no token and a wrong one itself)."""

    def get(self, case, ctx):
        return signed_in["token"]

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def rule_refusal(operation_id: str, case, response) -> bool:
    """A schema-valid request refused by a documented rule, not by a schema the document got
    wrong: text no database can store (NUL, unpaired surrogates: 400 in bodies, 422 in query
    strings, for every operation), and the per-operation rules above."""
    from coursecompanion.parsers import unstorable_text_at

    if response.status_code not in (400, 422):
        return False
    error = response.json()["error"]
    if response.status_code == 400:
        return error["code"] == "malformed_body" and unstorable_text_at(case.body) is not None
    details = error["details"]
    if (
        isinstance(details, list)
        and details
        and all(item.get("type") == "invalid_text" for item in details)
    ):
        return unstorable_text_at(dict(case.query or {})) is not None
    allowed = RULE_REFUSALS.get(operation_id, {})
    if error["code"] not in allowed:
        return False
    fields = allowed[error["code"]]
    return fields is None or (
        isinstance(error["details"], dict) and set(error["details"]) <= fields
    )


@pytest.fixture
def signed_in_student(db, rate_limits_off):
    # Calls go through the real WSGI application, whose request signals would close the test's
    # database connection (Django's test client disconnects them the same way).
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    section = SectionFactory()
    QuestionFactory(quiz__chapter=section.chapter)
    student = make_user("fuzz@example.com")
    from rest_framework_simplejwt.tokens import AccessToken

    signed_in["token"] = str(AccessToken.for_user(student))
    yield
    signed_in["token"] = None
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@FUZZ
def test_every_operation_answers_as_documented(case, signed_in_student):
    operation_id = case.operation.definition.raw["operationId"]
    response = case.call()
    stats["operations"].add(operation_id)
    stats["calls"] += 1
    excluded = [positive_data_acceptance] if rule_refusal(operation_id, case, response) else []
    case.validate_response(response, excluded_checks=excluded)


STATEFUL = settings(
    FUZZ,
    max_examples=15,
    stateful_step_count=6,
)


def test_stateful_sequences_answer_as_documented(signed_in_student):
    """Chains of calls along the links schemathesis finds (a chapter read after the chapter list,
    a result list after a submit, ...), each step checked like the operations above."""
    steps = []

    class Workflow(schema.as_state_machine()):
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            steps.append(case.operation.definition.raw["operationId"])
            operation_id = case.operation.definition.raw["operationId"]
            excluded = (
                [positive_data_acceptance] if rule_refusal(operation_id, case, response) else []
            )
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=excluded,
                transport_kwargs=kwargs,
            )

    Workflow.run(settings=STATEFUL)
    stats["stateful_steps"] = len(steps)
    assert steps, "the stateful phase ran no step"
    print(f"stateful phase: {len(steps)} steps over {len(set(steps))} operations")


def test_fuzzing_covered_every_operation(anon_client):
    """Runs after the parametrized tests above (file order): every operation was called."""
    if not stats["calls"]:
        pytest.skip("the fuzz tests did not run in this session (-k or a single test)")
    document = anon_client.get("/api/v1/openapi.json").json()
    operations = {
        op["operationId"] for methods in document["paths"].values() for op in methods.values()
    }
    assert stats["operations"] == operations, operations - stats["operations"]
    print(f"fuzzed {len(operations)} operations with {stats['calls']} examples")
