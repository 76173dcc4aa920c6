"""The residual (REPEATED) structure reachable from the Model: model file, validation, fit, printers, rendering.

R comparisons are in tests/test_residual_model_r.py. The data here are a seeded simulated trial (3 visits,
two arms, visits missing at random) so the tests need no files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlmgen
from mlmgen.diagnostics import MlmgenError
from mlmgen.engine.repeated import STRUCTURES, fit_repeated
from mlmgen.model import Model, RandomPart, Term
from mlmgen.modelfile import dumps_model, loads_model
from mlmgen.render import render
from mlmgen.residual import RESIDUAL_STRUCTURES, Residual, canonical_residual_structure

MMRM = '''outcome = "y"
fixed = ["arm", "visit", "arm*visit"]
ddf = "Satterthwaite"
lsmeans = ["arm*visit"]
[categorical]
visit = { levels = ["W1", "W2", "W4"] }
arm = { levels = ["PBO", "TRT"] }
[residual]
type = "UN"
repeated = "visit"
subject = "id"
'''


def trial(seed: int = 7, n: int = 60) -> pd.DataFrame:
    """Seeded trial: visit labels whose text order (W1 < W2 < W4) is the time order, UN-correlated errors,
    15% of rows dropped."""
    rng = np.random.default_rng(seed)
    L = np.linalg.cholesky(np.array([[4.0, 2.0, 1.5], [2.0, 5.0, 3.0], [1.5, 3.0, 6.0]]))
    rows = []
    for i in range(n):
        arm = "TRT" if i % 2 else "PBO"
        e = L @ rng.standard_normal(3)
        for k, v in enumerate(["W1", "W2", "W4"]):
            rows.append({"id": f"S{i:03d}", "arm": arm, "visit": v,
                         "y": 10 + k + (1.5 * k if arm == "TRT" else 0) + e[k]})
    d = pd.DataFrame(rows)
    return d.drop(index=rng.choice(len(d), size=int(0.15 * len(d)), replace=False)).reset_index(drop=True)


def test_vocabulary_is_the_engines():
    assert RESIDUAL_STRUCTURES == STRUCTURES
    assert canonical_residual_structure("AR(1)") == "AR1"
    assert canonical_residual_structure("unstructured") == "UN"
    assert canonical_residual_structure("ID") == "VC"
    assert canonical_residual_structure("ZZ") is None


def test_model_file_round_trip():
    m = loads_model(MMRM)
    assert m.cluster == "id" and m.random.q == 0
    assert m.residual == Residual("UN", "visit", "id", None)
    assert loads_model(dumps_model(m)) == m
    grouped = loads_model(MMRM.replace('type = "UN"', 'type = "ARH(1)"') + 'group = "arm"\n')
    assert grouped.residual.structure == "ARH1" and grouped.residual.group == "arm"
    text = dumps_model(grouped)
    assert 'type = "ARH(1)"' in text and 'group = "arm"' in text
    assert loads_model(text) == grouped
    ri = loads_model(MMRM.replace('type = "UN"', 'type = "AR(1)"') + '[random]\neffects = ["Intercept"]\n')
    assert ri.random.intercept and loads_model(dumps_model(ri)) == ri


def test_two_level_model_unchanged():
    m = Model(outcome="y", cluster="g", fixed=(Term(("x",)),))
    assert m.residual.independent
    assert "[residual]" not in dumps_model(m)
    with pytest.raises(MlmgenError) as e:           # no random effects and no residual structure: refused
        m.with_(random=RandomPart(intercept=False))
    assert e.value.diagnostics[0].code == "MF002"


@pytest.mark.parametrize("edit, field", [
    (('type = "UN"', 'type = "BANDED"'), "residual.type"),
    (('repeated = "visit"\n', ''), "residual.repeated"),
    (('subject = "id"', 'subject = "id"\nwindow = 3'), "residual.window"),
    (('repeated = "visit"', 'repeated = "y"'), "residual.repeated"),
    (('type = "UN"', 'type = "SP(POW)"'), "residual.repeated"),       # SP(POW) on a categorical visit
])
def test_refusals_name_the_field(edit, field):
    with pytest.raises(MlmgenError) as e:
        loads_model(MMRM.replace(*edit))
    d = e.value.diagnostics[0]
    assert d.code == "MF008" and d.location.field == field


def test_subject_must_be_the_cluster_and_no_random_slopes():
    with pytest.raises(MlmgenError) as e:
        loads_model('cluster = "site"\n' + MMRM)
    assert [d.location.field for d in e.value.diagnostics] == ["residual.subject"]
    with pytest.raises(MlmgenError) as e:
        loads_model(MMRM + '[random]\neffects = ["Intercept", "x"]\n')
    assert e.value.diagnostics[0].code == "MF008"


def test_fit_places_visits_by_value_not_row_order():
    """Shuffled rows, and the visits declared in an order that is not the data's first appearance: the fit is
    the engine's with positions = index of the visit in the declared levels."""
    d = trial()
    f = mlmgen.fit(loads_model(MMRM), d)
    shuffled = mlmgen.fit(loads_model(MMRM), d.sample(frac=1.0, random_state=3))
    assert f.result.neg2ll.value == pytest.approx(shuffled.result.neg2ll.value, abs=1e-8)
    pos = d["visit"].map({"W1": 0, "W2": 1, "W4": 2}).to_numpy()
    X = f.design.X
    ref = fit_repeated(d["y"].to_numpy(float), X, d["id"].to_numpy(), pos, "UN", x_names=f.design.x_names,
                       n_positions=3)
    assert f.result.neg2ll.value == pytest.approx(ref.neg2ll, abs=1e-8)
    assert [c.name for c in f.result.covariance] == ["UN(1,1)", "UN(2,1)", "UN(2,2)", "UN(3,1)", "UN(3,2)",
                                                      "UN(3,3)"]
    np.testing.assert_allclose([c.estimate.value for c in f.result.covariance], ref.theta, rtol=1e-6)
    # reversing the declared level order reverses R: UN(1,1) is then W4's variance
    rev = mlmgen.fit(loads_model(MMRM.replace('["W1", "W2", "W4"]', '["W4", "W2", "W1"]')), d)
    assert rev.result.neg2ll.value == pytest.approx(f.result.neg2ll.value, abs=1e-6)
    assert rev.result.covariance[0].estimate.value == pytest.approx(f.result.covariance[5].estimate.value, rel=1e-5)


