"""The optional C accelerator; everything else is declared in pyproject.toml.

``optional=True``: a machine without a C compiler still installs jsonl-guard, which
then runs the pure-Python reference of each accelerated function (same results).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "jsonl_guard.engine._minhash",
            ["src/jsonl_guard/engine/_minhash.c"],
            optional=True,
        ),
        Extension(
            "jsonl_guard.rules._screens",
            ["src/jsonl_guard/rules/_screens.c"],
            libraries=["z"],  # zlib's CRC-32 and Adler-32, as Python's zlib module
            optional=True,
        ),
    ]
)
