"""Supply chain: pip-audit over the pinned requirements. A known vulnerability with a fixed
release fails the run (upgrade the pin); one without a fix is listed as a warning. A dependency
the vulnerability service could not look up fails the run too: an audit that audited nothing
must not pass as clean. Without any reachable service (an offline machine) the audit is skipped
with that reason, never reported as passed."""

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")
# PyPI's per-release JSON carries the "vulnerabilities" pip-audit reads; a mirror that serves
# only project pages (as some closed networks do) cannot be audited against.
SERVICE_PROBE = "https://pypi.org/pypi/pip-audit/2.10.1/json"


def service_reachable(timeout: float = 5) -> bool:
    try:
        with urllib.request.urlopen(SERVICE_PROBE, timeout=timeout) as response:
            return response.status == 200 and "vulnerabilities" in json.load(response)
    except (OSError, ValueError):
        return False


def verdict(report: dict) -> tuple[list[str], list[str]]:
    """(failures, warnings) for a pip-audit JSON report."""
    failures, warnings = [], []
    for dependency in report.get("dependencies", []):
        name = f"{dependency['name']} {dependency.get('version', '')}".strip()
        if "skip_reason" in dependency:
            failures.append(f"{name}: not audited ({dependency['skip_reason']})")
        for vulnerability in dependency.get("vulns", []):
            fixes = vulnerability.get("fix_versions") or []
            line = f"{name}: {vulnerability['id']}"
            if fixes:
                failures.append(f"{line} (fixed in {', '.join(fixes)})")
            else:
                warnings.append(f"{line} (no fixed release yet)")
    return failures, warnings


def main() -> int:
    root = Path(__file__).resolve().parents[1]
    if not service_reachable():
        print(f"pip-audit SKIPPED: no vulnerability service reachable ({SERVICE_PROBE})")
        return 0
    command = [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"]
    for requirements in REQUIREMENTS:
        command += ["-r", str(root / requirements)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stderr, file=sys.stderr)
        return 1
    failures, warnings = verdict(report)
    for line in warnings:
        print(f"warning: {line}")
    for line in failures:
        print(f"FAIL: {line}")
    audited = len(report.get("dependencies", []))
    print(f"pip-audit: {audited} dependencies, {len(failures)} failing, {len(warnings)} warned")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
