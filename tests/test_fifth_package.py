"""Adding a fifth package needs its subpackage, its template, its printer and one registry line, nothing else.

`test_a_fifth_package_touches_one_existing_file` builds a real fifth package in a copy of the source tree:

* new files: its subpackage `mlmgen/dialects/toy/` (`__init__.py` wiring the translations, which it borrows
  from SAS, and `facts.py` with its own facts), its template `templates/toy.j2`, its printer
  `mlmgen/report/toy.py`;
* one existing file edited: the registry `mlmgen/dialects/__init__.py` (an import and the entry in `DIALECTS`).

It counts what differs between the copy and the source tree (4 new files, 1 edited file, 2 lines of it: the
number README.md states) and then runs the copy in a fresh interpreter: the toy is rendered through its own
template, read back, linted with its own identifier rules, compared by `same`, counted by the information
criteria, printed by `mlmgen fit --style toy` and `--style all` and in the side-by-side table, and its intercept
spelling and data-file format are known to the shared readers. A shared module that needed an edit for the toy
would make the script fail (or the count grow).
"""
from __future__ import annotations

import difflib
import filecmp
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = "mlmgen/dialects/__init__.py"

TOY_INIT = '''\
"""Toy MIXED: SAS's syntax and output, with its own facts (a fifth package for tests/test_fifth_package.py)."""
from __future__ import annotations

from ..sas import SAS
from .facts import ToyFacts


class Toy(ToyFacts, SAS):
    def parse_syntax(self, text, file=None):
        ps = super().parse_syntax(text, file)
        ps.dialect = self.name
        return ps
'''

TOY_FACTS = '''\
"""Toy MIXED's facts."""
from __future__ import annotations

from ..sas.facts import SASFacts


class ToyFacts(SASFacts):
    name = "toy"
    title = "Toy MIXED"
    template = "toy.j2"
    aliases = ("toy", "toymix")
    extensions = (".toy",)
    short_name = language = output_name = "Toy"
    case_sensitive = True
    default_method = "ml"
    default_ddf = "residual"
    max_name_length = 4
    printed_intercept = "_const"
    data_files = {".tdta": ("toy", "Toy data", "read_dta", True)}


FACTS = ToyFacts()
'''

TOY_PRINTER = '''\
"""A fit printed as Toy MIXED prints it (SAS's listing)."""
from __future__ import annotations

from ..dialects.toy.facts import FACTS
from .common import Printer
from .sas import PRINTER as SAS_PRINTER

PRINTER = Printer(FACTS.name, "Toy", SAS_PRINTER.print_fit, SAS_PRINTER.side_by_side)
'''

TOY_TEMPLATE_HEAD = "/* rendered by the toy's own template */\n"

SCRIPT = textwrap.dedent('''
    import contextlib, io, json, sys
    import mlmgen
    from mlmgen import dialects, intercepts
    from mlmgen.cli import main
    from mlmgen.datafiles import package_file_formats
    from mlmgen.engine.criteria import conventions, information_criteria
    from mlmgen.lint import lint
    from mlmgen.modelfile import load_model
    from mlmgen.names import check_identifier, portable_everywhere
    from mlmgen.render import render_all
    from mlmgen.report import side_by_side
    from mlmgen.samemodel import compare_parsed
    from mlmgen.translate import parse_text

    examples = sys.argv[1]
    model = load_model(examples + "/2b_cluster_mc_random_slope.toml")
    texts = render_all(model)
    ps = parse_text(texts["toy"], "toymix", "m.toy")
    findings = lint([ps])
    crit = information_criteria(100.0, reml=True, n_obs=50, n_clusters=5, n_fixed=2, n_cov=2)
    cmp = compare_parsed([("a.sas", parse_text(texts["sas"], "sas")), ("b.toy", ps)])

    def cli(*args):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                main(list(args))
            except SystemExit as e:
                code = e.code
        return code, out.getvalue()

    fit_args = ["fit", examples + "/2b_cluster_mc_random_slope.toml", "--data", examples + "/demo_data.csv"]
    code_toy, printed_toy = cli(*fit_args, "--style", "toy")
    code_sas, printed_sas = cli(*fit_args, "--style", "sas")
    code_all, printed_all = cli(*fit_args, "--style", "all")
    f = mlmgen.fit(examples + "/2b_cluster_mc_random_slope.toml", examples + "/demo_data.csv")
    print(json.dumps({
        "package_file": mlmgen.__file__,
        "rendered": sorted(texts), "toy_text": texts["toy"], "sas_text": texts["sas"],
        "dialect": ps.dialect, "codes": sorted({d.code for d in findings}),
        "messages": [d.message for d in findings],
        "criteria": sorted(crit), "rules": sorted(conventions(reml=True)),
        "long_name": [d.message for d in check_identifier("abcdef", "toy")],
        "portable": portable_everywhere("abcdef"),
        "same": cmp.same, "same_text_out": cmp.format(),
        "extension": dialects.dialect_for_extension("x.toy"),
        "fit": [code_toy, code_sas, code_all], "printed_toy": printed_toy, "printed_sas": printed_sas,
        "printed_all": printed_all, "side_by_side": side_by_side(f.result, f.model).splitlines()[0],
        "intercept": intercepts.is_printed_intercept("_CONST"),
        "data_format": package_file_formats().get(".tdta"),
    }))
''')


