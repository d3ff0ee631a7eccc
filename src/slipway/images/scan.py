"""The scan gate: wait for ECR's scan of an image and judge its findings.

:func:`findings_from_response` reads both basic scanning (``findings``: ``name`` is the CVE
id) and enhanced scanning (``enhancedFindings``: ``packageVulnerabilityDetails``);
:func:`judge_findings` is the pure decision; :func:`wait_for_scan` polls
``describe_image_scan_findings`` until the scan is COMPLETE.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SEVERITIES = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
GATES = ("none", "CRITICAL", "HIGH", "MEDIUM", "LOW")


def severity_rank(severity: str) -> int:
    """INFORMATIONAL 0 … CRITICAL 4; UNDEFINED and unknown values rank lowest (-1)."""
    upper = severity.upper()
    return SEVERITIES.index(upper) if upper in SEVERITIES else -1


@dataclass(frozen=True)
class Finding:
    id: str  # CVE-2023-1234 (or the scanner's id)
    severity: str
    package: str = ""
    uri: str = ""


def _basic(item: Mapping[str, Any]) -> Finding:
    attributes = {a.get("key"): a.get("value", "") for a in item.get("attributes", [])}
    package = attributes.get("package_name", "")
    version = attributes.get("package_version", "")
    return Finding(
        id=str(item.get("name", "")),
        severity=str(item.get("severity", "UNDEFINED")),
        package=f"{package} {version}".strip(),
        uri=str(item.get("uri", "")),
    )


def _enhanced(item: Mapping[str, Any]) -> Finding:
    details = item.get("packageVulnerabilityDetails", {})
    packages = details.get("vulnerablePackages", [])
    package = (
        " ".join(filter(None, [packages[0].get("name", ""), packages[0].get("version", "")]))
        if packages
        else ""
    )
    return Finding(
        id=str(details.get("vulnerabilityId") or item.get("title", "")),
        severity=str(item.get("severity", "UNDEFINED")),
        package=package,
        uri=str(details.get("sourceUrl", "")),
    )


def findings_from_response(response: Mapping[str, Any]) -> list[Finding]:
    """The findings of one ``describe_image_scan_findings`` page (basic or enhanced)."""
    scan = response.get("imageScanFindings", {})
    return [_basic(i) for i in scan.get("findings", [])] + [
        _enhanced(i) for i in scan.get("enhancedFindings", [])
    ]


def judge_findings(
    findings: Iterable[Finding], threshold: str, allowlist: Iterable[str]
) -> tuple[bool, list[Finding]]:
    """(ok, blocking): the findings at or above ``threshold`` not in ``allowlist``, most
    severe first. ``threshold`` ``none`` blocks nothing."""
    if threshold.lower() == "none":
        return True, []
    floor = severity_rank(threshold)
    if floor < 0:
        raise ValueError(f"unknown severity threshold {threshold!r}")
    allowed = {cve.strip().upper() for cve in allowlist}
    blocking = [
        f for f in findings if severity_rank(f.severity) >= floor and f.id.upper() not in allowed
    ]
    blocking.sort(key=lambda f: (-severity_rank(f.severity), f.id))
    return not blocking, blocking


def severity_counts(findings: Sequence[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -severity_rank(kv[0])))


class ScanError(RuntimeError):
    """The scan failed, or did not complete in time."""


def wait_for_scan(
    ecr: Any,
    repository: str,
    digest: str,
    *,
    registry_id: str | None,
    timeout_s: float,
    poll_s: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], float] = time.monotonic,
) -> list[Finding]:
    """Poll until ECR's scan of ``digest`` is COMPLETE; every finding (all pages)."""
    deadline = now() + timeout_s
    request: dict[str, Any] = {"repositoryName": repository, "imageId": {"imageDigest": digest}}
    if registry_id:
        request["registryId"] = registry_id
    status = "not started"
    while True:
        try:
            response = ecr.describe_image_scan_findings(**request)
        except ecr.exceptions.ScanNotFoundException:
            response = None
        except ecr.exceptions.ImageNotFoundException:
            raise ScanError(f"ECR repository {repository} has no image {digest}") from None
        if response is not None:
            status = response.get("imageScanStatus", {}).get("status", "PENDING")
            if status == "COMPLETE":
                findings = findings_from_response(response)
                while token := response.get("nextToken"):
                    response = ecr.describe_image_scan_findings(**request, nextToken=token)
                    findings += findings_from_response(response)
                return findings
            if status in ("FAILED", "UNSUPPORTED_IMAGE"):
                reason = response.get("imageScanStatus", {}).get("description", "")
                raise ScanError(f"the scan of {digest} ended {status}: {reason}".rstrip(": "))
        if now() >= deadline:
            raise ScanError(f"the scan of {digest} was still {status} after {timeout_s:.0f}s")
        sleep(poll_s)
