"""Issue 17 item 7, kept true: tests mirror the code and say what they need.

- No test function takes a fixture argument it never uses (a fixture needed only for its effect,
  such as a database with transactions or a running worker, is declared with
  `@pytest.mark.usefixtures`).
- No test module imports from another test module: shared builders live in tests/factories.py,
  shared fixtures in a conftest or a registered plugin (tests/production/fixtures.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _test_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("test_*.py"))


def _parametrized(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names: set[str] = set()
    for deco in node.decorator_list:
        if isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "parametrize" and deco.args:
            first = deco.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names |= {part.strip() for part in first.value.split(",")}
            elif isinstance(first, ast.Tuple | ast.List):
                names |= {e.value for e in first.elts if isinstance(e, ast.Constant)}
    return names


def unused_fixture_arguments(source: str) -> list[tuple[str, str]]:
    """(test name, argument) for each argument of a test function that its body never names."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or not node.name.startswith("test_"):
            continue
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | _parametrized(node)
        for arg in node.args.args + node.args.kwonlyargs:
            if arg.arg not in used and arg.arg not in ("self", "cls"):
                found.append((node.name, arg.arg))
    return found


def test_the_checker_finds_an_unused_fixture_and_accepts_a_used_one():
    source = (
        "import pytest\n"
        "def test_a(db, client):\n    assert client\n"
        "@pytest.mark.parametrize('n', [1])\ndef test_b(n):\n    pass\n"
    )
    assert unused_fixture_arguments(source) == [("test_a", "db")]


def test_no_test_takes_a_fixture_it_does_not_use():
    offenders = [
        f"{path.relative_to(TESTS)}::{name} takes {arg}"
        for path in _test_files()
        for name, arg in unused_fixture_arguments(path.read_text())
    ]
    assert offenders == [], "use @pytest.mark.usefixtures for a fixture needed only for its effect:\n" + "\n".join(
        offenders
    )


def test_no_test_module_imports_another_test_module():
    offenders = []
    for path in _test_files():
        for node in ast.walk(ast.parse(path.read_text())):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [module or ""]
            for name in names:
                if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith(("test_", "conftest")):
                    offenders.append(f"{path.relative_to(TESTS)} imports {name}")
    assert offenders == [], "\n".join(offenders)
