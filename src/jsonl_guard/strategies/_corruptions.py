"""The pool of corruptions by rule code, and :func:`corruptions`, which draws from it.

``_POOL`` pairs each rule code some defect triggers with whether that rule only warns
and a strategy over the defect's variants (``_defects.py``); :data:`CORRUPTION_CODES`
lists the codes and :func:`corruptions` draws from the pool, filtered by code and
severity.
"""

from __future__ import annotations

from collections.abc import Iterable

from hypothesis import strategies as st

from ._corruption import Corruption
from ._defects import (
    _all_weights_zero,
    _bad_arguments,
    _bad_role,
    _bad_tool_call,
    _bad_tool_definition,
    _bad_weight,
    _broken_json,
    _duplicate_tool_call_id,
    _empty_content,
    _image_in,
    _invalid_message,
    _invalid_messages,
    _late_system,
    _mismatched_tool_id,
    _missing_content,
    _missing_messages,
    _missing_tool_call_id,
    _no_assistant,
    _not_an_object,
    _special_token,
    _too_many_images,
    _trailing_user,
    _unanswered_tool_call,
    _unknown_function,
    _unknown_key,
    _unknown_message_key,
    _weight_on_other,
    _wrong_content_type,
)
from ._text import SPECIAL_TOKEN_TEXTS

_picks = st.integers(0, 2**16)
# (rule code, whether the rule is only a warning, strategy) for every defect.
_POOL: tuple[tuple[str, bool, st.SearchStrategy[Corruption]], ...] = (
    (
        "JG201",
        False,
        st.builds(
            _bad_role,
            st.sampled_from(
                [
                    "developer",
                    "bot",
                    "human",
                    "model",
                    "User",
                    "ASSISTANT",
                    "",
                    " user",
                    "tool_call",
                ]
            ),
            _picks,
        ),
    ),
    ("JG202", False, st.just(_no_assistant())),
    ("JG110", False, st.builds(_broken_json, _picks)),
    (
        "JG205",
        False,
        st.builds(
            _bad_weight, st.sampled_from([2, 0.5, -1, "1", None, True, [1], {"w": 1}]), _picks
        ),
    ),
    ("JG206", False, st.builds(_weight_on_other, st.sampled_from([0, 1]), _picks)),
    ("JG207", False, st.just(_all_weights_zero())),
    ("JG222", False, st.builds(_mismatched_tool_id, _picks)),
    ("JG223", False, st.builds(_unanswered_tool_call, _picks)),
    ("JG227", False, st.builds(_missing_tool_call_id, _picks)),
    ("JG225", False, st.builds(_duplicate_tool_call_id, _picks)),
    ("JG224", False, st.builds(_unknown_function, _picks)),
    (
        "JG221",
        False,
        st.builds(
            _bad_arguments,
            st.sampled_from(["", "{", "{id: 42}", "{'a': 1}", '{"a": 1', "undefined"]),
            _picks,
        ),
    ),
    (
        "JG220",
        False,
        st.builds(
            _bad_tool_call, st.sampled_from(["no-type", "wrong-type", "no-id", "empty-id"]), _picks
        ),
    ),
    (
        "JG226",
        False,
        st.builds(
            _bad_tool_definition, st.sampled_from(["has space", "", "a" * 65, "naïve"]), _picks
        ),
    ),
    (
        "JG116",
        False,
        st.one_of(
            st.builds(
                _wrong_content_type,
                st.sampled_from([42, 3.5, True, False, {"text": "hello"}, None, 0]),
                _picks,
            ),
            st.builds(_missing_content, _picks),
        ),
    ),
    (
        "JG250",
        False,
        st.builds(_special_token, st.sampled_from(SPECIAL_TOKEN_TEXTS), _picks, _picks),
    ),
    ("JG111", False, st.builds(_not_an_object, st.sampled_from(["list", "messages", "string"]))),
    ("JG113", False, st.just(_missing_messages())),
    ("JG114", False, st.builds(_invalid_messages, st.sampled_from([[], {}, "hi", None, 3]))),
    (
        "JG115",
        False,
        st.builds(_invalid_message, _picks, st.sampled_from(["no-role", "not-an-object"])),
    ),
    (
        "JG242",
        False,
        st.builds(
            _image_in,
            st.just("user"),
            _picks,
            st.sampled_from(
                [
                    "http://example.com/a.png",
                    "ftp://example.com/a.png",
                    "example.com/a.png",
                    "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
                    "data:image/png,rawbytes",
                    "https://",
                ]
            ),
        ),
    ),
    (
        "JG240",
        False,
        st.builds(
            _image_in,
            st.sampled_from(["assistant", "system"]),
            _picks,
            st.just("https://example.com/a.png"),
        ),
    ),
    ("JG241", False, st.builds(_too_many_images, _picks)),
    # Defects that only warn: the API still accepts the example.
    ("JG112", True, st.builds(_unknown_key, st.sampled_from(["metadata", "id", "Messages"]))),
    (
        "JG117",
        True,
        st.builds(_unknown_message_key, st.sampled_from(["timestamp", "Content", "meta"]), _picks),
    ),
    (
        "JG120",
        True,
        st.builds(_empty_content, st.sampled_from(["", " ", "\n\t", "\u3000"]), _picks),
    ),
    ("JG203", True, st.just(_late_system())),
    ("JG204", True, st.just(_trailing_user())),
)

#: Every rule code some corruption triggers.
CORRUPTION_CODES: frozenset[str] = frozenset(code for code, _, _ in _POOL)


def corruptions(
    *, codes: Iterable[str] | None = None, warnings: bool = True
) -> st.SearchStrategy[Corruption]:
    """Named defects that turn a valid example into a line raising a known rule code.

    ``codes`` keeps only corruptions for those rule codes (see
    :data:`CORRUPTION_CODES`); ``warnings=False`` keeps only defects whose rule is an
    error by default. A corruption never changes whether a line counts as an
    example (it never makes a blank line), so it cannot affect file-level rules
    such as the example-count minimum.

    A corruption may raise other codes on the same line too; for instance, images
    make a model without vision fine-tuning raise JG244.
    """
    wanted = None if codes is None else frozenset(codes)
    if wanted is not None and wanted - CORRUPTION_CODES:
        raise ValueError(f"no corruption triggers {', '.join(sorted(wanted - CORRUPTION_CODES))}")
    pool = [
        strategy
        for code, warns, strategy in _POOL
        if (wanted is None or code in wanted) and (warnings or not warns)
    ]
    if not pool:
        raise ValueError("no corruption matches both codes and warnings=False")
    return st.one_of(pool)
