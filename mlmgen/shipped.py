"""Folders shipped with mlmgen (the Jinja2 templates, the example models and the demo data), found the same way
whether mlmgen is installed from a wheel or an sdist, installed editable, or run from a source checkout.

The folders live at the top of the repository (`templates/`, `examples/`) and are installed inside the package
as `mlmgen/_templates` and `mlmgen/_examples` (see setup.py). They are namespace packages (no `__init__.py`),
so `importlib.resources.files()` gives a `MultiplexedPath`, which is not a file-system path: never turn it into
one with `str()`. The lookup order is

1. the installed copy next to the package: `<dir of mlmgen>/_templates` (wheel, sdist, `pip install .`);
2. the locations the import system knows for `mlmgen._templates` (an editable install maps them to the
   repository's `templates/`);
3. the repository's top-level folder, only when the folder above the package is mlmgen's own source tree
   (it has a pyproject.toml naming the project `mlmgen`), so that an unrelated `site-packages/templates`
   is never used.

A folder counts only when it holds the file that marks it (`sas.j2`, `demo_data.csv`).
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from .diagnostics import Diagnostic, Location, MlmgenError, Severity

PACKAGE_DIR = Path(__file__).resolve().parent

# installed name (inside the package) -> (folder at the top of the repository, a file that must be in it)
SHIPPED = {"_templates": ("templates", "sas.j2"), "_examples": ("examples", "demo_data.csv")}


def is_source_tree(root: Path) -> bool:
    """True when `root` is mlmgen's own repository: its pyproject.toml declares the project `mlmgen`."""
    try:
        text = (root / "pyproject.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r'(?m)^\s*name\s*=\s*"mlmgen"\s*$', text) is not None


def candidates(installed: str) -> list[Path]:
    """Folders that may hold the shipped folder `installed` ("_templates" or "_examples"), in lookup order."""
    repo_folder, _marker = SHIPPED[installed]
    found = [PACKAGE_DIR / installed]
    try:
        spec = importlib.util.find_spec(f"{PACKAGE_DIR.name}.{installed}")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        found += [Path(p) for p in spec.submodule_search_locations]
    root = PACKAGE_DIR.parent
    if is_source_tree(root):
        found.append(root / repo_folder)
    return found


def shipped_dir(installed: str) -> Path:
    """The folder holding mlmgen's shipped `installed` files (see the module docstring for the order).

    Raises MlmgenError (IO001) naming every place looked at when none holds them: a broken installation."""
    _repo_folder, marker = SHIPPED[installed]
    looked = candidates(installed)
    for d in looked:
        if (d / marker).is_file():
            return d
    raise MlmgenError(Diagnostic(
        "IO001", f"no such file: mlmgen's {marker} (looked in {', '.join(str(p) for p in looked)}); "
        f"the installation is incomplete: reinstall mlmgen", Severity.ERROR, Location(file=marker)))


def templates_dir() -> Path:
    return shipped_dir("_templates")


def examples_dir() -> Path:
    return shipped_dir("_examples")
