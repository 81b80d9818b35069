"""The GPT shipped in chatgpt/: instructions within the editor's limit, conversation starters,
the four skills, and every operation they name present in openapi-gpt.json."""

import re
from pathlib import Path

import pytest

from chatgpt.schema import gpt_openapi_schema

PACKAGE = Path(__file__).resolve().parent.parent
INSTRUCTIONS = PACKAGE / "instructions.md"
SKILLS = ("concept-explainer", "quiz-master", "socratic-tutor", "progress-motivator")
# The GPT editor's limit on the Instructions field.
MAX_INSTRUCTIONS = 8_000
# An operationId as the files write it: `searchContent`.
OPERATION_NAME = re.compile(r"`([a-z]+(?:[A-Z][a-z]*)+)`")


def gpt_operation_ids() -> set[str]:
    document = gpt_openapi_schema()
    return {op["operationId"] for methods in document["paths"].values() for op in methods.values()}


def package_files() -> list[Path]:
    return [
        INSTRUCTIONS,
        PACKAGE / "conversation_starters.md",
        *(PACKAGE / "skills" / name / "SKILL.md" for name in SKILLS),
    ]


def test_instructions_fit_the_gpt_editor():
    assert 0 < len(INSTRUCTIONS.read_text(encoding="utf-8")) <= MAX_INSTRUCTIONS


def test_instructions_cover_what_the_tutor_must_do():
    text = " ".join(INSTRUCTIONS.read_text(encoding="utf-8").lower().split())
    for must in (
        "only from course text you fetched",  # grounding
        "cite",
        "required_tier",  # a locked chapter, gracefully, with the tier from the 403
        "do not hint at, guess or reveal the right answer",  # quizzing
        "streak",
        "rewrite the question into the terms",  # search rewriting
        "search again with other terms",
    ):
        assert must in text, must


def test_instructions_say_how_to_use_every_operation():
    named = set(OPERATION_NAME.findall(INSTRUCTIONS.read_text(encoding="utf-8")))
    assert named == gpt_operation_ids()


def test_conversation_starters_are_listed():
    lines = (PACKAGE / "conversation_starters.md").read_text(encoding="utf-8").splitlines()
    starters = [line[2:] for line in lines if line.startswith("- ")]
    assert 1 <= len(starters) <= 4  # what the editor shows at once
    assert all(0 < len(starter) <= 100 for starter in starters)


@pytest.mark.parametrize("name", SKILLS)
def test_each_skill_has_front_matter_and_names_its_operations(name):
    text = (PACKAGE / "skills" / name / "SKILL.md").read_text(encoding="utf-8")
    assert text.startswith(f"---\nname: {name}\ndescription: ")
    section = text.split("## Operations", 1)[1].split("\n## ", 1)[0]
    assert OPERATION_NAME.findall(section), f"{name} names no operation"


def test_every_operation_named_in_the_package_exists_in_the_gpt_schema():
    known = gpt_operation_ids()
    for path in package_files():
        named = set(OPERATION_NAME.findall(path.read_text(encoding="utf-8")))
        assert named <= known, (path.name, sorted(named - known))
