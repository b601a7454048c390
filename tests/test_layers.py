"""The direction of the layers (DESIGN.md): methods know no notebook, no language, no figure.

* method packages (data, summary, segmentation, clv, valuechain, retention, indicators)
  import neither ``cvm_lib.studies`` nor ``cvm_lib.plots`` nor ``cvm_lib.labels``, and
  no public function or method of theirs takes a ``lang`` parameter;
* ``cvm_lib.plots`` does not import ``cvm_lib.studies`` (study figures live with their study).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import cvm_lib

ROOT = Path(cvm_lib.__file__).parent
METHODS = ("data", "_readers", "summary", "segmentation", "clv", "valuechain", "retention", "indicators", "engines")
FORBIDDEN = ("cvm_lib.studies", "cvm_lib.plots", "cvm_lib.labels")


def _files(name: str) -> list[Path]:
    path = ROOT / name
    return sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _bad(imports: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(i for i in imports if any(i == f or i.startswith(f + ".") for f in forbidden))


@pytest.mark.parametrize("package", METHODS)
def test_methods_do_not_import_studies_plots_or_labels(package):
    offenders = {str(p.relative_to(ROOT)): _bad(_imports(p), FORBIDDEN) for p in _files(package)}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"method package {package} imports the layers above it: {offenders}"


def test_plots_do_not_import_studies():
    offenders = {str(p.relative_to(ROOT)): _bad(_imports(p), ("cvm_lib.studies",)) for p in _files("plots")}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"cvm_lib.plots imports the studies: {offenders}"


def _public_callables(package: str):
    module = importlib.import_module(f"cvm_lib.{package}")
    modules = [module]
    if hasattr(module, "__path__"):
        for info in pkgutil.walk_packages(module.__path__, prefix=f"cvm_lib.{package}."):
            modules.append(importlib.import_module(info.name))
    for mod in modules:
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj):
                yield f"{mod.__name__}.{name}", obj
            elif inspect.isclass(obj):
                for meth_name, meth in vars(obj).items():
                    if inspect.isfunction(meth) and (not meth_name.startswith("_") or meth_name == "__init__"):
                        yield f"{mod.__name__}.{name}.{meth_name}", meth


@pytest.mark.parametrize("package", METHODS)
def test_methods_take_no_language(package):
    with_lang = [name for name, fn in _public_callables(package) if "lang" in inspect.signature(fn).parameters]
    assert not with_lang, f"{len(with_lang)} callables of cvm_lib.{package} take lang: {with_lang[:10]}"


def test_the_test_sees_a_violation(tmp_path):
    bad = tmp_path / "m.py"
    bad.write_text("from cvm_lib.plots import plot_heatmap\nimport cvm_lib.studies._base\n")
    assert _bad(_imports(bad), FORBIDDEN) == ["cvm_lib.plots", "cvm_lib.plots.plot_heatmap", "cvm_lib.studies._base"]
