"""A fifth package needs no edit of shared code: a toy dialect registered with one line in `DIALECTS` is rendered,
linted, compared and counted like the four (it borrows SAS's translations and template, with its own facts).

Run in a fresh interpreter so that the toy is in the registry before any shared module reads it."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent('''
    import json
    from mlmgen import dialects
    from mlmgen.dialects.sas import SAS

    class Toy(SAS):                      # SAS's syntax, its own facts
        name = "toy"
        title = "Toy MIXED"
        aliases = ("toy", "toymix")
        extensions = (".toy",)
        short_name = language = output_name = "Toy"
        case_sensitive = True
        default_method = "ml"
        default_ddf = "residual"
        max_name_length = 4

        def parse_syntax(self, text, file=None):
            ps = super().parse_syntax(text, file)
            ps.dialect = self.name
            return ps

    dialects.DIALECTS["toy"] = Toy()     # the one registry line

    from mlmgen.engine.criteria import conventions, information_criteria
    from mlmgen.lint import lint
    from mlmgen.modelfile import load_model
    from mlmgen.names import check_identifier, portable_everywhere
    from mlmgen.render import render_all
    from mlmgen.samemodel import compare_parsed
    from mlmgen.translate import parse_text

    model = load_model("examples/2b_cluster_mc_random_slope.toml")
    texts = render_all(model)
    sas_text = texts["sas"]
    ps = parse_text(sas_text, "toymix", "m.toy")
    findings = lint([ps])
    crit = information_criteria(100.0, reml=True, n_obs=50, n_clusters=5, n_fixed=2, n_cov=2)
    cmp = compare_parsed([("a.sas", parse_text(sas_text, "sas")), ("b.toy", ps)])
    print(json.dumps({
        "rendered": sorted(texts), "same_text": texts["toy"] == sas_text,
        "dialect": ps.dialect, "codes": sorted({d.code for d in findings}),
        "messages": [d.message for d in findings],
        "criteria": sorted(crit), "rules": sorted(conventions(reml=True)),
        "long_name": [d.message for d in check_identifier("abcdef", "toy")],
        "portable": portable_everywhere("abcdef"),
        "same": cmp.same, "same_text_out": cmp.format(),
        "extension": dialects.dialect_for_extension("x.toy"),
    }))
''')


def test_a_fifth_package_needs_only_its_registry_line():
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["rendered"] == ["lme4", "sas", "spss", "stata", "toy"]
    assert out["same_text"] and out["dialect"] == "toy" and out["extension"] == "toy"
    assert "toy" in out["criteria"] and "toy" in out["rules"]
    assert out["long_name"] and "Toy MIXED names have at most 4 characters" in out["long_name"][0]
    assert out["portable"] is False                   # the toy's 4-character limit counts everywhere
    # the rendering writes every setting, so the toy's own defaults (ML, residual df) raise no PT002/PT003,
    # but the names longer than 4 characters are PT005 errors in the toy's own package
    assert "PT005" in out["codes"], out["messages"]
    assert any("Toy MIXED" in m for m in out["messages"])
    assert out["same"] is True and "b.toy (Toy)" in out["same_text_out"]
