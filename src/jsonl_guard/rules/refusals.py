"""Refusal and AI-boilerplate phrases: replies that teach a model to decline or to talk
about itself instead of answering (JG313).

The list is short on purpose, and documented in docs/answers.md: each phrase is one a
fine-tuned model should rarely need, matched case-insensitively, with either apostrophe
and any whitespace (on the reply lower-cased, whitespace runs made one space), in the
first ``WINDOW`` characters of a reply, where boilerplate opens it. A few translations
of the most common ones are included.
"""

from __future__ import annotations

import re

# (label, anchor, pattern): the label is what a finding quotes; the anchor is a piece
# of every text the pattern matches, so a reply without it (nearly every reply) is
# decided by a substring search, and the pattern runs only on the few with it.
PHRASES: tuple[tuple[str, str, str], ...] = (
    ("As an AI language model", "as an ai", r"as an ai (?:language )?model"),
    ("As a language model", "language model", r"as a (?:large )?language model"),
    (
        "I'm sorry, but I can't",
        "sorry",
        r"i(?:'m| am) sorry,? but i (?:can(?:'t|not)|won't|am unable)",
    ),
    (
        "I apologize, but I cannot",
        "apologi",
        r"i apologi[sz]e,? but i (?:can(?:'t|not)|won't|am unable)",
    ),
    (
        "I can't assist with that",
        " with th",
        r"i (?:can(?:'t|not)|am unable to) (?:assist|help) with th(?:at|is)",
    ),
    ("I cannot fulfill that request", "fulfil", r"i (?:can(?:'t|not)|am unable to) fulfil"),
    ("I cannot comply", "comply", r"i (?:can(?:'t|not)|am unable to) comply"),
    ("my knowledge cutoff", "cut", r"my (?:knowledge|training) cut-?off"),
    (
        "I don't have personal opinions",
        " have ",
        r"i (?:don't|do not) have (?:personal )?(?:opinions|feelings|emotions)",
    ),
    ("En tant que modèle de langage", "tant que", r"en tant que (?:modèle de langage|ia)\b"),
    ("Als KI-Sprachmodell", "sprachmodell", r"als ki-sprachmodell"),
    ("Als künstliche Intelligenz", "künstliche", r"als künstliche intelligenz"),
    ("Como modelo de lenguaje", "modelo de", r"como (?:un )?modelo de lenguaje"),
)
WINDOW = 200
_COMPILED = tuple(
    (anchor, re.compile(pattern.replace("'", "['\u2019]"))) for _, anchor, pattern in PHRASES
)


def refusal(text: str) -> int:
    """1 + the index in ``PHRASES`` of the first phrase in the first ``WINDOW``
    characters of ``text``; 0 when none is there."""
    words = normalise(text[:WINDOW])
    for index, (anchor, pattern) in enumerate(_COMPILED):
        if anchor in words and pattern.search(words):
            return index + 1
    return 0


_WHITESPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case, each run of whitespace one space, none at the ends."""
    lower = text.lower()
    if "  " in lower or "\n" in lower or "\t" in lower or lower[:1] == " " or lower[-1:] == " ":
        return _WHITESPACE.sub(" ", lower).strip()
    return lower
