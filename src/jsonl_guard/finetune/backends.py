"""The registry of fine-tune backends: the one place a new platform is registered.

``BACKENDS`` maps a platform's name to a factory of its backend (a subclass of
``finetune.backend.FinetuneBackend``, not connected yet); ``PROVIDER_PLATFORMS`` sends
the models of a provider spelt otherwise to a platform. The lookups here choose the
backend for a run (``backend_for``: the model's provider's), a resumed run
(``make_backend``: the record's platform) and a smoke test (``smoke_backend_for``).

Each factory imports its backend's module when it is called, so a command that never
fine-tunes never loads one; a backend module imports only the interface
(``finetune.backend``), never this module. Registering a platform is one entry in
``BACKENDS`` (see ``finetune/backend.py`` for the whole recipe).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ..engine.models import ModelSpec, UnknownModelError, resolve_model
from ..errors import JsonlGuardError
from .backend import FinetuneBackend

if TYPE_CHECKING:
    from .openai_backend import OpenAIClient

BackendFactory = Callable[[], FinetuneBackend]


def _openai() -> FinetuneBackend:
    from .openai_backend import OpenAIBackend

    return OpenAIBackend()


def _bedrock() -> FinetuneBackend:
    from .bedrock_backend import BedrockBackend

    return BedrockBackend()


def _fireworks() -> FinetuneBackend:
    from .fireworks_backend import FireworksBackend

    return FireworksBackend()


def _together() -> FinetuneBackend:
    from .together_backend import TogetherBackend

    return TogetherBackend()


def _vertex() -> FinetuneBackend:
    from .vertex_backend import VertexBackend

    return VertexBackend()


# Platform name -> a factory of its (not yet connected) backend.
BACKENDS: dict[str, BackendFactory] = {
    "openai": _openai,
    "bedrock": _bedrock,
    "fireworks": _fireworks,
    "together": _together,
    "vertex": _vertex,
}
# Model-table providers served by a platform of another name. "custom" is a model from
# the user's config without a ``provider``: jsonl-guard always sent those to OpenAI's
# API (``OPENAI_BASE_URL`` reaches any OpenAI-compatible server).
PROVIDER_PLATFORMS: dict[str, str] = {"azure": "openai", "custom": "openai"}


def platform_for(provider: str) -> str | None:
    """The platform serving a model-table ``provider``, if there is a backend for it."""
    platform = PROVIDER_PLATFORMS.get(provider, provider)
    return platform if platform in BACKENDS else None


def available_platforms() -> str:
    """``openai (openai, azure and custom models)``: the platforms, for messages."""
    described = []
    for platform in BACKENDS:
        providers = [platform] + [p for p, name in PROVIDER_PLATFORMS.items() if name == platform]
        listed = ", ".join(providers[:-1]) + " and " + providers[-1] if providers[1:] else platform
        described.append(f"{platform} ({listed} models)")
    return "; ".join(described) or "none"


def make_backend(platform: str, settings: Mapping[str, str] | None = None) -> FinetuneBackend:
    """A new backend for ``platform`` (not connected yet), given its ``settings``."""
    factory = BACKENDS.get(platform)
    if factory is None:
        raise JsonlGuardError(
            f"no fine-tune backend for {platform}; there are: {available_platforms()}"
        )
    backend = factory()
    backend.configure(settings or {})
    return backend


def backend_for(
    spec: ModelSpec, platform: str | None = None, settings: Mapping[str, str] | None = None
) -> FinetuneBackend:
    """The backend that fine-tunes ``spec``'s models (or ``platform``'s, when the user
    chose one); a usage error when there is none."""
    if platform is not None:
        return make_backend(platform, settings)
    found = platform_for(spec.provider)
    if found is None:
        raise JsonlGuardError(
            f"no fine-tune backend for {spec.provider} yet; {spec.name} is a {spec.provider} "
            f"model, and finetune submits to: {available_platforms()}. "
            f"`jsonl-guard check --model {spec.name}` still checks the file; nothing was uploaded"
        )
    return make_backend(found, settings)


def smoke_backend_for(
    model: str, platform: str | None = None, settings: Mapping[str, str] | None = None
) -> FinetuneBackend:
    """The backend ``smoke`` sends ``model``'s prompts to: ``platform``'s, else its
    provider's when there is one, else OpenAI's (an unknown name: any OpenAI-compatible
    server, or a tuned model's id that no table knows)."""
    if platform is None:
        try:
            platform = platform_for(resolve_model(model).provider)
        except UnknownModelError:
            platform = platform_by_name(model)
    return make_backend(platform or "openai", settings)


# What a tuned model's id looks like on each platform (no table knows these ids).
TUNED_MODEL_IDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^projects/[^/]+/locations/[^/]+/endpoints/[^/]+$"), "vertex"),
    (re.compile(r"^accounts/[^/]+/(models|deployedModels)/[^/]+"), "fireworks"),
    (re.compile(r"^arn:aws[a-z-]*:(bedrock|sagemaker):"), "bedrock"),
)


def platform_by_name(model: str) -> str | None:
    """The platform a tuned model's id belongs to, if it has a backend (a Vertex
    endpoint, a Fireworks model, a Bedrock ARN); ``None`` for anything else."""
    for pattern, platform in TUNED_MODEL_IDS:
        if pattern.match(model):
            return platform if platform in BACKENDS else None
    return None


def as_backend(client: FinetuneBackend | OpenAIClient) -> FinetuneBackend:
    """A backend as it is; an ``openai.OpenAI`` client (the older API) in OpenAI's backend."""
    if isinstance(client, FinetuneBackend):
        return client
    from .openai_backend import OpenAIBackend

    return OpenAIBackend(client)


__all__ = [
    "BACKENDS",
    "PROVIDER_PLATFORMS",
    "BackendFactory",
    "as_backend",
    "available_platforms",
    "backend_for",
    "make_backend",
    "platform_by_name",
    "platform_for",
    "smoke_backend_for",
]
