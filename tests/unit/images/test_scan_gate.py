"""The scan gate: ECR findings (basic and enhanced scanning, as AWS returns them) judged
against a severity threshold and an allowlist; waiting for the scan with a stubbed client."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from slipway.images.scan import (
    Finding,
    ScanError,
    findings_from_response,
    judge_findings,
    severity_counts,
    wait_for_scan,
)

DIGEST = "sha256:" + "4f" * 32

# describe_image_scan_findings for basic scanning, shaped like AWS's documented response.
BASIC: dict[str, Any] = {
    "registryId": "111122223333",
    "repositoryName": "acme/web",
    "imageId": {"imageDigest": DIGEST, "imageTag": "main"},
    "imageScanStatus": {
        "status": "COMPLETE",
        "description": "The scan was completed successfully.",
    },
    "imageScanFindings": {
        "findingSeverityCounts": {"CRITICAL": 1, "HIGH": 1, "MEDIUM": 1, "LOW": 1},
        "findings": [
            {
                "name": "CVE-2023-45853",
                "description": "MiniZip in zlib through 1.3 has an integer overflow.",
                "uri": "https://security-tracker.debian.org/tracker/CVE-2023-45853",
                "severity": "CRITICAL",
                "attributes": [
                    {"key": "package_version", "value": "1:1.2.13.dfsg-1"},
                    {"key": "package_name", "value": "zlib"},
                    {"key": "CVSS2_VECTOR", "value": "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
                    {"key": "CVSS2_SCORE", "value": "7.5"},
                ],
            },
            {
                "name": "CVE-2024-2511",
                "uri": "https://security-tracker.debian.org/tracker/CVE-2024-2511",
                "severity": "HIGH",
                "attributes": [
                    {"key": "package_version", "value": "3.0.11-1~deb12u2"},
                    {"key": "package_name", "value": "openssl"},
                ],
            },
            {
                "name": "CVE-2023-4039",
                "uri": "https://security-tracker.debian.org/tracker/CVE-2023-4039",
                "severity": "MEDIUM",
                "attributes": [{"key": "package_name", "value": "gcc-12"}],
            },
            {"name": "CVE-2011-3374", "severity": "LOW", "attributes": []},
            {"name": "CVE-2005-2541", "severity": "INFORMATIONAL", "attributes": []},
            {"name": "CVE-2022-0563", "severity": "UNDEFINED", "attributes": []},
        ],
    },
}

# The same call with enhanced (Inspector) scanning.
ENHANCED: dict[str, Any] = {
    "registryId": "111122223333",
    "repositoryName": "acme/web",
    "imageId": {"imageDigest": DIGEST},
    "imageScanStatus": {"status": "ACTIVE", "description": "Continuous scan is selected."},
    "imageScanFindings": {
        "enhancedFindings": [
            {
                "awsAccountId": "111122223333",
                "findingArn": "arn:aws:inspector2:us-east-1:111122223333:finding/0a1b",
                "packageVulnerabilityDetails": {
                    "vulnerabilityId": "CVE-2023-44487",
                    "source": "NVD",
                    "sourceUrl": "https://nvd.nist.gov/vuln/detail/CVE-2023-44487",
                    "vulnerablePackages": [
                        {
                            "name": "golang.org/x/net",
                            "version": "v0.7.0",
                            "packageManager": "GOBINARY",
                        }
                    ],
                },
                "severity": "HIGH",
                "status": "ACTIVE",
                "title": "CVE-2023-44487 - golang.org/x/net",
                "type": "PACKAGE_VULNERABILITY",
            }
        ]
    },
}


def test_basic_findings_are_read() -> None:
    findings = findings_from_response(BASIC)
    assert findings[0] == Finding(
        "CVE-2023-45853",
        "CRITICAL",
        "zlib 1:1.2.13.dfsg-1",
        "https://security-tracker.debian.org/tracker/CVE-2023-45853",
    )
    assert [f.id for f in findings] == [
        "CVE-2023-45853", "CVE-2024-2511", "CVE-2023-4039", "CVE-2011-3374", "CVE-2005-2541",
        "CVE-2022-0563",
    ]  # fmt: skip
    assert severity_counts(findings) == {
        "CRITICAL": 1, "HIGH": 1, "MEDIUM": 1, "LOW": 1, "INFORMATIONAL": 1, "UNDEFINED": 1,
    }  # fmt: skip


def test_enhanced_findings_are_read() -> None:
    assert findings_from_response(ENHANCED) == [
        Finding(
            "CVE-2023-44487",
            "HIGH",
            "golang.org/x/net v0.7.0",
            "https://nvd.nist.gov/vuln/detail/CVE-2023-44487",
        )
    ]


@pytest.mark.parametrize(
    ("threshold", "allowlist", "blocking"),
    [
        ("none", [], []),
        ("CRITICAL", [], ["CVE-2023-45853"]),
        ("CRITICAL", ["cve-2023-45853"], []),
        ("HIGH", [], ["CVE-2023-45853", "CVE-2024-2511"]),
        ("HIGH", ["CVE-2023-45853"], ["CVE-2024-2511"]),
        ("MEDIUM", ["CVE-2024-2511"], ["CVE-2023-45853", "CVE-2023-4039"]),
        ("LOW", [], ["CVE-2023-45853", "CVE-2024-2511", "CVE-2023-4039", "CVE-2011-3374"]),
    ],
)
def test_judge_findings(threshold: str, allowlist: list[str], blocking: list[str]) -> None:
    ok, found = judge_findings(findings_from_response(BASIC), threshold, allowlist)
    assert [f.id for f in found] == blocking
    assert ok is (not blocking)


def test_judge_orders_most_severe_first_and_rejects_unknown_thresholds() -> None:
    findings = [Finding("CVE-2", "HIGH"), Finding("CVE-1", "CRITICAL"), Finding("CVE-0", "HIGH")]
    assert [f.id for f in judge_findings(findings, "HIGH", [])[1]] == ["CVE-1", "CVE-0", "CVE-2"]
    with pytest.raises(ValueError, match="SEVERE"):
        judge_findings(findings, "SEVERE", [])


def _ecr() -> Any:
    return boto3.client(
        "ecr", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def _clock() -> tuple[list[float], Any, Any]:
    slept: list[float] = []
    return slept, slept.append, lambda: sum(slept)


def test_wait_polls_until_complete_and_reads_every_page() -> None:
    ecr = _ecr()
    request = {"repositoryName": "acme/web", "imageId": {"imageDigest": DIGEST}}
    first_page = {
        **BASIC,
        "imageScanFindings": {"findings": BASIC["imageScanFindings"]["findings"][:2]},
        "nextToken": "t1",
    }
    second_page = {
        **BASIC,
        "imageScanFindings": {"findings": BASIC["imageScanFindings"]["findings"][2:]},
    }
    with Stubber(ecr) as stub:
        stub.add_client_error(
            "describe_image_scan_findings", "ScanNotFoundException", "no scan yet", 400, request
        )
        stub.add_response(
            "describe_image_scan_findings",
            {**BASIC, "imageScanStatus": {"status": "IN_PROGRESS"}, "imageScanFindings": {}},
            request,
        )
        stub.add_response("describe_image_scan_findings", first_page, request)
        stub.add_response(
            "describe_image_scan_findings", second_page, {**request, "nextToken": "t1"}
        )
        slept, sleep, now = _clock()
        findings = wait_for_scan(
            ecr, "acme/web", DIGEST, registry_id=None, timeout_s=60, poll_s=5, sleep=sleep, now=now
        )
        stub.assert_no_pending_responses()
    assert len(findings) == 6
    assert slept == [5, 5]


def test_wait_times_out_and_reports_failed_scans() -> None:
    ecr = _ecr()
    in_progress = {**BASIC, "imageScanStatus": {"status": "IN_PROGRESS"}, "imageScanFindings": {}}
    with Stubber(ecr) as stub:
        for _ in range(3):
            stub.add_response("describe_image_scan_findings", in_progress)
        slept, sleep, now = _clock()
        with pytest.raises(ScanError, match="still IN_PROGRESS after 10s"):
            wait_for_scan(
                ecr, "acme/web", DIGEST, registry_id="111122223333", timeout_s=10, poll_s=5,
                sleep=sleep, now=now,
            )  # fmt: skip
        assert slept == [5, 5]
    failed = {
        **BASIC,
        "imageScanStatus": {"status": "FAILED", "description": "UnsupportedImageError"},
    }
    with Stubber(ecr) as stub:
        stub.add_response("describe_image_scan_findings", failed)
        with pytest.raises(ScanError, match="ended FAILED: UnsupportedImageError"):
            wait_for_scan(ecr, "acme/web", DIGEST, registry_id=None, timeout_s=10)
