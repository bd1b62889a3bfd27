"""Provider-specific rules and token methods: one module per provider (or a few).

Each module registers its example, dataset and schema rules (with the ``rule_sets`` its
profiles list in ``data/providers/<provider>.toml``) and any token method when imported;
``_rules.load_rule_modules`` lists every module to import.
"""
