"""The backend is deterministic: no LLM or embedding SDK may be required, imported or named."""

import re
from pathlib import Path

from django.conf import settings

FORBIDDEN = [
    "openai",
    "anthropic",
    "langchain",
    "langgraph",
    "llama_index",
    "llama-index",
    "llamaindex",
    "cohere",
    "google.generativeai",
    "google-generativeai",
    "google.genai",
    "google-genai",
    "transformers",
    "sentence_transformers",
    "sentence-transformers",
    "litellm",
    "mistralai",
    "groq",
    "huggingface_hub",
    "huggingface-hub",
    "voyageai",
    "ollama",
    "replicate",
    "tiktoken",
    "vertexai",
    'boto3.client("bedrock',
    "fastembed",
    "instructor",
    "guidance",
    "dspy",
]
ROOT = Path(settings.BASE_DIR)
SKIPPED_DIRS = {".venv", "node_modules", ".git", "staticfiles", "media", "__pycache__"}
THIS_FILE = Path(__file__).resolve()


def project_files(*suffixes: str):
    for path in ROOT.rglob("*"):
        skipped = SKIPPED_DIRS.intersection(path.parts) or path.resolve() == THIS_FILE
        if path.suffix in suffixes and not skipped:
            yield path


def mentions(text: str) -> list[str]:
    found = []
    for name in FORBIDDEN:
        pattern = rf"(?<![\w.-]){re.escape(name)}(?![\w-])"
        if re.search(pattern, text, flags=re.IGNORECASE):
            found.append(name)
    return found


def test_requirements_name_no_llm_sdk():
    for requirements in ROOT.glob("requirements*.txt"):
        lines = [line.split("#")[0].strip() for line in requirements.read_text().splitlines()]
        assert not mentions("\n".join(lines)), requirements.name


def test_no_module_imports_or_names_an_llm_sdk():
    offenders = {}
    import_re = re.compile(r"^\s*(?:import|from)\s+([\w.]+)", re.MULTILINE)
    for path in project_files(".py"):
        text = path.read_text(encoding="utf-8")
        imported = " ".join(import_re.findall(text))
        hits = mentions(imported) + [
            name
            for name in mentions(text)
            if f"import {name}" in text or f"'{name}'" in text or f'"{name}"' in text
        ]
        if hits:
            offenders[str(path.relative_to(ROOT))] = sorted(set(hits))
    assert offenders == {}


def test_no_llm_sdk_is_importable_in_the_environment():
    import importlib.util

    for module in ("openai", "anthropic", "langchain", "llama_index", "cohere", "litellm"):
        assert importlib.util.find_spec(module) is None, module


def test_guard_catches_an_import():
    # The guard itself must be able to fail.
    assert mentions("import openai") == ["openai"]
    assert mentions("from langchain.chat_models import x") == ["langchain"]
    assert mentions("the transformers package") == ["transformers"]
    assert mentions("transformers_like_name and reopenai") == []
