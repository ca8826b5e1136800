"""The layout holds in a test, and docs/architecture.md describes it: every module of
registry/ is named there, the import cycles it lists are the only ones (imports inside
functions count: a cycle postponed to run time is still a cycle), and the imports across
apps it lists are the only ones (registry/ imports neither api/ nor pages/)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("registry", "api", "pages", "config", "infra")
DOC = ROOT / "docs" / "architecture.md"


def _name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules():
    """{dotted name: path} of the apps' modules; migrations are leaves no module imports."""
    return {
        _name(path): path
        for app in APPS for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    }


def imports(name, path, known):
    """The known modules NAME imports anywhere in its file, functions included. `from X
    import y` is an import of X.y when that is a module, else of X."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            names = [f"{target}.{alias.name}" for alias in node.names]
            found.update(n for n in names if n in known)
            if not all(n in known for n in names):
                found.add(target)
    return {m for m in found if m in known and m != name}


def graph():
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def cycles(edges):
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(frozenset(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


def documented_block(title):
    """The lines of the ```text block after `<!-- architecture: TITLE -->` in the doc."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"<!-- architecture: {re.escape(title)} -->\s*```text\n(.*?)```", text, re.S)
    assert match, f"docs/architecture.md has no block '{title}'"
    return [line.strip() for line in match.group(1).splitlines() if line.strip()]


def test_the_finder_sees_an_import_inside_a_function_and_a_cycle_through_it(tmp_path):
    code = "def f():\n    from .b import thing\n"
    tree = {"pkg.a": tmp_path / "a.py", "pkg.b": tmp_path / "b.py"}
    tree["pkg.a"].write_text(code)
    tree["pkg.b"].write_text("from . import a\n")
    known = set(tree)
    edges = {name: imports(name, path, known) for name, path in tree.items()}
    assert edges == {"pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}}
    assert cycles(edges) == [frozenset(known)]


def test_no_import_cycle_but_the_documented_ones():
    allowed = [frozenset(line.split()) for line in documented_block("known cycles")]
    found = cycles(graph())
    new = [sorted(group) for group in found if not any(group <= known for known in allowed)]
    assert not new, (
        f"new import cycles (or a documented one grown): {new}. Break them; a function-level "
        "import does not count as breaking one."
    )
    gone = [sorted(known) for known in allowed if not any(group == known for group in found)]
    assert not gone, f"these documented cycles are gone or smaller: update docs/architecture.md: {gone}"


def test_imports_across_apps_go_down_only_and_pages_reach_api_only_where_documented():
    allowed = {tuple(line.split(" -> ")) for line in documented_block("allowed cross-app imports")}
    across = set()
    for name, targets in graph().items():
        for target in targets:
            source_app, target_app = name.split(".")[0], target.split(".")[0]
            if source_app == target_app or target_app == "registry":
                continue
            if source_app == "config":  # the top: settings, urls, middleware wire the apps
                continue
            across.add((name, target))
    assert across == allowed, (
        f"not documented: {sorted(across - allowed)}; documented but gone: {sorted(allowed - across)}"
    )


def test_the_architecture_page_names_every_module_of_registry():
    text = DOC.read_text(encoding="utf-8")
    entries = [
        p.name + ("/" if p.is_dir() else "")
        for p in sorted((ROOT / "registry").iterdir())
        if p.name not in ("__init__.py", "__pycache__") and (p.is_dir() or p.suffix == ".py")
    ]
    missing = [e for e in entries if f"`{e}`" not in text]
    assert not missing, f"docs/architecture.md does not place these modules: {missing}"
