"""Provider-specific rules and token methods: one module per provider, found on import.

Each module registers its example/dataset rules (with the ``rule_sets`` its
profiles list in ``data/providers/<provider>.toml``) and any token method.
"""
