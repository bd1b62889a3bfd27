"""What a conversion changed in an example: recorded per line, never silent."""

from __future__ import annotations

from dataclasses import dataclass

# The kinds a writer records; the report groups lines by kind.
WEIGHT_DROPPED = "weight-dropped"
ID_REMAPPED = "id-remapped"
SYSTEM_MERGED = "system-merged"
MEDIA_REMAPPED = "media-remapped"
TOOLS_DROPPED = "tools-dropped"
NAME_DROPPED = "name-dropped"
TURNS_MERGED = "turns-merged"
TURN_SPLIT = "turn-split"
SETTING_DROPPED = "setting-dropped"
KINDS = (
    WEIGHT_DROPPED,
    ID_REMAPPED,
    SYSTEM_MERGED,
    MEDIA_REMAPPED,
    TOOLS_DROPPED,
    NAME_DROPPED,
    TURNS_MERGED,
    TURN_SPLIT,
    SETTING_DROPPED,
)


@dataclass(frozen=True)
class Change:
    kind: str
    detail: str
    line: int = 0  # the source line; 0 until the run knows it


class Changes:
    """Collects one example's changes (a writer's ``record``)."""

    def __init__(self) -> None:
        self.items: list[Change] = []

    def record(self, kind: str, detail: str) -> None:
        self.items.append(Change(kind, detail))
