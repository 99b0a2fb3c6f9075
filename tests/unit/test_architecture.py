"""The house rules, checked on the code itself: services stand side by side, domains load no framework,
modules stay small enough to read."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SERVICES = ("members", "referrals", "notifications")
FRAMEWORKS = ("fastapi", "starlette", "jwt", "asyncpg", "aiokafka", "faststream", "uvicorn", "httpx")
MAX_LINES = 300


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service: str) -> None:
    others = [s for s in SERVICES if s != service]
    offences = [f"{path.relative_to(ROOT)} imports {module}"
                for path in sorted((ROOT / "services" / service).rglob("*.py"))
                for module in sorted(imported_modules(path))
                if any(module == f"services.{o}" or module.startswith(f"services.{o}.") for o in others)]
    assert offences == []


def test_shared_imports_no_service() -> None:
    offences = [f"{path.relative_to(ROOT)} imports {module}"
                for path in sorted((ROOT / "shared").rglob("*.py"))
                for module in sorted(imported_modules(path)) if module.startswith("services")]
    assert offences == []


@pytest.mark.parametrize("service", SERVICES)
def test_domain_loads_no_framework(service: str) -> None:
    """Import every module of the service's domain in a fresh interpreter and look at what got loaded."""
    package = f"services.{service}.domain"
    names = [package] + [f"{package}.{m.name}"
                         for m in pkgutil.iter_modules([str(ROOT / "services" / service / "domain")])]
    script = ("import importlib, json, sys\n"
              f"for name in {names!r}: importlib.import_module(name)\n"
              "print(json.dumps(sorted(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = json.loads(result.stdout)
    assert len(names) > 1, f"{package} has no modules"
    assert [m for m in loaded if m.split(".")[0] in FRAMEWORKS] == []


def test_contracts_load_no_framework() -> None:
    script = ("import json, sys\nimport shared.contracts.members, shared.contracts.referrals, shared.contracts.access\n"
              "print(json.dumps(sorted(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert [m for m in json.loads(result.stdout) if m.split(".")[0] in FRAMEWORKS] == []


def test_no_module_over_300_lines() -> None:
    long = {str(path.relative_to(ROOT)): n
            for top in ("services", "shared", "infra")
            for path in sorted((ROOT / top).rglob("*.py"))
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}
