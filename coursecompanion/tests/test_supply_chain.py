"""The CI audit's verdict on pip-audit's report (.ci/audit.py)."""

import importlib.util

from django.conf import settings


def audit_module():
    spec = importlib.util.spec_from_file_location("ci_audit", settings.BASE_DIR / ".ci/audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_known_vulnerability_with_a_fix_fails_the_run():
    report = {
        "dependencies": [
            {
                "name": "django",
                "version": "5.2.0",
                "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"]}],
            },
            {"name": "pyyaml", "version": "6.0.3", "vulns": []},
        ]
    }
    failures, warnings = audit_module().verdict(report)
    assert failures == ["django 5.2.0: PYSEC-2025-1 (fixed in 5.2.1)"]
    assert warnings == []


def test_a_vulnerability_without_a_fix_warns_and_an_unaudited_dependency_fails():
    report = {
        "dependencies": [
            {
                "name": "gunicorn",
                "version": "25.3.0",
                "vulns": [{"id": "GHSA-x", "fix_versions": []}],
            },
            {"name": "boto3", "skip_reason": "Dependency not found on PyPI"},
        ]
    }
    failures, warnings = audit_module().verdict(report)
    assert warnings == ["gunicorn 25.3.0: GHSA-x (no fixed release yet)"]
    assert failures == ["boto3: not audited (Dependency not found on PyPI)"]


def test_ci_runs_the_audit():
    assert ".ci/audit.py" in (settings.BASE_DIR / ".ci/run").read_text()
