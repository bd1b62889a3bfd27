"""The platform settings of ``finetune`` and ``smoke``: one table, one flag each.

A platform needs more than a model to run a job: Vertex AI a project, a region and a
Cloud Storage folder to stage the file in; Bedrock an S3 folder and a service role.
Each setting is a row of ``PLATFORM_OPTIONS`` (its flag and help), and a backend names
the ones it takes in ``FinetuneBackend.options``. The values a run used are kept in
its record (``RunRecord.platform_settings``), so ``--resume`` and ``--cancel`` reach
the same project and bucket. None is a credential: credentials come from each SDK's own
chain (environment, files) and are never written anywhere.

A new platform that needs a setting nobody has yet adds one row here.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import JsonlGuardError


@dataclass(frozen=True)
class PlatformOption:
    name: str  # the key in a backend's settings and in the run record
    metavar: str
    help: str

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


PLATFORM_OPTIONS: tuple[PlatformOption, ...] = (
    PlatformOption("project", "ID", "Google Cloud project (vertex; default GOOGLE_CLOUD_PROJECT)"),
    PlatformOption(
        "location", "REGION", "Google Cloud region (vertex; default GOOGLE_CLOUD_LOCATION)"
    ),
    PlatformOption(
        "staging_uri", "gs://BUCKET/PREFIX/", "where the files are uploaded for tuning (vertex)"
    ),
    PlatformOption(
        "s3_uri", "s3://BUCKET/PREFIX/", "where the files are uploaded and the job writes (bedrock)"
    ),
    PlatformOption(
        "account", "ID", "Fireworks account id (fireworks; default FIREWORKS_ACCOUNT_ID)"
    ),
    PlatformOption("role_arn", "ARN", "the service role Bedrock assumes for the job (bedrock)"),
    PlatformOption(
        "region",
        "REGION",
        "AWS region (bedrock; default AWS_REGION, AWS_DEFAULT_REGION, the profile's)",
    ),
    PlatformOption(
        "smoke_model",
        "ID",
        "the model to smoke-test when the platform does not serve the tuned model by itself "
        "(bedrock: a provisioned-throughput or custom-model-deployment ARN)",
    ),
)
OPTIONS_BY_NAME = {option.name: option for option in PLATFORM_OPTIONS}


class SettingsError(JsonlGuardError):
    """A platform setting given for a platform that does not take it, or badly formed."""


def add_platform_arguments(parser: argparse.ArgumentParser, platforms: Iterable[str]) -> None:
    """``--platform`` and one flag per platform setting."""
    parser.add_argument(
        "--platform",
        choices=sorted(platforms),
        help="where the job runs (default: the model's provider)",
    )
    for option in PLATFORM_OPTIONS:
        parser.add_argument(option.flag, dest=option.name, metavar=option.metavar, help=option.help)


def given_settings(args: argparse.Namespace) -> dict[str, str]:
    """The platform settings given on the command line, by name."""
    values = {option.name: getattr(args, option.name, None) for option in PLATFORM_OPTIONS}
    return {name: value for name, value in values.items() if value is not None}


def refuse_unknown(platform: str, takes: Iterable[str], settings: Mapping[str, str]) -> None:
    """A setting the platform does not take is a mistake the user should hear about (a
    ``--role-arn`` on a Vertex run means they meant another platform)."""
    taken = set(takes)
    for name in settings:
        if name not in taken:
            flag = OPTIONS_BY_NAME[name].flag if name in OPTIONS_BY_NAME else name
            allowed = ", ".join(OPTIONS_BY_NAME[n].flag for n in sorted(taken)) or "none"
            raise SettingsError(
                f"{flag} is not a {platform} setting ({platform} takes: {allowed}); "
                f"drop it, or choose the platform it belongs to with --platform"
            )


__all__ = [
    "OPTIONS_BY_NAME",
    "PLATFORM_OPTIONS",
    "PlatformOption",
    "SettingsError",
    "add_platform_arguments",
    "given_settings",
    "refuse_unknown",
]
