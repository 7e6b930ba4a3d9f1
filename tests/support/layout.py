"""The layering rules of src/, computed from each module's syntax tree (never from its text).

Every function takes a `Package` (a folder of .py files and the dotted name it is imported
as), so tests/test_layout.py runs the same rules on the real package and on small planted
packages under tmp_path, which is how each rule is shown to fail.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

# The calls that start another program. `os.exec*` replaces this process with one, which is
# running a program as much as `subprocess.run` is.
SUBPROCESS_MODULES = {"subprocess", "pty", "multiprocessing"}
OS_RUNNERS = re.compile(r"^(system|popen|exec\w*|spawn\w*|posix_spawn\w*|fork\w*)$")
ASYNCIO_RUNNERS = re.compile(r"^create_subprocess_\w+$")


@dataclass(frozen=True)
class Module:
    name: str  # dotted: cc_orchestrator.services.tasks
    path: Path
    is_package: bool  # an __init__.py

    @cached_property
    def tree(self) -> ast.Module:
        return ast.parse(self.path.read_text(), filename=str(self.path))

    @cached_property
    def lines(self) -> int:
        return len(self.path.read_text().splitlines())

    @property
    def layer(self) -> str:
        """The first part under the package: `services`, `domain`, `bootstrap`, `config`..."""
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else ""


@dataclass(frozen=True)
class Package:
    root: Path  # the folder holding __init__.py
    name: str  # how it is imported
    skip: tuple[str, ...] = ("migrations",)  # folders outside the rules (generated, Alembic)

    @cached_property
    def modules(self) -> dict[str, Module]:
        found: dict[str, Module] = {}
        for path in sorted(self.root.rglob("*.py")):
            rel = path.relative_to(self.root)
            if any(part in self.skip for part in rel.parts):
                continue
            parts = [self.name, *rel.with_suffix("").parts]
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            found[".".join(parts)] = Module(".".join(parts), path, is_package)
        return found

    def in_layer(self, layer: str) -> list[Module]:
        return [m for m in self.modules.values() if m.layer == layer]


def _type_checking_blocks(tree: ast.Module) -> set[int]:
    """ids of the import nodes under `if TYPE_CHECKING:` (they never run, so form no cycle)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    skipped |= {id(n) for n in ast.walk(child)}
    return skipped


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


@dataclass(frozen=True)
class Imported:
    name: str  # the dotted module imported (or the module a name is imported from)
    names: tuple[str, ...]  # for `from X import a, b`: a, b; empty for `import X`
    line: int
    type_checking: bool


def imports(module: Module) -> Iterator[Imported]:
    """Every import of the module, top level or inside a function."""
    skipped = _type_checking_blocks(module.tree)
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Imported(alias.name, (), node.lineno, id(node) in skipped)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names)
            yield Imported(_absolute(module, node), names, node.lineno, id(node) in skipped)


def targets(package: Package, module: Module, *, runtime_only: bool) -> set[str]:
    """The package's own modules this module imports: `from pkg.cli import main` is
    `pkg.cli.main` when that is a module, else `pkg.cli`."""
    found: set[str] = set()
    for imp in imports(module):
        if runtime_only and imp.type_checking:
            continue
        if imp.name != package.name and not imp.name.startswith(package.name + "."):
            continue
        submodules = [f"{imp.name}.{n}" for n in imp.names if f"{imp.name}.{n}" in package.modules]
        if submodules:
            found |= set(submodules)
        if len(submodules) < len(imp.names) or not imp.names:
            name = imp.name
            while name not in package.modules and "." in name:
                name = name.rsplit(".", 1)[0]
            found.add(name)
    found.discard(module.name)
    return found


def graph(package: Package) -> dict[str, set[str]]:
    """Module -> the package's modules it imports when it runs (TYPE_CHECKING-only excluded)."""
    return {
        name: targets(package, module, runtime_only=True)
        for name, module in package.modules.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in edges:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def foreign_imports_of_domain(package: Package) -> list[str]:
    """The domain may import the standard library and itself: no other module of ours, no
    third-party library (pydantic, yaml...)."""
    domain = f"{package.name}.domain"
    bad = []
    for module in package.in_layer("domain"):
        for imp in imports(module):
            if imp.name == domain or imp.name.startswith(domain + "."):
                continue
            top = imp.name.split(".")[0]
            if top == "__future__" or (top in sys.stdlib_module_names and top != package.name):
                continue
            bad.append(f"{module.name}:{imp.line} imports {imp.name}")
    return bad


def layer_violations(package: Package) -> list[str]:
    """Only bootstrap wires adapters and db (each may use itself); services and ports never
    reach up into the CLI, the web layer or bootstrap."""
    bad = []
    for module in package.modules.values():
        layer = module.layer
        for target in sorted(targets(package, module, runtime_only=False)):
            target_layer = target.split(".")[1] if "." in target else ""
            if target_layer in {"adapters", "db"} and layer not in {"bootstrap", target_layer}:
                bad.append(f"{module.name} imports {target}")
            if layer in {"services", "ports"} and target_layer in {"cli", "web", "bootstrap"}:
                bad.append(f"{module.name} imports {target}")
    return bad


def _runs_programs(module: Module) -> Iterable[str]:
    aliases: dict[str, str] = {}  # local name -> the module it stands for (os, asyncio)
    for imp in imports(module):
        top = imp.name.split(".")[0]
        if top in SUBPROCESS_MODULES:
            yield f"{module.name}:{imp.line} imports {imp.name}"
        if imp.name == "os" and imp.names:
            for n in imp.names:
                if OS_RUNNERS.match(n):
                    yield f"{module.name}:{imp.line} imports os.{n}"
        if imp.name == "asyncio" and imp.names:
            for n in imp.names:
                if ASYNCIO_RUNNERS.match(n):
                    yield f"{module.name}:{imp.line} imports asyncio.{n}"
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in {"os", "asyncio"}:
                    aliases[alias.asname or alias.name] = alias.name
    for node in ast.walk(module.tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            continue
        owner = aliases.get(node.value.id)
        if owner == "os" and OS_RUNNERS.match(node.attr):
            yield f"{module.name}:{node.lineno} uses os.{node.attr}"
        if owner == "asyncio" and ASYNCIO_RUNNERS.match(node.attr):
            yield f"{module.name}:{node.lineno} uses asyncio.{node.attr}"


def subprocess_outside_adapters(package: Package) -> list[str]:
    bad: list[str] = []
    for module in package.modules.values():
        if module.layer != "adapters":
            bad.extend(_runs_programs(module))
    return bad


def oversized(package: Package, limit: int) -> dict[str, int]:
    return {m.name: m.lines for m in package.modules.values() if m.lines > limit}


def vocabulary_in_services(package: Package, words: Iterable[str]) -> dict[str, list[str]]:
    """Service modules that mention an agent's own words, in code, strings or comments."""
    pattern = re.compile("|".join(re.escape(w) for w in words))
    found: dict[str, list[str]] = {}
    for module in package.in_layer("services"):
        hits = sorted(set(pattern.findall(module.path.read_text())))
        if hits:
            found[module.name] = hits
    return found
