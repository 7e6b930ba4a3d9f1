"""The layering rule, checked by walking every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import cc_orchestrator

PACKAGE = Path(cc_orchestrator.__file__).parent


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.startswith("cc_orchestrator")}


def layer_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def test_there_are_modules_to_check() -> None:
    layers = {layer_of(p) for p in modules()}
    assert {"domain", "services", "adapters", "db", "cli", "bootstrap", "ports"} <= layers


def test_dependency_rule() -> None:
    violations = []
    for path in modules():
        layer = layer_of(path)
        for name in imports_of(path):
            target = name.split(".")[1] if name.count(".") >= 1 else ""
            if layer == "domain" and target != "domain":
                violations.append(f"{path.name}: domain imports {name}")
            if target in {"adapters", "db"} and layer not in {"bootstrap", target}:
                violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
            if layer in {"services", "ports"} and target in {"cli", "web", "bootstrap"}:
                violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert violations == []


def test_only_adapters_run_subprocesses() -> None:
    offenders = []
    for path in modules():
        if layer_of(path) == "adapters":
            continue
        text = path.read_text()
        if "import subprocess" in text or "os.system(" in text or "Popen(" in text:
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []
