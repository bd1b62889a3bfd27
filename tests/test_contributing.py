"""CONTRIBUTING.md, followed as written, so that it cannot drift from the code.

Each recipe test pastes the code blocks of its recipe into a copy of ``src/jsonl_guard``
(made once per session; the real tree is never touched), writes the fixtures the recipe
describes, and runs the recipe's ``jsonl-guard`` commands in a subprocess that imports
the copy (``PYTHONPATH``). A code block that starts with ``# src/jsonl_guard/...`` goes
to that file. The last test checks that every path, name, flag and rule code the doc
quotes in backticks exists.

The toy names (provider Acme, rules JG990/JG991, the reporter ``toy``) are skipped by
that check: they exist only in the copy.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from jsonl_guard import all_rules
from jsonl_guard.errors import ExitCode
from jsonl_guard.finetune.backend import FinetuneBackend
from jsonl_guard.reporters import REPORTERS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "jsonl_guard"
DOC = ROOT / "CONTRIBUTING.md"
# Names that exist only in the copy the recipe tests build.
TOY = re.compile(r"acme|JG99\d|\btoy\b", re.IGNORECASE)
FENCE = re.compile(r"^( *)```")


# -- reading the doc -----------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    lang: str
    text: str  # dedented by the fence's indentation

    @property
    def target(self) -> str | None:
        """The file a ``# src/jsonl_guard/...`` first line names."""
        match = re.match(r"# (src/jsonl_guard/[\w/.-]+\.\w+)", self.text)
        return match.group(1) if match else None

    @property
    def body(self) -> str:
        """The text without its ``# src/...`` line."""
        return self.text.split("\n", 1)[1] if self.target else self.text


def _doc() -> str:
    return DOC.read_text("utf-8")


def _prose_and_blocks(text: str) -> tuple[str, list[Block]]:
    """The text outside code fences, and the fenced blocks in order."""
    prose: list[str] = []
    blocks: list[Block] = []
    fence: tuple[str, str, list[str]] | None = None  # indentation, language, lines
    for line in text.splitlines():
        match = FENCE.match(line)
        if fence is None and match:
            fence = (match.group(1), line[match.end() :].strip(), [])
        elif fence is not None and match and match.group(1) == fence[0]:
            indent, lang, lines = fence
            dedented = [row[len(indent) :] if row.startswith(indent) else row for row in lines]
            blocks.append(Block(lang, "\n".join(dedented) + "\n"))
            fence = None
        elif fence is not None:
            fence[2].append(line)
        else:
            prose.append(line)
    assert fence is None, "CONTRIBUTING.md has an unclosed code fence"
    return "\n".join(prose), blocks


def section(title: str) -> str:
    """The text under the heading ``title``, up to the next heading of its level or above."""
    lines = _doc().splitlines(keepends=True)
    fenced = False
    start = level = None
    for number, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
            continue
        heading = None if fenced else re.match(r"(#+) (.*)", line)
        if heading is None:
            continue
        if start is None and heading.group(2).strip() == title:
            start, level = number + 1, len(heading.group(1))
        elif start is not None and level is not None and len(heading.group(1)) <= level:
            return "".join(lines[start:number])
    assert start is not None, f"CONTRIBUTING.md has no heading {title!r}"
    return "".join(lines[start:])


def blocks(title: str, lang: str) -> list[Block]:
    return [block for block in _prose_and_blocks(section(title))[1] if block.lang == lang]


def commands(block: Block) -> list[list[str]]:
    """The ``jsonl-guard`` command lines of a shell block, as argument lists."""
    found = []
    for line in block.text.splitlines():
        argv = shlex.split(line, comments=True)
        if argv and argv[0] == "jsonl-guard":
            found.append(argv[1:])
    return found


# -- the copy and its command --------------------------------------------------------------


