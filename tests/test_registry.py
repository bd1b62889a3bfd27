"""The rule registry (``rules/registry.py``): one declaration shape, checked at declaration;
and the catalogue (``rules/catalogue.py``): every declaring module, in one list.

A rule's code is ``JG`` and three digits and is declared once, its name too; example
and dataset rules say which rule sets they belong to; a finding whose code no rule
declares is an error, never dropped; every code the source or a schema raises is
declared; every declaring module is in the catalogue's explicit module list; a token
method no module registers is an error, never another count; and the registry, the
catalogue, the rule modules and the token methods import each other without a cycle.
"""

from __future__ import annotations

import ast
import json
import pickle
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import jsonl_guard.rules.registry as registry
from jsonl_guard import Finding, Severity, all_rules
from jsonl_guard.engine.models import ModelTableError
from jsonl_guard.engine.profiles import profile_table
from jsonl_guard.rules.catalogue import UnregisteredCodeError, load_rule_modules, token_method_for
from jsonl_guard.rules.registry import (
    Rule,
    Scope,
    dataset_rule,
    declare,
    example_rule,
    file_rule,
    schema_rule,
)
from jsonl_guard.rules.selection import InvalidSeverityError, RuleSelection, UnknownRuleError
from jsonl_guard.tokens.methods import find_token_method

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "jsonl_guard"
CODE_LITERAL = re.compile(r"JG[0-9]{3}\Z")
TEXT = {
    "name": "test-rule",
    "severity": Severity.ERROR,
    "summary": "s",
    "hint": "h",
    "bad": "",
    "good": "",
}


@pytest.fixture
def scratch(monkeypatch: pytest.MonkeyPatch) -> dict[str, Rule]:
    """A copy of the full registry to declare test rules in, dropped after the test."""
    load_rule_modules()
    rules = dict(registry.RULES)
    monkeypatch.setattr(registry, "RULES", rules)
    return rules


def _messages(example: dict, ctx: object) -> Iterator[str]:
    yield "a problem"


# -- declaring ------------------------------------------------------------------------------------


def test_example_and_dataset_rules_must_name_their_rule_sets(scratch) -> None:
    with pytest.raises(TypeError, match="rule_sets"):
        example_rule(code="JG990", **TEXT)
    with pytest.raises(TypeError, match="rule_sets"):
        dataset_rule(code="JG990", **TEXT)
    assert "JG990" not in scratch


@pytest.mark.parametrize("rule_sets", [(), "openai-chat", ("",), ["openai-chat"]])
def test_rule_sets_are_a_non_empty_tuple_of_names(scratch, rule_sets) -> None:
    with pytest.raises(ValueError, match="rule_sets"):
        example_rule(code="JG990", rule_sets=rule_sets, **TEXT)(_messages)
    assert "JG990" not in scratch


def test_a_declared_example_rule_is_registered_with_its_fields(scratch) -> None:
    check = example_rule(code="JG990", rule_sets=("*",), needs=("tools",), **TEXT)(_messages)
    assert check is _messages  # the decorator leaves the function as it is
    rule = scratch["JG990"]
    assert rule == Rule(
        code="JG990",
        scope=Scope.EXAMPLE,
        rule_sets=("*",),
        needs=frozenset({"tools"}),
        example_check=_messages,
        **TEXT,
    )


def test_file_and_schema_rules_belong_to_every_profile(scratch) -> None:
    file_rule(code="JG990", **TEXT)
    schema_rule(code="JG991", **{**TEXT, "name": "test-schema-rule"})
    assert scratch["JG990"].scope is Scope.FILE and scratch["JG991"].scope is Scope.SCHEMA
    assert scratch["JG990"].rule_sets == scratch["JG991"].rule_sets == ("*",)
    assert scratch["JG990"].applies_to(("vertex-gemini",))


def test_rules_are_built_by_keyword_only() -> None:
    with pytest.raises(TypeError):
        Rule("JG990", "test-rule", Severity.ERROR, Scope.FILE, "s", "h", "", "", ("*",))


@pytest.mark.parametrize("code", ["JG12", "JG1234", "jg123", "XX123", "JG12a", " JG123", "JG-12"])
def test_a_malformed_code_is_refused(scratch, code: str) -> None:
    with pytest.raises(ValueError, match="is not JG and three digits"):
        file_rule(code=code, **TEXT)
    with pytest.raises(ValueError, match="is not JG and three digits"):
        example_rule(code=code, rule_sets=("*",), **TEXT)(_messages)
    assert code not in scratch


def test_a_code_declared_twice_is_refused(scratch) -> None:
    before = scratch["JG202"]
    with pytest.raises(ValueError, match="JG202 declared twice"):
        example_rule(code="JG202", rule_sets=("openai-chat",), **TEXT)(_messages)
    assert scratch["JG202"] is before


