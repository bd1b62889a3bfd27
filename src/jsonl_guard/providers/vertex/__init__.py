"""vertex: its rules and token methods (``legacy.py``, ``preference.py``, ``rules.py``),
formats and models (``provider.toml``), JSON Schemas (``schemas/``), Hypothesis strategies
(``strategies.py``, which needs ``hypothesis``).
"""
