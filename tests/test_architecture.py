"""The layout holds in a test, and docs/architecture.md describes it: every package and module
of registry/ and infra/ is named there; the import cycles it lists are the only ones (imports
inside functions count: a cycle postponed to run time is still a cycle); imports between apps
go down its layers only (config -> pages, api -> registry -> infra; pages and api never import
each other); the models import only what it lists below them; and no module is over 400 lines
but those it lists."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("registry", "api", "pages", "config", "infra")
MAX_LINES = 400
SIZED = APPS + ("tools", "scripts")  # the size rule also holds for the tools and scripts
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
    lines = [line.strip() for line in match.group(1).splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


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


def layer_of():
    """{app: its layer's index}, top first; apps on one line are one layer."""
    return {app: i for i, line in enumerate(documented_block("layers")) for app in line.split()}


def upward(edges, layers, allowed=()):
    """The imports between apps that do not go down: to an app on the same layer (pages <->
    api) or above (infra -> registry, registry -> api)."""
    found = set()
    for name, targets in edges.items():
        for target in targets:
            source_app, target_app = name.split(".")[0], target.split(".")[0]
            if source_app != target_app and layers[target_app] <= layers[source_app]:
                found.add((name, target))
    return found - set(allowed)


def test_the_layer_check_refuses_an_upward_and_a_sideways_import():
    layers = {"config": 0, "pages": 1, "api": 1, "registry": 2, "infra": 3}
    edges = {
        "config.urls": {"api.urls", "pages.urls"},  # down: fine
        "api.views": {"registry.models", "infra.paging"},  # down: fine
        "pages.browse": {"api.filters"},  # sideways
        "infra.caching": {"registry.stored.dataversion"},  # up
        "registry.services": {"pages.views"},  # up
    }
    assert upward(edges, layers) == {
        ("pages.browse", "api.filters"), ("infra.caching", "registry.stored.dataversion"),
        ("registry.services", "pages.views"),
    }


def test_imports_between_apps_go_down_the_layers():
    layers = layer_of()
    assert set(APPS) <= set(layers), f"docs/architecture.md's layers do not place {set(APPS) - set(layers)}"
    allowed = {tuple(line.split(" -> ")) for line in documented_block("allowed upward imports")}
    found = upward(graph(), layers)
    assert found == allowed, (
        f"imports up or sideways between apps, not documented: {sorted(found - allowed)}; documented "
        f"but gone: {sorted(allowed - found)}. pages and api share through the domain; infra knows no domain."
    )


def test_the_models_import_only_what_is_below_them():
    """The models' modules import each other, the few modules below them (the codebook, the
    visibility rule, the stored columns' names, search tokens, name keys) and infra, nothing
    else; the modules below import only each other and infra. What reads the models
    (evidence, search, the series...) is above them, so no query the models run can loop back."""
    below = set(documented_block("below the models"))
    edges = graph()
    assert below <= set(edges), f"not modules: {below - set(edges)}"

    def allowed(target, with_models):
        return target in below or target.startswith("infra.") or (with_models and target.split(".")[:2] == ["registry", "models"])

    up = sorted(
        (name, target) for name, targets in edges.items() for target in targets
        if (name.split(".")[:2] == ["registry", "models"] and not allowed(target, True))
        or (name in below and not allowed(target, False))
    )
    assert not up, f"the models or the modules below them import from above: {up}"


def line_counts():
    return {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for folder in SIZED for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    }


def test_no_module_over_400_lines_but_the_documented_ones():
    allowed = set(documented_block("modules over 400 lines"))
    counts = line_counts()
    over = {path for path, n in counts.items() if n > MAX_LINES}
    assert over <= allowed, f"modules over {MAX_LINES} lines: {sorted((p, counts[p]) for p in over - allowed)}; split them"
    assert allowed <= over, f"no longer over {MAX_LINES} lines (or gone): delete from docs/architecture.md: {sorted(allowed - over)}"


def test_the_architecture_page_names_every_package_and_module():
    """Each package of registry/ and infra/ has a line of the page that names it (`registry/series/`)
    and every module in it (`params.py`); Django's commands and migrations are named as folders."""
    text = DOC.read_text(encoding="utf-8")
    lines = text.splitlines()
    missing = []
    for top in ("registry", "infra"):
        for init in sorted((ROOT / top).rglob("__init__.py")):
            folder = init.parent
            parts = folder.relative_to(ROOT).parts
            if "migrations" in parts or "commands" in parts:
                continue
            label = f"`{folder.relative_to(ROOT).as_posix()}/`"
            where = [line for line in lines if label in line]
            if not where:
                missing.append(label)
                continue
            if folder.name == "management":
                continue
            for module in sorted(folder.glob("*.py")):
                if module.name != "__init__.py" and not any(f"`{module.name}`" in line for line in where):
                    missing.append(f"{label} {module.name}")
    assert not missing, f"docs/architecture.md does not place these packages and modules: {missing}"
