"""Which package printed an output: every reference output (real listings) is recognised as its package."""
from pathlib import Path

import pytest

from mlmgen.outputs import read_output_pieces, guess_output_package, read_output

ROOT = Path(__file__).resolve().parent.parent / "reference_outputs"
EXPECT = {"lecture/sas_tables": "sas", "r": "lme4"}


def _files():
    out = []
    for sub, pkg in EXPECT.items():
        for p in sorted((ROOT / sub).iterdir()):
            if p.suffix in (".txt", ".out", ".csv", ".lst", ".log"):
                out.append((p, pkg))
    for p in sorted((ROOT / "published").iterdir()):
        if p.suffix in (".txt", ".lst", ".log"):
            pkg = ("stata" if "stata" in p.name else "spss" if "spss" in p.name else
                   "lme4" if ("lmertest" in p.name or "lme4" in p.name) else "sas")
            out.append((p, pkg))
    return out


@pytest.mark.parametrize("path,pkg", _files(), ids=lambda x: getattr(x, "name", x))
def test_sniffed_package(path, pkg):
    text = path.read_text(encoding="utf-8")
    assert guess_output_package(text) == pkg
    assert all(r.source == pkg for r in read_output_pieces(text, str(path)))


def test_unknown_text_is_a_coded_error():
    from mlmgen.diagnostics import MlmgenError
    with pytest.raises(MlmgenError) as e:
        read_output("just some words\n", "notes.txt")
    d = e.value.diagnostics[0]
    assert d.code == "OU001" and d.location.file == "notes.txt" and d.fix is not None
