"""Diagnostics from the engine's machine-readable output (texts captured from Terraform 1.15.5)."""

from __future__ import annotations

import json

from slipway.terraform.diagnostics import (
    Diagnostic,
    LockInfo,
    is_lock_error,
    is_stale,
    is_stale_plan_error,
    lock_info,
    parse_lock_info,
    parse_text_diagnostics,
    parse_ui,
    parse_ui_line,
    parse_validate,
    unreported_error,
)

# `terraform validate -json` on a module referring to an undeclared variable.
VALIDATE = json.dumps(
    {
        "format_version": "1.0",
        "valid": False,
        "error_count": 1,
        "warning_count": 0,
        "diagnostics": [
            {
                "severity": "error",
                "summary": "Reference to undeclared input variable",
                "detail": (
                    'An input variable with the name "missing" has not been declared. This '
                    'variable can be declared with a variable "missing" {} block.'
                ),
                "range": {
                    "filename": "broken.tf",
                    "start": {"line": 2, "column": 11, "byte": 47},
                    "end": {"line": 2, "column": 22, "byte": 58},
                },
                "snippet": {
                    "context": 'resource "terraform_data" "broken"',
                    "code": "  input = var.missing",
                    "start_line": 2,
                    "highlight_start_offset": 10,
                    "highlight_end_offset": 21,
                    "values": [],
                },
            }
        ],
    }
)

# The detail of `terraform plan -json -lock-timeout=0s` while another apply held the S3
# lockfile (moto server), verbatim.
LOCK_DETAIL = (
    "Error message: operation error S3: PutObject, https response error StatusCode: 4"
    "12, RequestID: 3qPooi8sm1gFOsfSUvlExHiNzhwzQ6jXkHdkCuRr6iFtIVzG6lwR, HostID: 9Gj"
    "jt1m+cjU4OPvX9O9/8RuvnG41MRb/18Oux2o5H5MY7ISNTlXN+Dz9IG62/ILVxhAGI0qyPfg=, api e"
    "rror PreconditionFailed: At least one of the pre-conditions you specified did no"
    "t hold\n"
    "Lock Info:\n"
    "  ID:        d0a1c726-371a-0efa-7591-4f5bf42b8c23\n"
    "  Path:      state/probe.tfstate\n"
    "  Operation: OperationTypeApply\n"
    "  Who:       root@vm\n"
    "  Version:   1.15.5\n"
    "  Created:   2026-11-26 10:29:41.311246264 +0000 UTC\n"
    "  Info:      \n"
    "\n"
    "\n"
    "Terraform acquires a state lock to protect the state from being written\n"
    "by multiple users at the same time. Please resolve the issue above and try\n"
    'again. For most commands, you can disable locking with the "-lock=false"\n'
    "flag, but this is not recommended."
)
LOCK_LINE = json.dumps(
    {
        "@level": "error",
        "@message": "Error: Error acquiring the state lock",
        "@module": "terraform.ui",
        "@timestamp": "2026-11-26T10:29:43.834917Z",
        "diagnostic": {
            "severity": "error",
            "summary": "Error acquiring the state lock",
            "detail": LOCK_DETAIL,
        },
        "type": "diagnostic",
    },
    separators=(",", ":"),
)

STALE_LINE = (
    '{"@level":"error","@message":"Error: Saved plan is stale","@module":"terraform.ui",'
    '"@timestamp":"2026-11-26T10:29:20.513854Z","diagnostic":{"severity":"error",'
    '"summary":"Saved plan is stale","detail":"The given plan file can no longer be applied '
    'because the state was changed by another operation after the plan was created."},'
    '"type":"diagnostic"}'
)

PLAN_STREAM = [
    "There are some problems with the CLI configuration:",
    "\u256d",
    '{"@level":"info","@message":"Terraform 1.15.5","@module":"terraform.ui",'
    '"terraform":"1.15.5","type":"version","ui":"1.3"}',
    '{"@level":"info","@message":"terraform_data.this: Plan to create","type":"planned_change"}',
    '{"@level":"warning","@message":"Warning: Deprecated","type":"diagnostic","diagnostic":'
    '{"severity":"warning","summary":"Deprecated","detail":"use x",'
    '"range":{"filename":"main.tf","start":{"line":7,"column":3,"byte":90},'
    '"end":{"line":8,"column":1,"byte":120}}}}',
    '{"@level":"info","@message":"Plan: 1 to add, 0 to change, 0 to destroy.",'
    '"type":"change_summary","changes":{"add":1,"change":0,"import":0,"remove":0}}',
    "{not json",
    "",
]


def test_validate_document_with_file_and_line() -> None:
    (diagnostic,) = parse_validate(VALIDATE)
    assert diagnostic == Diagnostic(
        severity="error",
        summary="Reference to undeclared input variable",
        detail=(
            'An input variable with the name "missing" has not been declared. This variable '
            'can be declared with a variable "missing" {} block.'
        ),
        filename="broken.tf",
        line=2,
        end_line=2,
        column=11,
    )


def test_validate_valid_document_and_garbage() -> None:
    assert parse_validate({"format_version": "1.0", "valid": True, "diagnostics": []}) == []
    try:
        parse_validate("{}")
    except ValueError as error:
        assert "validate -json" in str(error)
    else:
        raise AssertionError("a document without diagnostics was accepted")


def test_streaming_lines_keep_text_and_collect_diagnostics() -> None:
    lines = parse_ui(PLAN_STREAM)
    assert [line.text for line in lines] == [
        "There are some problems with the CLI configuration:",
        "\u256d",
        "Terraform 1.15.5",
        "terraform_data.this: Plan to create",
        "Warning: Deprecated",
        "Plan: 1 to add, 0 to change, 0 to destroy.",
        "{not json",
        "",
    ]
    assert [line.type for line in lines] == [
        None,
        None,
        "version",
        "planned_change",
        "diagnostic",
        "change_summary",
        None,
        None,
    ]
    diagnostics = [line.diagnostic for line in lines if line.diagnostic]
    assert diagnostics == [
        Diagnostic("warning", "Deprecated", "use x", "main.tf", 7, 8, 3),
    ]


