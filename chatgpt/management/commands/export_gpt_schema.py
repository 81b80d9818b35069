import json
from pathlib import Path

from django.core.management.base import BaseCommand

from chatgpt.schema import gpt_openapi_schema


class Command(BaseCommand):
    help = (
        "Write the Custom GPT's Actions schema (the student operations, with servers and the "
        "OAuth URLs at --base-url) to PATH, to paste or import into the GPT editor."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="File to write, e.g. chatgpt/openapi-gpt.json ('-': stdout)."
        )
        parser.add_argument(
            "--base-url", help="Public https address of this deployment (default: PUBLIC_BASE_URL)."
        )

    def handle(self, *args, path, base_url, **options):
        schema = gpt_openapi_schema(base_url)
        text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        if path == "-":
            self.stdout.write(text, ending="")
            return
        Path(path).write_text(text, encoding="utf-8")
        operations = sum(len(methods) for methods in schema["paths"].values())
        self.stdout.write(
            f"Wrote {path}: {operations} operations for {schema['servers'][0]['url']}."
        )
