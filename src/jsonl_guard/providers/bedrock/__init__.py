"""bedrock: its rules and token methods (``blocks.py``, ``rules.py``), formats and models
(``provider.toml``), JSON Schemas (``schemas/``), Hypothesis strategies (``strategies.py``,
which needs ``hypothesis``).
"""
