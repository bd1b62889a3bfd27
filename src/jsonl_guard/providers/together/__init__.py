"""together: its rules and token methods (``rules.py``), formats and models
(``provider.toml``), JSON Schemas (``schemas/``), Hypothesis strategies (``strategies.py``,
which needs ``hypothesis``).
"""
