"""What a writer records when its target has no field for something the neutral
example holds: shared so every writer says it the same way, and never silently."""

from __future__ import annotations

from .changes import SETTING_DROPPED, WEIGHT_DROPPED, Changes
from .neutral import Conversation


def note_weight(weight: int | None, role: str, where: str, target: str, changes: Changes) -> None:
    """A per-message weight the target cannot carry, when dropping it changes what trains:
    an assistant turn's 0 (the target trains on it), a user or system message's 1 (it
    was trained on; the target has no weight to say so). The other values are the
    targets' defaults, so dropping them changes nothing."""
    if role == "assistant" and weight == 0:
        changes.record(WEIGHT_DROPPED, f"{where}: weight 0, {target} trains on it")
    elif role != "assistant" and weight == 1:
        changes.record(
            WEIGHT_DROPPED, f"{where}: {role} weight 1 (trained on), {target} has no weight for it"
        )


def note_settings(conversation: Conversation, target: str, changes: Changes) -> None:
    """Per-example settings only OpenAI's formats carry."""
    if conversation.parallel_tool_calls is not None:
        changes.record(
            SETTING_DROPPED,
            f"parallel_tool_calls={str(conversation.parallel_tool_calls).lower()}: "
            f"{target} has no such setting",
        )