def test_fit_tables_and_ddf_variants():
    d = trial()
    f = mlmgen.fit(loads_model(MMRM), d)
    r = f.result
    assert [t.term for t in r.type3] == ["arm", "visit", "arm:visit"]
    assert len(r.lsmeans) == 6 and len(r.lsmean_diffs) == 15
    assert all(fe.df.value < r.n_obs for fe in r.fixed)
    kr = mlmgen.fit(loads_model(MMRM), d, ddf="kenward-roger").result
    assert kr.ddf == "kenward-roger" and kr.extra["df_method"] == "kr_sas"
    # UN is linear in SAS's parameters: KR's SE >= the model-based SE
    assert all(k.se.value >= s.se.value - 1e-12 for k, s in zip(kr.fixed, r.fixed))
    with pytest.raises(MlmgenError) as e:
        mlmgen.fit(loads_model(MMRM), d, ddf="containment")
    assert e.value.diagnostics[0].code == "MF008"


def test_printers():
    f = mlmgen.fit(loads_model(MMRM), trial())
    sas = f.summary("sas")
    assert "Covariance Structure         Unstructured" in sas
    assert "UN(3,2)" in sas and "Estimated R Matrix for Subject" in sas
    assert '"residual_structure": "UN"' in f.summary("json")
    assert str(f).startswith(sas[:40])
    assert "Generalized least squares fit by REML" in f.summary("lme4")   # report/nlme_summary.py
    with pytest.raises(MlmgenError) as e:           # gls prints unadjusted SEs: no Kenward-Roger
        mlmgen.fit(loads_model(MMRM), trial(), ddf="kenward-roger").summary("lme4")
    assert e.value.diagnostics[0].code == "RN001"
    assert "Residual: Unstructured" in f.summary("stata")       # report/stata_residual.py
    assert "Repeated Measures  UN (1,1)" in f.summary("spss")   # report/spss_repeated.py
    with pytest.raises(MlmgenError):
        f.blups()