def test_a_name_declared_twice_is_refused(scratch) -> None:
    with pytest.raises(ValueError, match="already the name of JG202"):
        file_rule(code="JG990", **{**TEXT, "name": "no-assistant-message"})
    assert "JG990" not in scratch


@pytest.mark.parametrize("name", ["Test-Rule", "test_rule", "test rule", "-test", ""])
def test_a_malformed_name_is_refused(scratch, name: str) -> None:
    with pytest.raises(ValueError, match="lower-case-with-dashes"):
        file_rule(code="JG990", **{**TEXT, "name": name})


def test_a_severity_must_be_a_severity(scratch) -> None:
    with pytest.raises(ValueError, match="is not a Severity"):
        file_rule(code="JG990", **{**TEXT, "severity": "error"})


def test_a_dataset_check_yields_messages_and_the_registry_adds_the_code(scratch) -> None:
    @dataset_rule(code="JG990", rule_sets=("*",), **TEXT)
    def check(stats: object, ctx: object) -> Iterator[str | tuple[str, int]]:
        yield "about the file"
        yield "about line 7", 7

    assert list(check(None, None)) == ["about the file", ("about line 7", 7)]
    findings = scratch["JG990"].dataset_check
    assert findings is not None
    assert list(findings(None, None)) == [
        Finding("JG990", "about the file"),
        Finding("JG990", "about line 7", line=7),
    ]


def test_a_check_must_fit_the_scope_and_file_rules_every_profile(scratch) -> None:
    with pytest.raises(ValueError, match="file rules take no check"):
        declare(Scope.FILE, {"code": "JG990", **TEXT}, rule_sets=("*",), example_check=_messages)
    with pytest.raises(ValueError, match="example rules take an example check"):
        declare(Scope.EXAMPLE, {"code": "JG990", **TEXT}, rule_sets=("*",))
    with pytest.raises(ValueError, match="schema rules belong to every profile"):
        declare(Scope.SCHEMA, {"code": "JG990", **TEXT}, rule_sets=("openai-chat",))
    assert "JG990" not in scratch


def test_the_rules_pickle_with_their_checks() -> None:
    """A Checker pickles (e.g. to a process or a cluster): so do rules and their checks."""
    selection = RuleSelection.build()
    copy = pickle.loads(pickle.dumps(selection))
    assert copy == selection
    assert copy.rules["JG303"].dataset_check == selection.rules["JG303"].dataset_check


# -- findings and the selection --------------------------------------------------------------------


def test_a_finding_with_an_unregistered_code_raises() -> None:
    selection = RuleSelection.build(ignore=["JG303"])
    with pytest.raises(UnregisteredCodeError, match="'JG998', which no rule declares"):
        selection.diagnose(Finding("JG998", "a misspelled code", 3, 1))
    with pytest.raises(UnregisteredCodeError):
        selection.diagnose(Finding("jg303", "a code in the wrong case", 3, 1))


def test_a_registered_but_unselected_code_is_dropped() -> None:
    selection = RuleSelection.build(ignore=["JG303"])
    assert selection.diagnose(Finding("JG303", "the example repeats line 1", 3)) is None
    diagnostic = selection.diagnose(Finding("JG202", "no assistant", 3, 1))
    assert diagnostic is not None and diagnostic.code == "JG202"


def test_selectors_must_match_a_rule() -> None:
    for options in (
        {"select": ["JG998"]},
        {"ignore": ["no-such-rule"]},
        {"severity": {"JG9": Severity.INFO}},
    ):
        with pytest.raises(UnknownRuleError, match="no rule matches"):
            RuleSelection.build(**options)


@pytest.mark.parametrize("level", ["warn", "fatal", "", 1, None])
def test_severity_levels_are_validated(level) -> None:
    with pytest.raises(InvalidSeverityError, match="use error, warning or info"):
        RuleSelection.build(severity={"JG401": level})


def test_severity_levels_given_as_text_become_severities() -> None:
    selection = RuleSelection.build(severity={"JG401": "Warning", "JG2": Severity.INFO})
    assert selection.severities["JG401"] is Severity.WARNING
    assert selection.severities["JG202"] is Severity.INFO


# -- every code is declared -------------------------------------------------------------------------


def _code_literals() -> Iterator[tuple[str, int, str]]:
    """Every string constant of the source that is a rule code: ``Finding("JG...")``
    literals, code constants, corruption strategies' codes, config examples."""
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and CODE_LITERAL.match(node.value):
                yield str(path.relative_to(SRC)), node.lineno, node.value


