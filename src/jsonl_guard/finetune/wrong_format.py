"""A file in a format the platform does not tune on: refused with the command that fixes it.

Users moving from OpenAI keep OpenAI-format files; a Vertex or Bedrock job needs that
provider's format. Rather than list the findings of a check against the wrong format,
``finetune`` names the exact ``jsonl-guard convert`` command that writes the file the
platform takes (nothing is uploaded; exit 1, as for any data that cannot be sent).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..engine.models import ModelSpec
from ..engine.profiles import profile_table
from ..engine.report import FileReport
from .backend import FinetuneBackend


def target_profile(source: str, takes: Iterable[str], spec: ModelSpec) -> str | None:
    """The profile to convert ``source`` to: one the backend takes and the model accepts,
    of the same training method (SFT to SFT, DPO to DPO) and with a converter both ways."""
    from ..conversion.catalogue import known_profiles

    convertible = set(known_profiles())
    if source not in convertible:
        return None
    profiles = profile_table()
    method = profiles[source].method if source in profiles else None
    candidates = [
        name
        for name in takes
        if name in convertible and (not spec.profiles or name in spec.profiles)
    ]
    same_method = [
        name for name in candidates if name in profiles and profiles[name].method == method
    ]
    return same_method[0] if same_method else None


def converted_path(path: Path, profile: str) -> Path:
    """``train.jsonl`` -> ``train.vertex-gemini.jsonl`` beside it (never the input)."""
    return path.with_name(f"{path.stem}.{profile}.jsonl")


def wrong_format_message(
    report: FileReport, backend: FinetuneBackend, spec: ModelSpec
) -> str | None:
    """Why the file cannot be tuned on the backend's platform and the command that
    converts it; ``None`` when its format is one the platform takes."""
    source = report.format
    if not source or source in backend.job_methods:
        return None
    path = Path(report.path)
    takes = ", ".join(backend.job_methods)
    head = (
        f"{path} is in the {source} format; {backend.platform} fine-tunes "
        f"{spec.name} on {takes} files"
    )
    target = target_profile(source, backend.job_methods, spec)
    if target is None:
        note = f" ({backend.job_methods_note})" if backend.job_methods_note else ""
        return f"{head}{note}. convert cannot write one from {source}: nothing was uploaded"
    output = converted_path(path, target)
    return (
        f"{head}. Convert it, then run this command again on the converted file:\n"
        f"  jsonl-guard convert {path} --to {target} --model {spec.name} --output {output}"
        "\n"
        "nothing was uploaded"
    )


__all__ = ["converted_path", "target_profile", "wrong_format_message"]