def test_grouped_and_random_intercept_fit():
    d = trial()
    g = mlmgen.fit(loads_model(MMRM.replace('type = "UN"', 'type = "AR(1)"') + 'group = "arm"\n'), d).result
    assert [c.name for c in g.covariance] == ["Variance", "AR(1)", "Variance", "AR(1)"]
    assert g.extra["covparm_groups"] == ["arm PBO", "arm PBO", "arm TRT", "arm TRT"]
    assert "Group" in mlmgen.fit(loads_model(MMRM.replace('type = "UN"', 'type = "AR(1)"') + 'group = "arm"\n'),
                                 d).summary("sas")
    ri = mlmgen.fit(loads_model(MMRM.replace('type = "UN"', 'type = "AR(1)"') + '[random]\neffects = ["Intercept"]\n'),
                    d).result
    assert [c.name for c in ri.covariance] == ["Intercept", "AR(1)", "Residual"]


def test_render_sas_and_r_and_refusals():
    m = loads_model(MMRM)
    sas = render(m, "sas")
    assert "REPEATED visit / SUBJECT=id TYPE=UN R RCORR;" in sas
    assert "RANDOM" not in sas and 'CLASS id visit(REF="W1") arm(REF="PBO");' in sas
    # SAS numbers R in formatted order with the REF= level last: the program says how that permutes UN(i,j)
    assert "(W2, W4, W1)" in sas
    last = render(loads_model(MMRM.replace('visit = { levels = ["W1", "W2", "W4"] }',
                                           'visit = { levels = ["W1", "W2", "W4"], reference = "W4" }')), "sas")
    assert "REF= level last" not in last
    r = render(m, "lme4")
    assert "gls(" in r and "corSymm(form = ~ visit_mlmpos | id)" in r and "varIdent(form = ~ 1 | visit)" in r
    assert 'mydata$visit_mlmpos = match(mydata$visit, c("W1", "W2", "W4"))' in r
    assert r.index("visit_mlmpos = match") < r.index("factor(")
    st = render(m, "stata")
    assert "|| id:, ///\n  noconstant residuals(unstructured, t(visit_mlmpos)) reml" in st
    assert 'replace visit_mlmpos = 3 if visit == `"W4"\'' in st and st.index("visit_mlmpos = .") < st.index("encode")
    with pytest.raises(MlmgenError) as e:                    # no heterogeneous AR(1) in Stata's residuals()
        render(loads_model(MMRM.replace('type = "UN"', 'type = "ARH(1)"')), "stata")
    assert e.value.diagnostics[0].code == "RN001"
    sp_ = render(m, "spss")
    assert "/REPEATED = visit_r | SUBJECT(id) COVTYPE(UN)" in sp_ and "  /RANDOM =" not in sp_
    # SPSS orders visits by their recoded values: AR1 runs over the position in the model's level order instead
    ar1 = render(loads_model(MMRM.replace('type = "UN"', 'type = "AR(1)"')), "spss")
    assert "/REPEATED = visit_mlmpos | SUBJECT(id) COVTYPE(AR1)" in ar1
    grouped = loads_model(MMRM + 'group = "arm"\n')
    assert "GROUP=arm" in render(grouped, "sas")
    with pytest.raises(MlmgenError) as e:
        render(grouped, "lme4")
    assert e.value.diagnostics[0].code == "RN001" and e.value.diagnostics[0].location.field == "residual.group"
    sp = loads_model(MMRM.replace('type = "UN"', 'type = "SP(POW)"').replace('repeated = "visit"',
                                                                            'repeated = "week"'))
    assert "REPEATED / SUBJECT=id TYPE=SP(POW)(week) R RCORR;" in render(sp, "sas")
    assert "corCAR1(form = ~ week | id)" in render(sp, "lme4")
    assert "residuals(exponential, t(week))" in render(sp, "stata")
    assert "residuals(ar 1, t(visit_mlmpos) by(arm))" in render(
        loads_model(MMRM.replace('type = "UN"', 'type = "AR(1)"') + 'group = "arm"\n'), "stata")