def _schema_codes(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "x-rule":
                yield child
            elif key == "x-rules":
                yield from child.values()
            else:
                yield from _schema_codes(child)
    elif isinstance(value, list):
        for child in value:
            yield from _schema_codes(child)


def test_every_code_literal_in_the_source_is_declared() -> None:
    declared = {rule.code for rule in all_rules()}
    literals = list(_code_literals())
    assert {"JG100", "JG101", "JG110", "JG119", "JG121"} <= {c for _, _, c in literals}
    undeclared = [f"{path}:{line}: {code}" for path, line, code in literals if code not in declared]
    assert undeclared == []


def test_every_code_a_schema_names_is_declared() -> None:
    # Mostly schema rules; a few example rules are also raised by a schema (e.g. JG221:
    # arguments that are not a string, before the rule checks the string's JSON).
    declared = {rule.code for rule in all_rules()}
    named = {}
    for path in sorted(PACKAGE.glob("providers/*/schemas/*.json")):
        for code in _schema_codes(json.loads(path.read_text("utf-8"))):
            named.setdefault(code, path.name)
    assert named, "the scan finds the schemas' x-rule codes"
    assert {code: where for code, where in named.items() if code not in declared} == {}


def test_every_rule_set_a_rule_names_is_a_profile_rule_set() -> None:
    listed = {name for profile in profile_table().values() for name in profile.rule_sets}
    unknown = {
        rule.code: name
        for rule in all_rules()
        for name in rule.rule_sets
        if name != "*" and name not in listed
    }
    assert unknown == {}


# -- the module list and the import layering ---------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
DECLARING_CALLS = {"example_rule", "dataset_rule", "file_rule", "schema_rule", "token_method"}


def _declares(path: Path) -> bool:
    """The module declares a rule or token method at import (a decorator or a call)."""
    tree = ast.parse(path.read_text("utf-8"))
    for node in tree.body:
        calls = [node.value] if isinstance(node, ast.Expr) else []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            calls = list(node.decorator_list)
        for call in calls:
            named = isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            if named and call.func.id in DECLARING_CALLS:
                return True
    return False


def _listed_modules() -> set[str]:
    """The modules ``load_rule_modules`` imports, read from its source."""
    tree = ast.parse((PACKAGE / "rules/catalogue.py").read_text("utf-8"))
    function = next(
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name == "load_rule_modules"
    )
    listed = set()
    for node in ast.walk(function):
        if isinstance(node, ast.ImportFrom):
            base = _resolve("jsonl_guard.rules.catalogue", node.module, node.level)
            listed |= {f"{base}.{alias.name}" for alias in node.names}
    return listed


def test_every_declaring_module_is_in_the_module_list() -> None:
    declaring = {name for name, path in MODULES.items() if _declares(path)}
    assert "jsonl_guard.rules.dataset" in declaring and "jsonl_guard.tokens.methods" in declaring
    # tokens.methods declares the two shared token methods and is imported by every
    # declaring module that counts tokens; every other declaring module must be listed.
    assert declaring - {"jsonl_guard.tokens.methods"} == _listed_modules()


def test_loading_registers_every_listed_module() -> None:
    load_rule_modules()
    modules = {rule.example_check.__module__ for rule in all_rules() if rule.example_check}
    assert modules <= _listed_modules()


def _resolve(importer: str, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    is_package = MODULES[importer].name == "__init__.py"
    package = importer if is_package else importer.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{module}" if module else package


# No import cycle anywhere (registry, catalogue, rule modules and token methods included,
# through imports in functions too): tests/test_architecture.py.


def test_declaring_modules_never_import_the_catalogue() -> None:
    """The catalogue imports them (in ``load_rule_modules``); they import only what
    declares (``rules.registry``, ``tokens.methods``), never the catalogue, at any level."""
    for name in [*_listed_modules(), "jsonl_guard.rules.registry", "jsonl_guard.tokens.methods"]:
        tree = ast.parse(MODULES[name].read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = _resolve(name, node.module, node.level)
                targets = {base, *(f"{base}.{alias.name}" for alias in node.names)}
                assert "jsonl_guard.rules.catalogue" not in targets, name
                assert "jsonl_guard.rules.selection" not in targets, name


# -- token methods ---------------------------------------------------------------------------------


def test_a_profile_token_method_is_found_with_every_provider_loaded() -> None:
    """``token_method_for`` loads the catalogue first: a provider's method (declared in
    its own module) is found however little was imported before."""
    for profile in profile_table().values():
        assert token_method_for(profile.tokens).name == profile.tokens


@pytest.mark.parametrize("lookup", [token_method_for, find_token_method])
def test_an_unregistered_token_method_is_an_error_not_a_count(lookup) -> None:
    with pytest.raises(
        ModelTableError, match="unknown token method 'no-such-method'; registered: "
    ):
        lookup("no-such-method")