@pytest.fixture(scope="session")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package, to follow the recipes in (each test adds its own toys)."""
    root = tmp_path_factory.mktemp("contributing")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PACKAGE, root / "src" / "jsonl_guard", ignore=ignore)
    return root


def _run(tree: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """``python ARGV`` importing the copy, in its folder (no pyproject.toml there)."""
    paths = [str(tree / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "NO_COLOR": "1"}
    for name in ("GITHUB_STEP_SUMMARY", "FORCE_COLOR"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, *argv],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def jsonl_guard(tree: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """``jsonl-guard ARGV``, from the copy."""
    return _run(tree, ["-m", "jsonl_guard.cli", *argv])


def paste(tree: Path, block: Block) -> Path:
    """Write a whole-file block to the file its first line names, in the copy."""
    assert block.target is not None, f"no '# src/jsonl_guard/...' line on:\n{block.text}"
    path = tree / block.target
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(block.body.lstrip("\n"), encoding="utf-8")
    return path


def lint(tree: Path, *files: Path) -> None:
    """Pasted code passes the gate's ruff checks (``tests/test_code_quality.py``)."""
    config = ["--config", str(ROOT / "pyproject.toml"), "--no-cache"]
    for command in (["check"], ["format", "--check", "--diff"]):
        argv = [sys.executable, "-m", "ruff", *command, *config, *map(str, files)]
        result = subprocess.run(argv, cwd=tree, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def write_lines(path: Path, rows: list[object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def fired(output: str, code: str) -> list[tuple[str, int]]:
    """(path, line) of every ``path:line:column: CODE`` finding in a text report."""
    found = re.findall(rf"^(\S+?):(\d+):\d+: {code} ", output, re.MULTILINE)
    return [(path, int(line)) for path, line in found]


# -- add a rule ----------------------------------------------------------------------------


def test_add_a_rule(tree: Path) -> None:
    recipe = section("Add a rule")
    rule, expectation = blocks("Add a rule", "python")
    (shell,) = blocks("Add a rule", "sh")
    # Step 2: the function, appended to the module the block names.
    assert rule.target == "src/jsonl_guard/rules/content.py"
    with (tree / rule.target).open("a", encoding="utf-8") as module:
        module.write("\n\n" + rule.body)
    lint(tree, tree / rule.target)
    code = re.search(r'code="(JG\d{3})"', rule.body)
    name = re.search(r'name="([a-z-]+)"', rule.body)
    assert code is not None and name is not None
    code_id = code.group(1)
    # Step 4: the EXPECTED entry is a valid entry of that dict.
    expected = ast.literal_eval("{" + expectation.text + "}")
    assert list(expected) == [code_id]
    lines = expected[code_id]
    # Step 3: good.jsonl is the plain file; bad.jsonl has the defect on those lines.
    plain = ROOT / "tests" / "fixtures" / "rules" / "JG100" / "good.jsonl"
    defect = "TODO: answer this"
    assert plain.relative_to(ROOT).as_posix() in recipe and defect in recipe
    good = [json.loads(line) for line in plain.read_text("utf-8").splitlines()]
    bad = json.loads(json.dumps(good))
    for number in lines:
        replies = [m for m in bad[number - 1]["messages"] if m["role"] == "assistant"]
        replies[-1]["content"] = defect
    folder = tree / "tests" / "fixtures" / "rules" / code_id
    write_lines(folder / "good.jsonl", good)
    write_lines(folder / "bad.jsonl", bad)
    assert len(good) >= 10
    # Step 5: the recipe's commands.
    explain, check = commands(shell)
    assert explain == ["rules", code_id]
    shown = jsonl_guard(tree, explain)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"{code_id} {name.group(1)} (warning, example rule)\n")
    checked = jsonl_guard(tree, check)
    assert checked.returncode == ExitCode.OK, checked.stdout + checked.stderr  # a warning
    assert fired(checked.stdout, code_id) == [(check[1], line) for line in lines]
    assert check[1].endswith("/bad.jsonl") and check[2].endswith("/good.jsonl")
    # Listed by `rules`, and its documented examples pass the table test's checks.
    listing = jsonl_guard(tree, ["rules", "--format", "json"])
    (declared,) = [r for r in json.loads(listing.stdout) if r["code"] == code_id]
    assert declared["rule_sets"] == ["openai-text"]
    (tree / "doc-bad.jsonl").write_text(declared["bad"] + "\n", encoding="utf-8")
    (tree / "doc-good.jsonl").write_text(declared["good"] + "\n", encoding="utf-8")
    documented = jsonl_guard(tree, ["check", "doc-bad.jsonl", "doc-good.jsonl", "--format", "json"])
    codes = [[d["code"] for d in f["diagnostics"]] for f in json.loads(documented.stdout)["files"]]
    assert code_id in codes[0] and code_id not in codes[1]


# -- add a profile -------------------------------------------------------------------------


def _insert_in_rule_module_list(
    catalogue: Path, line: str, function_name: str = "load_rule_modules"
) -> None:
    """Put one import line among the provider imports of ``function_name``, sorted."""
    text = catalogue.read_text("utf-8")
    function = next(
        node
        for node in ast.parse(text).body
        if isinstance(node, ast.FunctionDef) and node.name == function_name
    )
    imports = [
        node
        for node in function.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("providers.")
    ]
    assert imports, f"{function_name} imports no provider module"
    rows = text.splitlines(keepends=True)
    existing = [rows[node.lineno - 1] for node in imports]
    indent = re.match(r" *", existing[0])
    assert indent is not None and line.startswith(indent.group() + "from ..providers.")
    style = re.compile(r" *from \.\.providers\.\w+ import \w+ as \w+  # noqa: F401\b")
    assert style.match(line) and all(style.match(row) for row in existing), existing
    after = [node for node in imports if rows[node.lineno - 1] > line]
    at = after[0].lineno - 1 if after else imports[-1].end_lineno or imports[-1].lineno
    rows.insert(at, line.rstrip("\n") + "\n")
    catalogue.write_text("".join(rows), encoding="utf-8")


def test_add_a_profile(tree: Path) -> None:
    title = "Add a profile"
    recipe = section(title)
    (table,) = blocks(title, "toml")
    (schema,) = blocks(title, "json")
    rules, listed, strategies = blocks(title, "python")
    (shell,) = blocks(title, "sh")
    # The folder and its __init__.py (a docstring saying what it holds).
    provider = paste(tree, table).parent
    assert provider.parent == tree / "src" / "jsonl_guard" / "providers"
    init = f'"""{provider.name}: its formats, schemas, rules and strategies."""\n'
    (provider / "__init__.py").write_text(init, encoding="utf-8")
    # Step 1: provider.toml; step 2: the schema its profile names.
    data = tomllib.loads(table.body)
    ((profile, fields),) = data["profiles"].items()
    ((model, spec),) = data["models"].items()
    assert fields["default_model"] == model
    assert f"`schemas/{fields['schema']}.json`" in recipe
    (provider / "schemas").mkdir()
    (provider / "schemas" / f"{fields['schema']}.json").write_text(schema.text, encoding="utf-8")
    # Step 3: rules.py, and its line in the rule-module list.
    assert paste(tree, rules) == provider / "rules.py"
    assert listed.target == "src/jsonl_guard/rules/catalogue.py"
    (line,) = [row for row in listed.body.splitlines() if row.strip()]
    _insert_in_rule_module_list(tree / listed.target, line)
    # Step 4: strategies.py.
    assert paste(tree, strategies) == provider / "strategies.py"
    lint(tree, provider / "rules.py", provider / "strategies.py", tree / listed.target)
    # Step 5: the fixtures: a good file, and the provider rule's bad file.
    rule = re.search(r'code="(JG\d{3})"', rules.body)
    assert rule is not None
    code = rule.group(1)
    answers = [
        {"question": f"Is the shop open on day {day}?", "answer": f"Yes, day {day} from ten."}
        for day in range(1, 13)
    ]
    good = f"tests/fixtures/profiles/{profile}/good.jsonl"
    bad = f"tests/fixtures/rules/{code}/bad.jsonl"
    write_lines(tree / good, answers)
    broken = [dict(row) for row in answers]
    broken[1]["answer"] = broken[1]["question"]
    write_lines(tree / bad, broken)
    # Step 6: the recipe's commands.
    explain, check_good, check_bad = commands(shell)
    assert (explain, check_good, check_bad) == (
        ["profiles", profile],
        ["check", good],
        ["check", bad],
    )
    shown = jsonl_guard(tree, explain)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"{profile}  ({provider.name}, sft)")
    assert f"\n  {model}: {spec['token_limit']:,} tokens/example" in shown.stdout
    checked = jsonl_guard(tree, check_good)
    assert checked.returncode == ExitCode.OK, checked.stdout + checked.stderr
    assert f"  format: {profile} (detected)\n" in checked.stdout
    assert f"  model: {model} (default model" in checked.stdout
    failed = jsonl_guard(tree, check_bad)
    assert failed.returncode == ExitCode.ERRORS, failed.stdout + failed.stderr
    assert fired(failed.stdout, code) == [(bad, 2)]
    assert f"  format: {profile} (detected)\n" in failed.stdout
    # The strategies are found, their examples are clean and the corruption fires.
    script = textwrap.dedent(
        f"""
        import json, warnings
        warnings.simplefilter("ignore")  # .example() outside a test
        from jsonl_guard import check_lines
        from jsonl_guard.strategies import profile_corruptions, profile_examples
        example = profile_examples({profile!r}).example()
        lines = [json.dumps(example)] + [c(example)[0] for c in profile_corruptions({profile!r})]
        report = check_lines([line.encode() for line in lines])
        print(json.dumps([report.format, [[d.code, d.line] for d in report.diagnostics if d.line]]))
        """
    )
    result = _run(tree, ["-c", script])
    assert json.loads(result.stdout) == [profile, [[code, 2]]], result.stderr


# -- add a converter -----------------------------------------------------------------------


def test_add_a_converter(tree: Path) -> None:
    """The recipe continues the profile recipe's Acme toy: that one is followed first."""
    title = "Add a converter"
    acme = tree / "src" / "jsonl_guard" / "providers" / "acme"
    if not (acme / "rules.py").exists():
        test_add_a_profile(tree)
    module, listed = blocks(title, "python")
    (shell,) = blocks(title, "sh")
    # Step 1: convert.py in the provider's folder; step 2: its line in load_converters.
    assert paste(tree, module) == acme / "convert.py"
    assert listed.target == "src/jsonl_guard/conversion/catalogue.py"
    (line,) = [row for row in listed.body.splitlines() if row.strip()]
    _insert_in_rule_module_list(tree / listed.target, line, "load_converters")
    lint(tree, acme / "convert.py", tree / listed.target)
    # Step 4: the commands: to OpenAI chat (the source detected) and back, each validated.
    there, back = commands(shell)
    assert (there[2:4], back[2:4]) == (["--to", "openai-chat"], ["--to", "acme-qa"])
    source = tree / there[1]
    forth = jsonl_guard(tree, there)
    assert forth.returncode == ExitCode.OK, forth.stdout + forth.stderr
    assert "convert acme-qa -> openai-chat" in forth.stdout  # the source was detected
    returned_run = jsonl_guard(tree, back)
    assert returned_run.returncode == ExitCode.OK, returned_run.stdout + returned_run.stderr
    rows = [json.loads(row) for row in source.read_text("utf-8").splitlines()]
    chat = [json.loads(row) for row in (tree / there[-1]).read_text("utf-8").splitlines()]
    assert chat[0]["messages"] == [
        {"role": "user", "content": rows[0]["question"]},
        {"role": "assistant", "content": rows[0]["answer"]},
    ]
    returned = [json.loads(row) for row in (tree / back[-1]).read_text("utf-8").splitlines()]
    assert returned == rows
    # The catalogue lists it, and a line it cannot read is reported, not a crash.
    script = textwrap.dedent(
        """
        import json
        from jsonl_guard.conversion.catalogue import known_profiles
        from jsonl_guard.conversion.run import convert_example
        from jsonl_guard.conversion.neutral import NotConvertible
        try:
            convert_example({"question": 1}, read_from="acme-qa", to="openai-chat")
        except NotConvertible as error:
            print(json.dumps(["acme-qa" in known_profiles(), error.reason, error.hint]))
        """
    )
    result = _run(tree, ["-c", script])
    assert json.loads(result.stdout) == [
        True,
        "acme-qa needs a string question and answer",
        "run `jsonl-guard check` first",
    ], result.stderr


# -- add a reporter ------------------------------------------------------------------------


def test_add_a_reporter(tree: Path) -> None:
    title = "Add a reporter"
    module, registration = blocks(title, "python")
    (shell,) = blocks(title, "sh")
    # Step 1: the module.
    path = paste(tree, module)
    assert path.parent == tree / "src" / "jsonl_guard" / "reporters"
    name = path.stem
    # Step 2: its import and its REPORTERS entry, in the copy's reporters/__init__.py.
    assert registration.target == "src/jsonl_guard/reporters/__init__.py"
    init = tree / registration.target
    text = init.read_text("utf-8")
    (doc_import,) = [r for r in registration.body.splitlines() if r.startswith("from . import")]
    (real_import,) = [r for r in text.splitlines() if r.startswith("from . import")]
    listed = doc_import.removeprefix("from . import ").split(", ")
    assert listed == sorted(listed) and name in listed
    assert set(listed) - {name} == set(real_import.removeprefix("from . import ").split(", "))
    entries = [r for r in registration.body.splitlines() if re.match(r' +"\w+": ', r)]
    assert entries == [f'    "{name}": {name}.render,']
    head = "REPORTERS: dict[str, Render] = {\n"
    assert head in registration.body and head in text
    start = text.index(head)
    end = text.index("\n}\n", start)
    text = text[:end] + "\n" + "\n".join(entries) + text[end:]
    init.write_text(text.replace(real_import, doc_import), encoding="utf-8")
    lint(tree, path, init)
    # Step 3: the commands the recipe shows.
    (tree / "examples").mkdir(exist_ok=True)
    shutil.copy(ROOT / "examples" / "support-bad.jsonl", tree / "examples")
    helped, checked = commands(shell)
    shown = jsonl_guard(tree, helped)
    formats = ",".join(sorted([*REPORTERS, name]))
    assert f"--format {{{formats}}}" in shown.stdout, shown.stdout + shown.stderr
    result = jsonl_guard(tree, checked)
    written = json.loads((tree / checked[checked.index("--output") + 1]).read_text("utf-8"))
    (file,) = written["files"]
    assert file["errors"] > 0
    line = f"{file['path']}: {file['errors']} error(s), {file['warnings']} warning(s)\n"
    assert result.stdout == line
    assert result.returncode == ExitCode.ERRORS, result.stderr  # as with every format


# -- add a fine-tune backend ---------------------------------------------------------------


def test_add_a_fine_tune_backend() -> None:
    """The walk-through is tests/test_finetune_backend.py; the doc must point at what it uses."""
    recipe = section("Add a fine-tune backend")
    walk = ROOT / "tests" / "test_finetune_backend.py"
    assert f"`{walk.relative_to(ROOT).as_posix()}`" in recipe
    flat = " ".join(recipe.split())
    # The methods to implement are the abstract ones; the optional ones and the class
    # attributes to set are the interface's.
    listed = re.search(r"implement (.*?) \((.*?) optional\)", flat)
    assert listed is not None
    assert set(re.findall(r"`(\w+)`", listed.group(1))) == FinetuneBackend.__abstractmethods__
    optional = re.findall(r"`(\w+)`", listed.group(2))
    assert optional and all(hasattr(FinetuneBackend, n) for n in optional)
    for attribute in ("platform", "job_methods"):
        assert f"set `{attribute}`" in flat or f"`{attribute}` (" in flat
        assert attribute in FinetuneBackend.__annotations__
    # BACKENDS and PROVIDER_PLATFORMS are where the doc says, and the walk-through uses them.
    assert "`BACKENDS` in `finetune/backends.py`" in flat
    backends = importlib.import_module("jsonl_guard.finetune.backends")
    assert isinstance(backends.BACKENDS, dict) and isinstance(backends.PROVIDER_PLATFORMS, dict)
    tree = ast.parse(walk.read_text("utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "jsonl_guard.finetune.backends"
        for alias in node.names
    }
    assert "BACKENDS" in imported
    classes = {
        node.name: [ast.unparse(base) for base in node.bases]
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }
    assert classes.get("ToyBackend") == ["FinetuneBackend"]
    tests = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert "test_the_toy_backend_runs_a_whole_finetune" in tests


# -- every name the doc quotes exists -------------------------------------------------------

SOURCES = [
    *PACKAGE.rglob("*.py"),
    *(ROOT / "pytest_plugin").rglob("*.py"),
    *(ROOT / "tests").glob("*.py"),
    *(ROOT / "benchmarks").glob("*.py"),
    *(ROOT / "docs").glob("*.py"),
]
PATH_ROOTS = (ROOT, PACKAGE)


@cache
def _identifiers() -> frozenset[str]:
    """Every name the Python sources define, use, pass or spell as a string."""
    names: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, (ast.arg, ast.keyword)) and node.arg:
                names.add(node.arg)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.rpartition(".")[2])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)
    return frozenset(names)