def test_sas_repeated_read_back():
    from mlmgen.dialects.sas.syntax import parse_syntax
    for text in (MMRM, MMRM.replace('type = "UN"', 'type = "ARH(1)"') + 'group = "arm"\n',
                 MMRM.replace('type = "UN"', 'type = "AR(1)"') + '[random]\neffects = ["Intercept"]\n'):
        m = loads_model(text)
        ps = parse_syntax(render(m, "sas"))
        assert ps.model is not None, [d.message for d in ps.diagnostics]
        assert ps.model.residual == m.residual
        assert ps.model.random.effects == m.random.effects and ps.model.cluster == m.cluster
    sp = parse_syntax("proc mixed; class id; model y = x; repeated / subject=id type=sp(pow)(week) r; run;")
    assert sp.model.residual == Residual("SP(POW)", "week", "id", None)


@pytest.mark.parametrize("statement, what", [
    ("repeated / subject=id type=un;", "without the repeated effect"),
    ("repeated visit / subject=id type=fa0(2);", "TYPE=fa0(2)"),
    ("repeated visit / type=un;", "without SUBJECT="),
    ("repeated visit / subject=id type=un local;", "LOCAL"),
])
def test_sas_repeated_refusals(statement, what):
    from mlmgen.dialects.sas.syntax import parse_syntax
    ps = parse_syntax(f"proc mixed; class id visit; model y = visit; {statement} run;")
    sy4 = [d for d in ps.diagnostics if d.code == "SY004"]
    assert sy4 and what.lower() in sy4[0].message.lower()


def test_same_reports_a_different_residual_structure():
    from mlmgen.samemodel import compare_models
    a = loads_model(MMRM)
    b = loads_model(MMRM.replace('type = "UN"', 'type = "AR(1)"'))
    cmp = compare_models(a, b, "sas", "sas")
    assert any(d.aspect == "residual" for d in cmp.differences)
    assert not any(d.aspect == "residual" for d in compare_models(a, a, "sas", "sas").differences)


def test_cli_fit(tmp_path):
    import json
    from click.testing import CliRunner
    from mlmgen.cli import cli
    model = tmp_path / "mmrm.toml"
    model.write_text(MMRM)
    data = tmp_path / "trial.csv"
    trial().to_csv(data, index=False)
    run = CliRunner().invoke
    res = run(cli, ["fit", str(model), "--data", str(data)])
    assert res.exit_code == 0 and "Covariance Parameter Estimates" in res.stdout and "UN(3,3)" in res.stdout
    res = run(cli, ["fit", str(model), "--data", str(data), "--style", "json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["residual_structure"] == "UN"
    res = run(cli, ["fit", str(model), "--data", str(data), "--style", "lme4", "--ddf", "Kenward-Roger"])
    assert res.exit_code == 2 and "RN001" in res.output and "Traceback" not in res.output
    res = run(cli, ["fit", str(model), "--data", str(data), "--style", "stata"])      # report/stata_residual.py
    assert res.exit_code == 0 and "Residual: Unstructured" in res.output
    res = run(cli, ["fit", str(model), "--data", str(data), "--ddf", "none"])
    assert res.exit_code == 2 and "MF008" in res.output
