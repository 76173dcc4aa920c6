"""Messages a new-user trial found wrong: DA005 printed numpy reprs (`subject np.int64(0) ... position
np.int64(11)`) instead of the subject id and the visit as in the data; an invalid residual.type also gave a
spurious MF002 "missing required field 'cluster'" although [residual] names the subject."""
from __future__ import annotations

import pandas as pd
import pytest

import mlmgen
from mlmgen.diagnostics import MlmgenError
from mlmgen.modelfile import loads_model


def test_duplicate_visit_names_subject_and_visit_as_written():
    d = pd.DataFrame({"id": ["A7", "A7", "A7", "B2", "B2", "C1", "C1"],
                      "visit": ["V1", "V2", "V2", "V1", "V2", "V1", "V2"],
                      "y": [1.0, 2.0, 2.5, 1.2, 2.1, 0.9, 1.8]})
    m = loads_model('outcome = "y"\nfixed = []\n[residual]\ntype = "CS"\nrepeated = "visit"\nsubject = "id"\n')
    with pytest.raises(MlmgenError) as e:
        mlmgen.fit(m, d)
    (diag,) = e.value.diagnostics
    assert diag.code == "DA005"
    assert "subject A7 has two rows at visit = V2 (data rows 2 and 3)" in diag.message
    assert "np." not in diag.message


def test_invalid_residual_type_is_the_only_error():
    with pytest.raises(MlmgenError) as e:
        loads_model('outcome = "y"\nfixed = []\n[residual]\ntype = "ANTE(1)"\nrepeated = "v"\nsubject = "id"\n')
    assert [d.code for d in e.value.diagnostics] == ["MF008"]
    with pytest.raises(MlmgenError) as e:              # no subject anywhere: the cluster is missing indeed
        loads_model('outcome = "y"\nfixed = []\n[residual]\ntype = "ANTE(1)"\nrepeated = "v"\n')
    assert sorted(d.code for d in e.value.diagnostics) == ["MF002", "MF008"]


def test_same_counts_only_the_snippets_read(tmp_path):
    from click.testing import CliRunner
    from mlmgen.cli import cli
    good = "mixed y x || id:, reml\n"
    (tmp_path / "a.do").write_text(good)
    (tmp_path / "b.do").write_text(good)
    (tmp_path / "c.do").write_text(good)
    (tmp_path / "bad.do").write_text("regress y x\n")
    res = CliRunner().invoke(cli, ["same", *(str(tmp_path / f) for f in ("a.do", "b.do", "bad.do", "c.do")), "-q"])
    assert res.exit_code == 2
    assert "In the 3 read (not read: bad.do):" in res.output and "In all 4" not in res.output
    res = CliRunner().invoke(cli, ["same", *(str(tmp_path / f) for f in ("a.do", "b.do", "c.do")), "-q"])
    assert res.exit_code == 0 and "In all 3:" in res.output
