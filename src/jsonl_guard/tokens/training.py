"""What a trainer will train on: the setup asked for and the per-example preview.

Pure data shared by the core and the providers. ``TrainingSetup`` is what the user
asked for (``--max-seq-len``, ``--truncation-side``, ``--loss``, ``--chat-template``,
``--packing``); a provider that can render an example as its trainer does (the
Hugging Face one, with a tokenizer.json and a chat template) fills a
``TrainingPreview`` per example, which rides on the example's ``ExampleTokens``
to the rules and the statistics. Sources: docs/open-weight.md.
"""

from __future__ import annotations

from dataclasses import dataclass

# TRL's loss modes (SFTConfig): assistant_only_loss, completion_only_loss, or neither.
LOSS_MODES = ("assistant-only", "completion-only", "all")
# TRL's truncation_mode keep_start is "right" (the end is cut), keep_end is "left".
TRUNCATION_SIDES = ("right", "left")


@dataclass(frozen=True)
class TrainingSetup:
    """``loss`` ``None``: TRL's default for the profile (completion-only for
    prompt/completion data, else all tokens). ``chat_template``: a template file that
    replaces the tokenizer's."""

    truncation_side: str = "right"
    loss: str | None = None
    chat_template: str | None = None
    packing: bool = False


@dataclass(frozen=True)
class TurnEnd:
    """An assistant turn's trained span ends with ``last`` (a token's text);
    ``special``: that token is an added (end-of-turn) token."""

    message: int
    last: str
    special: bool


@dataclass(frozen=True)
class TrainingPreview:
    """One example as the trainer sees it.

    ``length``: tokens of the rendered example; ``kept``: after truncation;
    ``trained_full`` / ``trained``: tokens with loss before / after truncation;
    ``last_turn``: the last assistant turn's token range (``None``: none found);
    ``last_turn_lost``: its tokens truncation removes; ``no_markers``: assistant-only
    loss with a template without ``{% generation %}``; ``turn_ends``: per assistant
    turn, how its trained span ends; ``dropped``: paths of example text the rendered
    chat lacks; ``template_error``: the template refused the example (nothing else is
    then known); ``duplicated_bos``: what shows the BOS twice ("" when it is not);
    ``side``: for a preference pair, the sequence shown ("chosen" or "rejected": the
    one worse off after truncation).
    """

    length: int = 0
    kept: int = 0
    trained_full: int = 0
    trained: int = 0
    last_turn: tuple[int, int] | None = None
    last_turn_lost: int = 0
    no_markers: bool = False
    turn_ends: tuple[TurnEnd, ...] = ()
    dropped: tuple[str, ...] = ()
    template_error: str = ""
    duplicated_bos: str = ""
    no_template: bool = False
    side: str = ""

    @property
    def cut(self) -> bool:
        return self.kept < self.length

    @property
    def lost(self) -> int:
        """Trained tokens truncation removes."""
        return self.trained_full - self.trained


def truncate(length: int, limit: int | None, side: str) -> tuple[int, int]:
    """The kept token range [start, end) of a sequence of ``length`` tokens."""
    if limit is None or length <= limit:
        return 0, length
    return (0, limit) if side == "right" else (length - limit, length)


def pack_best_fit(lengths: list[int], capacity: int) -> tuple[int, int]:
    """(sequences, padding) when ``lengths`` are packed best-fit-decreasing into
    sequences of ``capacity`` tokens, as TRL's default ``bfd`` packing does. Depends only
    on the multiset of lengths, so shards merge exactly."""
    import bisect

    free: list[int] = []  # room left in each open sequence, sorted
    for length in sorted((min(n, capacity) for n in lengths if n > 0), reverse=True):
        at = bisect.bisect_left(free, length)
        # The fullest sequence it still fits in, else a new one.
        room = free.pop(at) - length if at < len(free) else capacity - length
        bisect.insort(free, room)
    return len(free), sum(free)