@cache
def _source_text() -> str:
    return "\n".join(path.read_text("utf-8") for path in SOURCES)


def _defines(path: Path, name: str) -> bool:
    """``name`` is a class, function or assignment at the top level of ``path``."""
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == name:
                return True
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return True
    return False


def _expand(pattern: str) -> list[str]:
    """``a/{b,c}.x`` -> ``a/b.x``, ``a/c.x``; ``<placeholder>`` -> ``*``."""
    pattern = re.sub(r"<[^>]+>", "*", pattern)
    match = re.search(r"\{([^}]*)\}", pattern)
    if match is None:
        return [pattern]
    return [
        expanded
        for option in match.group(1).split(",")
        for expanded in _expand(pattern[: match.start()] + option + pattern[match.end() :])
    ]


def _path_exists(token: str) -> bool:
    """Every expansion of ``token`` names a file or folder (a placeholder: at least one)."""
    return all(_pattern_exists(pattern) for pattern in _expand(token.rstrip("/")))


def _pattern_exists(pattern: str) -> bool:
    if "/" not in pattern:  # a file name: at the root, in the package or the tests
        places = (ROOT / "src", ROOT / "tests")
        return (ROOT / pattern).exists() or any(any(p.rglob(pattern)) for p in places)
    return any(any(base.glob(pattern)) for base in PATH_ROOTS)


