"""Refusal and AI-boilerplate phrases: replies that teach a model to decline or to talk
about itself instead of answering (JG313).

The list is short on purpose, and documented in docs/answers.md: each phrase is one a
fine-tuned model should rarely need, matched case-insensitively, with either apostrophe
and any whitespace. A few translations of the most common ones are included.
"""

from __future__ import annotations

import re

# (label, pattern): the label is what a finding quotes.
PHRASES: tuple[tuple[str, str], ...] = (
    ("As an AI language model", r"as an ai (?:language )?model"),
    ("As a language model", r"as a (?:large )?language model"),
    ("I'm sorry, but I can't", r"i(?:'m| am) sorry,? but i (?:can(?:'t|not)|won't|am unable)"),
    ("I apologize, but I cannot", r"i apologi[sz]e,? but i (?:can(?:'t|not)|won't|am unable)"),
    (
        "I can't assist with that",
        r"i (?:can(?:'t|not)|am unable to) (?:assist|help) with (?:that|this)",
    ),
    ("I cannot fulfill that request", r"i (?:can(?:'t|not)|am unable to) (?:fulfil|comply with)"),
    ("my knowledge cutoff", r"my (?:knowledge|training) cut-?off"),
    (
        "I don't have personal opinions",
        r"i (?:don't|do not) have (?:personal )?(?:opinions|feelings|emotions)",
    ),
    ("En tant que modèle de langage", r"en tant que (?:modèle de langage|ia)"),
    ("Als KI-Sprachmodell", r"als (?:ki-sprachmodell|künstliche intelligenz)"),
    ("Como modelo de lenguaje", r"como (?:un )?modelo de lenguaje"),
)


# One word of every phrase (and of each of its branches), lower case: a reply without
# any of them (nearly every reply) is decided by substring searches, not the pattern.
ANCHORS = (
    "model",
    "sorry",
    "apologi",
    "assist",
    "help",
    "fulfil",
    "comply",
    "cut",
    "opinions",
    "feelings",
    "emotions",
    "modèle",
    "tant",
    "sprachmodell",
    "künstliche",
    "modelo",
)


def _compile() -> re.Pattern[str]:
    branches = (pattern.replace("'", "['\u2019]") for _, pattern in PHRASES)
    return re.compile("|".join(f"({branch})" for branch in branches))


_PATTERN = _compile()


def _anchored(words: str) -> bool:
    # Written out, not any() over ANCHORS: a generator step per anchor costs more
    # than the substring searches themselves (tests/test_answers.py checks the two agree).
    return (
        "model" in words
        or "sorry" in words
        or "apologi" in words
        or "assist" in words
        or "help" in words
        or "fulfil" in words
        or "comply" in words
        or "cut" in words
        or "opinions" in words
        or "feelings" in words
        or "emotions" in words
        or "modèle" in words
        or "tant" in words
        or "sprachmodell" in words
        or "künstliche" in words
        or "modelo" in words
    )


def refusal(words: str) -> int:
    """1 + the index in ``PHRASES`` of the first phrase in ``words``, a text lower-cased
    with single spaces (``Turn.words``); 0 when none is."""
    if not _anchored(words):
        return 0
    match = _PATTERN.search(words)
    return match.lastindex or 0 if match else 0


def normalise(text: str) -> str:
    """What ``refusal`` reads: lower case, whitespace runs as one space."""
    return " ".join(text.lower().split())
