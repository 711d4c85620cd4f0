"""The shape of the code: imports point one way, bot → handlers → models, and models know no Slack."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("models", ("slack_bolt", "slack_sdk", "handlers", "bot")),
        ("handlers", ("bot",)),
    ],
)
def test_imports_point_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    """`models` imports neither Slack nor the layers above it; `handlers` does not import `bot`."""
    offenders = {
        path: sorted(name for name in names if name.split(".")[0] in forbidden)
        for path, names in imported_modules(package).items()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def _is_data_access_module(path: str) -> bool:
    """Where queries may be written: repositories (one per capability) and the persistence layer."""
    return path.startswith("models/db/") or path.endswith("/repository.py")


def data_access_outside_repositories() -> dict[str, list[str]]:
    """Each module of `models/` and `handlers/` that imports SQLAlchemy or reaches a session, outside
    `models/db/` and the capabilities' `repository.py`, with what it does (line numbers)."""
    found: dict[str, list[str]] = {}
    for package in ("models", "handlers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if _is_data_access_module(relative):
                continue
            uses: list[str] = []
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sqlalchemy":
                    uses.append(f"{node.lineno}: imports {node.module}")
                elif isinstance(node, ast.Import) and any(a.name.split(".")[0] == "sqlalchemy" for a in node.names):
                    uses.append(f"{node.lineno}: imports sqlalchemy")
                elif isinstance(node, ast.Attribute) and node.attr == "session":
                    uses.append(f"{node.lineno}: .session")
            if uses:
                found[relative] = uses
    return found


def test_queries_live_only_in_repositories() -> None:
    """Data access only in `models/db/` and each capability's `repository.py`: a use case asks its
    repository, a handler asks a use case; no session and no SQL anywhere else."""
    assert data_access_outside_repositories() == {}


def test_the_core_is_pure() -> None:
    """`models/core/` imports neither SQLAlchemy, nor Slack, nor any other part of the app: plain values
    in, plain values out, testable without a database."""
    offenders = {
        path: sorted(
            name
            for name in names
            if name.split(".")[0] in {"sqlalchemy", "slack_bolt", "slack_sdk", "handlers", "bot"}
            or (name.startswith("models.") and not name.startswith("models.core"))
            or name == "models"
        )
        for path, names in imported_modules("models/core").items()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("bot", "handlers", "models"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def test_no_module_imports_itself_back_through_others() -> None:
    """No import cycle anywhere, function-level imports included: each capability and layer can be read,
    tested and changed from the bottom up."""
    import networkx as nx

    modules = _modules()
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            graph.add_edges_from((name, target) for target in targets if target in modules and target != name)
    cycles = [sorted(component) for component in nx.strongly_connected_components(graph) if len(component) > 1]
    assert cycles == []


def _functions(path: Path) -> list[ast.FunctionDef]:
    return [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.FunctionDef)]


def test_listeners_are_registered_as_they_are_without_pass_through_closures() -> None:
    """Each capability's `register(app)` names its listener functions directly: no closure that only
    passes dependencies along (listeners name `deps` among their arguments and Bolt hands it over)."""
    nested = {
        str(path.relative_to(ROOT)): [
            inner.name for inner in ast.walk(register) if inner is not register and isinstance(inner, ast.FunctionDef)
        ]
        for path in (ROOT / "handlers").rglob("*.py")
        for register in _functions(path)
        if register.name == "register"
    }
    assert {path: names for path, names in nested.items() if names} == {}


def test_only_the_quick_parts_acknowledge() -> None:
    """A function that takes `ack` is a quick part (`ack_…` or `check_…`): the work after the
    acknowledgement never calls an `ack()` that does nothing."""
    taking_ack = {
        f"{path.relative_to(ROOT)}:{function.name}"
        for path in (ROOT / "handlers").rglob("*.py")
        for function in _functions(path)
        if any(argument.arg == "ack" for argument in function.args.args)
        and not function.name.startswith(("ack_", "check_"))
    }
    assert taking_ack == set()


#: A function longer than this is split into named steps, or says why not on its `def` line
#: (a comment starting "# long:").
MAX_FUNCTION_LINES = 60
#: A module longer than this is split by what it holds (migrations aside).
MAX_MODULE_LINES = 600


def _sources() -> list[Path]:
    return [
        path
        for package in ("bot", "handlers", "models", "bench")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_no_function_is_longer_than_a_screen_without_saying_why() -> None:
    """Every function of the app and the benchmarks fits in MAX_FUNCTION_LINES lines, or gives its reason."""
    too_long = {}
    for path in _sources():
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES and "# long:" not in lines[node.lineno - 1]:
                    too_long[f"{path.relative_to(ROOT)}:{node.name}"] = length
    assert too_long == {}


def test_no_module_is_longer_than_what_it_holds_needs() -> None:
    """Every module of the app and the benchmarks (migrations aside) stays under MAX_MODULE_LINES lines."""
    too_long = {
        str(path.relative_to(ROOT)): count
        for path in _sources()
        if (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}


#: What a string of `models/` may not hold: Slack markup (mentions, special mentions, channel links,
#: links, emoji shortcodes), a command-line flag, a slash command. Handlers word what people read.
DISPLAY_WORDING = {
    "Slack markup": re.compile(r"<[@!#]|<http"),
    "an emoji shortcode": re.compile(r"(?<![\w}]):[a-z][a-z0-9_+-]*:(?![\w{])"),
    "a command-line flag": re.compile(r"(?<![\w-])--[a-z][a-z-]*"),
    "a slash command": re.compile(r"(?<![\w/.:])/(?:logcall|whoknows|prep)\b"),
}


def _regex_patterns(tree: ast.AST) -> set[int]:
    """The strings handed to `re` (patterns that read text, never shown): `re.compile(r"<@…")`."""
    return {
        id(argument)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "re"
        for argument in node.args[:1]
    }


def _shown_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of each string that could reach a person: not a docstring (a bare string statement,
    attribute docstrings included), not a regex pattern; an f-string's text with `{}` for each value."""
    skipped = _regex_patterns(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant | ast.JoinedStr):
            skipped.add(id(node.value))
    found: list[tuple[int, str]] = []
    parts_of_fstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts_of_fstrings.update(id(value) for value in node.values)
            if id(node) not in skipped:
                text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
                found.append((node.lineno, str(text)))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skipped
            and id(node) not in parts_of_fstrings
        ):
            found.append((node.lineno, node.value))
    return found


def display_wording_in_models() -> dict[str, list[str]]:
    """Each module of `models/` with a string that holds Slack markup, a flag or a slash command (lines)."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "models").rglob("*.py")):
        uses = [
            f"{line}: {what}"
            for line, text in _shown_strings(ast.parse(path.read_text()))
            for what, pattern in DISPLAY_WORDING.items()
            if pattern.search(text)
        ]
        if uses:
            found[str(path.relative_to(ROOT))] = uses
    return found


def test_the_domain_holds_no_slack_markup_flags_or_slash_commands() -> None:
    """`models/` returns values; handlers (and the console's renderer) put them into words: no string of
    the domain holds Slack markup (`<@…>`, `<!here>`, `:warning:`), a `--flag` or a `/command`."""
    assert display_wording_in_models() == {}
