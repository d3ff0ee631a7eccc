"""`slipway aws-credentials`: the credential process behind the engine's AWS profile.

Not an action: Terraform's and OpenTofu's AWS SDK runs it (see
:mod:`slipway.aws.engine_credentials`) and reads the JSON it prints. Errors go to stderr,
which the SDK passes on in its own error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

USAGE = "slipway aws-credentials (run by the AWS SDK through the engine's credential_process)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="slipway aws-credentials", description=USAGE)
    parser.add_argument("--role-arn", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--duration", type=int, required=True)
    parser.add_argument("--session-name", required=True)
    parser.add_argument("--web-identity", choices=("true", "false"), required=True)
    parser.add_argument("--audience", required=True)
    parser.add_argument("--max-attempts", type=int, required=True)
    parser.add_argument("--external-id")
    return parser


def main(argv: Sequence[str]) -> int:
    from slipway.aws.config import AwsConfigError, AwsSettings
    from slipway.aws.engine_credentials import process_output, source_environment
    from slipway.aws.oidc import OidcError
    from slipway.aws.session import AwsAuthError, assume_role_once

    args = _parser().parse_args(argv)
    # boto3 reads credentials and endpoints from os.environ: give it the job's own.
    source = source_environment(os.environ)
    os.environ.clear()
    os.environ.update(source)
    try:
        settings = AwsSettings(
            region=args.region,
            role_to_assume=args.role_arn,
            role_external_id=args.external_id,
            role_session_name=args.session_name,
            role_duration_seconds=args.duration,
            web_identity=args.web_identity == "true",
            audience=args.audience,
            max_attempts=args.max_attempts,
        )
        metadata = assume_role_once(settings, source)
    except (AwsConfigError, AwsAuthError, OidcError) as error:
        print(f"slipway aws-credentials: {error}", file=sys.stderr)
        return 1
    print(json.dumps(process_output(metadata)))
    return 0
