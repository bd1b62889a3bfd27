"""The optional C accelerators; everything else is declared in pyproject.toml.

``optional=True``: a machine without a C compiler still installs jsonl-guard, which
then runs the pure-Python reference of each accelerated function (same results).
The loops two modules share (the sketch, the answer digest, writing a str as UTF-8)
are compiled into each from ``src/jsonl_guard/_c/``, so no module imports another.
"""

from setuptools import Extension, setup

SHARED = "src/jsonl_guard/_c"
HEADERS = [
    f"{SHARED}/{name}"
    for name in ("utf8.h", "sketch.h", "digest.h", "compact.h", "chunks.h", "refusal_screen.h")
]


def extension(name: str, sources: list[str], **extra: list[str]) -> Extension:
    return Extension(name, sources, include_dirs=[SHARED], depends=HEADERS, optional=True, **extra)


setup(
    ext_modules=[
        extension(
            "jsonl_guard.engine._minhash",
            ["src/jsonl_guard/engine/_minhash.c", f"{SHARED}/sketch.c"],
        ),
        extension("jsonl_guard.engine._sieve", ["src/jsonl_guard/engine/_sieve.c"]),
        extension("jsonl_guard.engine._plain", ["src/jsonl_guard/engine/_plain.c"]),
        extension(
            "jsonl_guard.rules._screens",
            [
                "src/jsonl_guard/rules/_screens.c",
                f"{SHARED}/digest.c",
                f"{SHARED}/refusal_screen.c",
            ],
            libraries=["z"],  # zlib's CRC-32 and Adler-32, as Python's zlib module
        ),
        extension(
            "jsonl_guard.engine._chat",
            [
                "src/jsonl_guard/engine/_chat.c",
                f"{SHARED}/sketch.c",
                f"{SHARED}/digest.c",
                f"{SHARED}/refusal_screen.c",
            ],
            libraries=["z"],
        ),
    ]
)