def _resolves(dotted: str) -> bool:
    """A module path, or a package-level name with attributes (``FileRun.finish``)."""
    parts = dotted.split(".")
    for start in range(len(parts), 0, -1):
        module_name = ".".join(parts[:start])
        try:
            value: object = importlib.import_module(module_name)
        except ImportError:
            continue
        for part in parts[start:]:
            if not hasattr(value, part):
                return False
            value = getattr(value, part)
        return True
    for module_name in ("jsonl_guard", "jsonl_guard.engine"):
        module = importlib.import_module(module_name)
        if hasattr(module, parts[0]):
            value = getattr(module, parts[0])
            for part in parts[1:]:
                if not hasattr(value, part):
                    return False
                value = getattr(value, part)
            return True
    # A variable's attribute (``record.run_id``): the attribute at least must exist.
    return all(part in _identifiers() for part in parts)


PATH = re.compile(r"[\w.<>{},*-]*/[\w.<>{},*/-]*|[\w<>*-]+\.(?:py|md|toml|json|jsonl)")
DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
CALL = re.compile(r"@?([A-Za-z_]\w*)(?:\(.*\))?")
CODE = re.compile(r"JG\d{3}")


def _problem(token: str) -> str | None:
    """Why a backticked token names nothing that exists (``None``: it does, or it is prose)."""
    if TOY.search(token):
        return None
    if token in ("None", "True", "False"):
        return None
    if CODE.fullmatch(token):
        return None if token in {rule.code for rule in all_rules()} else "no such rule"
    if " " in token:  # a command or an example: check the files it names
        missing = [w for w in token.split() if PATH.fullmatch(w) and not _path_exists(w)]
        return f"missing {missing}" if missing else None
    if token.startswith("--"):
        flag = token.split("=")[0]
        return None if f'"{flag}"' in _source_text() else "no such option"
    if PATH.fullmatch(token):
        return None if _path_exists(token) else "no such file"
    if DOTTED.fullmatch(token):
        return None if _resolves(token) else "does not resolve"
    call = CALL.fullmatch(token)
    if call:
        return None if call.group(1) in _identifiers() else "no such name"
    if re.fullmatch(r"[a-z]+(?:-[a-z0-9]+)+", token):
        return None if token in _source_text() else "not in the source"
    return None  # prose in backticks: JSON, TOML, tuples, values


def test_every_name_the_doc_quotes_exists() -> None:
    prose, _ = _prose_and_blocks(_doc())
    problems = {
        token: why for token in re.findall(r"`([^`\n]+)`", prose) if (why := _problem(token))
    }
    assert problems == {}


def test_a_module_and_the_name_quoted_after_it_belong_together() -> None:
    """``engine/checker.py`` ``Checker``, or ``BACKENDS`` in ``finetune/backends.py``."""
    prose, _ = _prose_and_blocks(_doc())
    prose = " ".join(prose.split())  # pairs may straddle a line break
    pairs = re.findall(r"`([\w/]+\.py)` `(\w+)`", prose)
    pairs += [(path, name) for name, path in re.findall(r"`(\w+)` in `([\w/]+\.py)`", prose)]
    assert len(pairs) >= 10
    missing = []
    for path, name in pairs:
        files = [base / path for base in PATH_ROOTS if (base / path).is_file()]
        assert files, f"{path} does not exist"
        if not _defines(files[0], name):
            missing.append(f"{path} {name}")
    assert missing == []
