"""Worker memory: what a worker imports when R2 is off (issue 14's target is under 100 MB RSS
per worker; boto alone is some 25 MiB)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
import django
django.setup()
from django.urls import resolve
resolve("/api/v1/chapters")  # loads the API and every app's routes
print(",".join(name for name in ("boto3", "botocore", "s3transfer") if name in sys.modules))
"""


def test_a_worker_without_r2_never_loads_boto():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("R2_") and key != "PYTEST_VERSION"
    }
    env.update(DJANGO_SETTINGS_MODULE="coursecompanion.settings", DJANGO_DEBUG="1")
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == ""