def _copy_source(dst: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "mlmgen", dst / "mlmgen", ignore=ignore)
    shutil.copytree(ROOT / "templates", dst / "templates", ignore=ignore)
    # the installed layout (mlmgen/_templates, see shipped.py): so that the copy reads its own templates/, never
    # the source tree's through the editable install
    os.symlink(dst / "templates", dst / "mlmgen" / "_templates", target_is_directory=True)


def _add_fifth_package(dst: Path) -> None:
    (dst / "mlmgen/dialects/toy").mkdir()
    (dst / "mlmgen/dialects/toy/__init__.py").write_text(TOY_INIT)
    (dst / "mlmgen/dialects/toy/facts.py").write_text(TOY_FACTS)
    (dst / "mlmgen/report/toy.py").write_text(TOY_PRINTER)
    (dst / "templates/toy.j2").write_text(TOY_TEMPLATE_HEAD + (ROOT / "templates/sas.j2").read_text())
    registry = (dst / REGISTRY).read_text()
    assert registry.count("from .stata import Stata\n") == 1 and registry.count('"spss": SPSS()}') == 1
    registry = registry.replace("from .stata import Stata\n", "from .stata import Stata\nfrom .toy import Toy\n")
    registry = registry.replace('"spss": SPSS()}', '"spss": SPSS(), "toy": Toy()}')
    (dst / REGISTRY).write_text(registry)


def tree_difference(a: Path, b: Path, ignore=("__pycache__", "_templates")) -> tuple[list[str], list[str]]:
    """(files only in b, files in both that differ), as paths relative to b."""
    added, changed = [], []

    def walk(cmp: filecmp.dircmp, rel: str) -> None:
        for name in cmp.right_only:
            p = b / rel / name
            added.extend(str(q.relative_to(b)) for q in ([p] if p.is_file() else sorted(p.rglob("*")))
                         if q.is_file() and not any(part in ignore for part in q.parts))
        changed.extend(f"{rel}/{n}".lstrip("/") for n in cmp.diff_files)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{rel}/{name}".lstrip("/"))

    for top in ("mlmgen", "templates"):
        cmp = filecmp.dircmp(a / top, b / top, ignore=list(ignore))
        walk(cmp, top)
    return sorted(added), sorted(changed)


def test_a_fifth_package_touches_one_existing_file(tmp_path):
    original, copy = tmp_path / "original", tmp_path / "copy"
    _copy_source(original)
    _copy_source(copy)
    _add_fifth_package(copy)

    added, changed = tree_difference(original, copy)
    assert added == ["mlmgen/dialects/toy/__init__.py", "mlmgen/dialects/toy/facts.py", "mlmgen/report/toy.py",
                     "templates/toy.j2"]
    assert changed == [REGISTRY]
    diff = [ln for ln in difflib.unified_diff((original / REGISTRY).read_text().splitlines(),
                                              (copy / REGISTRY).read_text().splitlines(), lineterm="", n=0)
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert len([ln for ln in diff if ln.startswith("+")]) == 2, diff      # the import and the DIALECTS entry

    env = {**os.environ, "PYTHONPATH": str(copy)}
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT / "examples")], cwd=copy, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["package_file"].startswith(str(copy))                 # the copy ran, not the source tree
    assert out["rendered"] == ["lme4", "sas", "spss", "stata", "toy"]
    assert out["toy_text"] == TOY_TEMPLATE_HEAD + out["sas_text"]    # through templates/toy.j2
    assert out["dialect"] == "toy" and out["extension"] == "toy"
    assert "toy" in out["criteria"] and "toy" in out["rules"]
    assert out["long_name"] and "Toy MIXED names have at most 4 characters" in out["long_name"][0]
    assert out["portable"] is False                   # the toy's 4-character limit counts everywhere
    # the rendering writes every setting, so the toy's own defaults (ML, residual df) raise no PT002/PT003,
    # but the names longer than 4 characters are PT005 errors in the toy's own package
    assert "PT005" in out["codes"], out["messages"]
    assert any("Toy MIXED" in m for m in out["messages"])
    assert out["same"] is True and "b.toy (Toy)" in out["same_text_out"]
    assert out["fit"] == [0, 0, 0]
    assert out["printed_toy"] == out["printed_sas"] and "===== toy =====" in out["printed_all"]
    assert out["side_by_side"].split()[-1] == "Toy"
    assert out["intercept"] is True and out["data_format"] == ["toy", "Toy data", "read_dta", True]


def test_every_package_has_its_printer():
    from mlmgen.dialects import DIALECTS
    from mlmgen.report import printer
    assert [printer(name).dialect for name in DIALECTS] == list(DIALECTS)