def test_json_line_without_message_is_logged_verbatim() -> None:
    assert parse_ui_line('{"type":"x"}\n').text == '{"type":"x"}'
    assert parse_ui_line("[1, 2]").text == "[1, 2]"


def test_lock_error_from_the_engine() -> None:
    line = parse_ui_line(LOCK_LINE)
    assert line.text == "Error: Error acquiring the state lock"
    assert line.diagnostic is not None
    assert is_lock_error(line.diagnostic)
    assert not is_stale_plan_error(line.diagnostic)
    info = parse_lock_info(line.diagnostic.detail)
    assert info == LockInfo(
        id="d0a1c726-371a-0efa-7591-4f5bf42b8c23",
        path="state/probe.tfstate",
        operation="OperationTypeApply",
        who="root@vm",
        version="1.15.5",
        created="2026-11-26 10:29:41.311246264 +0000 UTC",
    )
    assert lock_info([line.diagnostic]) == info
    assert info.describe() == (
        "lock d0a1c726-371a-0efa-7591-4f5bf42b8c23 held by root@vm "
        "(OperationTypeApply since 2026-11-26 10:29:41.311246264 +0000 UTC)"
    )


def test_lock_error_without_lock_info_still_counts() -> None:
    diagnostic = Diagnostic("error", "Error acquiring the state lock", "Error message: boom")
    assert parse_lock_info(diagnostic.detail) is None
    assert lock_info([diagnostic]) == LockInfo(id="")
    assert lock_info([Diagnostic("error", "Something else", "Lock Info:\n  ID: x")]) is None


def test_stale_plan() -> None:
    diagnostic = parse_ui_line(STALE_LINE).diagnostic
    assert diagnostic is not None
    assert is_stale_plan_error(diagnostic)
    assert is_stale([diagnostic])
    assert not is_stale([Diagnostic("warning", "Saved plan is stale")])
    assert lock_info([diagnostic]) is None


def test_multi_line_summary_headline() -> None:
    data = json.loads(LOCK_LINE)["diagnostic"]
    data["summary"] = 'Failed to get existing workspaces: S3 bucket "x" does not exist.\n\nMore'
    line = parse_ui_line(json.dumps({"type": "diagnostic", "diagnostic": data}))
    assert line.diagnostic is not None
    assert (
        line.diagnostic.headline
        == 'Failed to get existing workspaces: S3 bucket "x" does not exist.'
    )


# `terraform init -input=false -no-color` stderr (CLI configuration warning boxed, error plain).
INIT_TEXT = """There are some problems with the CLI configuration:
\u2577
\u2502 Warning: Unable to open CLI configuration file
\u2502
\u2502 The CLI configuration file at "/root/.terraformrc" does not exist.
\u2575


Error: Unsupported Terraform Core version

  on main.tf line 2, in terraform:
   2:   required_version = "< 1.10"

This configuration does not support Terraform version 1.15.5. To proceed,
either choose another supported Terraform version or update this version
constraint.
"""


def test_text_diagnostics() -> None:
    warning, error = parse_text_diagnostics(INIT_TEXT.splitlines())
    assert warning == Diagnostic(
        "warning",
        "Unable to open CLI configuration file",
        'The CLI configuration file at "/root/.terraformrc" does not exist.',
    )
    assert error.severity == "error"
    assert error.summary == "Unsupported Terraform Core version"
    assert (error.filename, error.line) == ("main.tf", 2)
    assert error.detail.startswith("This configuration does not support Terraform version 1.15.5.")
    assert error.detail.endswith("constraint.")


def test_coloured_boxed_text() -> None:
    lines = [
        "\x1b[31m\u2577\x1b[0m\x1b[0m",
        "\x1b[31m\u2502\x1b[0m \x1b[0m\x1b[1m\x1b[31mError: \x1b[0m\x1b[0m\x1b[1mBad thing\x1b[0m",
        "\x1b[31m\u2502\x1b[0m \x1b[0m",
        "\x1b[31m\u2502\x1b[0m \x1b[0mIt broke.",
        "\x1b[31m\u2575\x1b[0m\x1b[0m",
        "Done.",
    ]
    assert parse_text_diagnostics(lines) == [Diagnostic("error", "Bad thing", "It broke.")]


def test_unreported_error_from_plain_text() -> None:
    # `terraform workspace select -no-color other` (exit 1), stdout and stderr together.
    text = INIT_TEXT.split("\n\n\nError:", maxsplit=1)[0] + (
        '\n\n\nWorkspace "other" doesn\'t exist.\n\n'
        'You can create this workspace with the "new" subcommand \n'
        'or include the "-or-create" flag with the "select" subcommand.\n'
    )
    assert unreported_error(text.splitlines()) == Diagnostic(
        "error",
        'Workspace "other" doesn\'t exist.',
        'You can create this workspace with the "new" subcommand \n'
        'or include the "-or-create" flag with the "select" subcommand.',
    )
    assert unreported_error(["", "  "]) is None


def test_plain_lock_error_text() -> None:
    # `terraform plan -no-color -lock-timeout=0s` while the lock was held.
    lines = ["Error: Error acquiring the state lock", "", *LOCK_DETAIL.splitlines()]
    (diagnostic,) = parse_text_diagnostics(lines)
    assert lock_info([diagnostic]) == parse_lock_info(LOCK_DETAIL)
    assert lock_info([diagnostic]) is not None
