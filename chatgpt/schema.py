"""The OpenAPI document for the Custom GPT's Actions (/api/v1/openapi-gpt.json).

It is the API's own document cut down to what a GPT acting for one student needs, within the
GPT editor's limits: at most 30 operations, a summary and description that together tell the
model when to call each (at most 300 characters), parameter descriptions within 700, one
`oauth2` scheme, and `x-openai-isConsequential: false` where ChatGPT need not ask first.
"""

import copy
from dataclasses import dataclass
from typing import Any

from django.conf import settings

MAX_OPERATIONS = 30
MAX_SUMMARY_AND_DESCRIPTION = 300
MAX_PARAMETER_DESCRIPTION = 700
# GPT Actions drop a response above this many characters.
MAX_RESPONSE_CHARACTERS = 100_000


@dataclass(frozen=True)
class GptOperation:
    summary: str
    description: str
    # False: ChatGPT may call it without asking the student first (reads, quiz submits,
    # progress updates, check-ins). True: it asks.
    consequential: bool = False


# The student operations, in the order the GPT meets them. The words say when to call each.
GPT_OPERATIONS: dict[str, GptOperation] = {
    "getMe": GptOperation(
        "Who is signed in",
        "The student's name, tier and time zone. Call once at the start to greet them.",
    ),
    "updateMe": GptOperation(
        "Change name or time zone",
        "Only when the student asks. Their time zone decides when a streak day ends.",
        consequential=True,
    ),
    "listChapters": GptOperation(
        "List chapters",
        "The course outline: titles, order, tier, locked and completed flags. Use it to plan "
        "what to study next or to show the outline.",
    ),
    "getChapter": GptOperation(
        "Read a chapter",
        "All sections of a chapter, verbatim Markdown. Teach only from this text. 403 "
        "chapter_locked names the tier that unlocks it.",
    ),
    "getSection": GptOperation(
        "Read one section",
        "One section's verbatim text (ids come from search hits). Fetch it before answering "
        "from a hit, and cite its chapter and section titles.",
    ),
    "getNextChapter": GptOperation(
        "Next chapter",
        "Summary of the chapter after this one, or null at the end. Never locked.",
    ),
    "getPreviousChapter": GptOperation(
        "Previous chapter",
        "Summary of the chapter before this one, or null at the start.",
    ),
    "searchContent": GptOperation(
        "Search the course",
        "Keyword search over the course text. Rewrite the question into the course's likely "
        "terms first; search again with other terms if hits look weak. Then fetch the section.",
    ),
    "listQuizzes": GptOperation(
        "List quizzes",
        "Quizzes with chapter, question count, lock state and the student's best score. Filter "
        "by chapter to find a chapter's quiz.",
    ),
    "getQuiz": GptOperation(
        "Get a quiz",
        "The questions without answers. Ask them one at a time; never guess or reveal answers "
        "before the submit.",
    ),
    "submitQuiz": GptOperation(
        "Submit quiz answers",
        "Grades all answers by rule and records the attempt. Send every answer in its kind's "
        "shape; explain each result from the feedback returned.",
    ),
    "listQuizResults": GptOperation(
        "Past quiz attempts",
        "The student's own attempts at a quiz, newest first, with per-question feedback.",
    ),
    "getProgress": GptOperation(
        "Progress overview",
        "Completed chapters, current chapter, percent complete and quiz record. Use user_id "
        '"me". Call when the student asks how they are doing.',
    ),
    "updateProgress": GptOperation(
        "Mark chapter progress",
        "Set a chapter to in_progress when the student starts it and completed when they "
        'finish it. Use user_id "me".',
    ),
    "getStreak": GptOperation(
        "Daily streak",
        'Current and longest streak and whether they checked in today. Use user_id "me".',
    ),
    "checkIn": GptOperation(
        "Check in for today",
        'Counts today toward the streak; safe to repeat within a day. Use user_id "me" after '
        "the student studies.",
    ),
    "checkAccess": GptOperation(
        "May I open this?",
        'Whether the student may open "chapter:<id>" or "quiz:<id>", their tier and the tier '
        "it needs. Use before promising locked material.",
    ),
    "listTiers": GptOperation(
        "Plans and prices",
        "The tiers, their monthly prices and what each unlocks. Use when a chapter is locked "
        "and the student asks how to get it.",
    ),
}


def _refs(node: Any) -> set[str]:
    """Names of the component schemas `node` refers to, directly."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def _reachable(schemas: dict[str, Any], roots: set[str]) -> set[str]:
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        pending.extend(_refs(schemas[name]) - seen)
    return seen


def gpt_openapi_schema(base_url: str | None = None) -> dict[str, Any]:
    """The GPT's document, with `servers` and the OAuth URLs at `base_url` (default:
    PUBLIC_BASE_URL)."""
    from coursecompanion.api import OAUTH_SCHEME, api, security_schemes

    base_url = (base_url or settings.PUBLIC_BASE_URL).rstrip("/")
    full = copy.deepcopy(api.get_openapi_schema())
    paths: dict[str, dict[str, Any]] = {}
    for path, operations in full["paths"].items():
        for method, operation in operations.items():
            gpt = GPT_OPERATIONS.get(operation.get("operationId"))
            if gpt is None:
                continue
            operation["summary"] = gpt.summary
            operation["description"] = gpt.description
            operation["x-openai-isConsequential"] = gpt.consequential
            operation.pop("tags", None)
            # ChatGPT sends the student's OAuth token on every call, so one scheme suffices.
            scopes = [
                requirement[OAUTH_SCHEME]
                for requirement in operation.get("security", [])
                if OAUTH_SCHEME in requirement
            ]
            operation["security"] = [{OAUTH_SCHEME: scopes[0] if scopes else ["read"]}]
            paths.setdefault(path, {})[method] = operation
    schemas = full.get("components", {}).get("schemas", {})
    used = _reachable(schemas, _refs(paths))
    return {
        "openapi": full["openapi"],
        "info": {
            "title": "Course Companion for ChatGPT",
            "version": full["info"]["version"],
            "description": (
                "A student's course, quizzes, progress and streak. Course text is served "
                "verbatim: teach from it and cite it. Errors are "
                '{"error": {"code", "message", "details"}}.'
            ),
        },
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {
            "schemas": {name: schemas[name] for name in sorted(used)},
            "securitySchemes": {OAUTH_SCHEME: security_schemes(base_url)[OAUTH_SCHEME]},
        },
    }
