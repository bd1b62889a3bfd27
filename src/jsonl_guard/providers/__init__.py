"""Provider-specific rules and token methods: one package per provider (or a few).

Each module registers its example, dataset and schema rules (with the ``rule_sets`` its
profiles list in ``providers/<provider>/provider.toml``) and any token method when imported;
``rules.catalogue.load_rule_modules`` lists every module to import.
"""
