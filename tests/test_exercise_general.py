"""Exercises with the mistakes of several random terms and residual structures (teaching/mistakes_structure.py):
the id-reuse trap, a slope at the wrong level, REPEATED without the repeated effect, AR(1) on unequally spaced
times. Each exercise is written out and checked as a student would: `mlmgen lint` (with the model file and
the data it ships with) must report exactly the predicted findings, and `mlmgen same exercise.<ext> model.toml`
must report the difference the answer key cites."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import teaching_models as tm
from mlmgen.cli import cli
from mlmgen.diagnostics import MlmgenError
from mlmgen.modelfile import load_model
from mlmgen.teaching import MISTAKES, build_exercise, write_exercise
from test_exercise import lint_shipped as _lint_readable


def lint_shipped(ex, tmp: Path) -> list[tuple[str, int]]:
    """As tests/test_exercise.py lints an exercise; a snippet that cannot be read at all (REPEATED without its
    effect leaves SAS's program without a random or repeated part) makes lint exit 2 with the same findings."""
    if ex.same is not None:
        return _lint_readable(ex, tmp)
    import json
    write_exercise(ex, tmp, force=True)
    cwd = os.getcwd()
    data = ["--data", Path(ex.data_file).name] if ex.data_file else []
    try:
        os.chdir(tmp)
        res = CliRunner().invoke(cli, ["lint", ex.snippet_name, "--model", "model.toml", *data, "--format", "json"])
    finally:
        os.chdir(cwd)
    assert res.exit_code == 2, res.output
    return sorted((d["code"], d["line"]) for d in json.loads(res.output))

CASES = [("id-reuse-trap", "three_centred", "lme4"), ("id-reuse-trap", "pastes", "lme4"),
         ("slope-at-wrong-level", "three_centred", "lme4"), ("repeated-without-effect", "mmrm", "sas"),
         ("ar1-unequal-spacing", "mmrm_sp", "sas")]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exercise_models")
    return {name: tm.write(name, folder) for name in tm.EXERCISE_MODELS}


def same_in(folder: Path, snippet: str) -> tuple[int, str]:
    cwd = os.getcwd()
    try:
        os.chdir(folder)
        r = CliRunner().invoke(cli, ["same", snippet, "model.toml"])
    finally:
        os.chdir(cwd)
    return r.exit_code, r.output


def test_the_catalogue_has_the_structure_mistakes():
    structure = {s for s, m in MISTAKES.items() if m.topic == "structure"}
    assert structure == {"id-reuse-trap", "slope-at-wrong-level", "repeated-without-effect", "ar1-unequal-spacing"}


@pytest.mark.parametrize("slug,name,package", CASES)
def test_lint_and_same_check_the_answer_key(slug, name, package, files, tmp_path):
    model, data = files[name]
    ex = build_exercise(load_model(str(model)), package, [slug], seed=0, data=str(data))
    assert lint_shipped(ex, tmp_path) == ex.expected, ex.snippet
    key = (tmp_path / "answers.md").read_text()
    assert ex.injections[0].what in key and ex.injections[0].fix in key
    code, out = same_in(tmp_path, ex.snippet_name)
    if ex.same is None:                       # the snippet cannot be read: `same` refuses it (exit 2)
        assert code == 2 and "cannot be read as a model" in key
    else:
        assert code == 1 and ex.same, out
        for d in ex.same:
            assert d in out and d in key
    m = MISTAKES[slug]
    if m.explain:
        assert m.explain[0].split(":")[0] in key


def test_id_reuse_trap_predicts_st001_at_the_crossed_term(files, tmp_path):
    model, data = files["three_centred"]
    ex = build_exercise(load_model(str(model)), "lme4", ["ST001"], data=str(data))
    assert ex.expected == [("ST001", 4)] and "(1|cls)" in ex.snippet.replace(" ", "")
    assert 'group = "school/cls"' in (write_exercise(ex, tmp_path) and (tmp_path / "model.toml").read_text())
    # without data: the info note, still at the crossed term
    ex = build_exercise(load_model(str(model)), "lme4", ["id-reuse-trap"])
    assert ex.expected == [("ST001", 4)] and "give the data" in ex.injections[0].what
    assert lint_shipped(ex, tmp_path / "nodata") == ex.expected


def test_id_reuse_trap_needs_ids_that_restart(tmp_path):
    d = tm.three()
    d["cls"] = d["school"] * 10 + d["cls"]            # unique class ids: written as crossed it is the same model
    csv = tmp_path / "unique.csv"
    d.to_csv(csv, index=False)
    model = tmp_path / "m.toml"
    model.write_text(tm.EXERCISE_MODELS["three_centred"][0])
    with pytest.raises(MlmgenError) as e:
        build_exercise(load_model(str(model)), "lme4", ["id-reuse-trap"], data=str(csv))
    assert e.value.diagnostics[0].code == "EX001" and "restart" in e.value.diagnostics[0].message


def test_slope_at_the_wrong_level_picks_a_predictor_of_that_level(files):
    model, data = files["three_centred"]
    ex = build_exercise(load_model(str(model)), "lme4", ["slope-at-wrong-level"], data=str(data))
    assert "zw" in ex.injections[0].what and "school term" in ex.injections[0].fix
    assert ex.expected == []
    with pytest.raises(MlmgenError) as e:            # no data: which predictor is constant where is unknown
        build_exercise(load_model(str(model)), "lme4", ["slope-at-wrong-level"])
    assert e.value.diagnostics[0].code == "EX001" and "--data" in e.value.diagnostics[0].message


def test_ar1_needs_unequal_spacing(files, tmp_path):
    model, data = files["mmrm_sp"]
    import pandas as pd
    d = pd.read_csv(data)
    d["week"] = d["visit"].map({"W1": 1, "W2": 2, "W4": 3, "W8": 4})
    csv = tmp_path / "equal.csv"
    d.to_csv(csv, index=False)
    with pytest.raises(MlmgenError) as e:
        build_exercise(load_model(str(model)), "sas", ["ar1-unequal-spacing"], data=str(csv))
    assert e.value.diagnostics[0].code == "EX001" and "equally spaced" in e.value.diagnostics[0].message


@pytest.mark.parametrize("package", ["sas", "stata", "spss"])
def test_packages_whose_reader_does_not_read_the_model_refuse_or_check(package, files, tmp_path):
    """Several random terms: where mlmgen's reader of the package does not read the rendering back yet, EX001
    says so; once it does, the exercise must lint to exactly its findings."""
    model, data = files["three_centred"]
    try:
        ex = build_exercise(load_model(str(model)), package, ["id-reuse-trap"], data=str(data))
    except MlmgenError as e:
        d = e.diagnostics[0]
        assert d.code == "EX001" and ("reader" in d.message or "cannot express" in d.message), d.message
        return
    assert lint_shipped(ex, tmp_path) == ex.expected


def test_structure_mistakes_for_other_packages_are_refused(files):
    model, data = files["mmrm"]
    with pytest.raises(MlmgenError) as e:
        build_exercise(load_model(str(model)), "lme4", ["repeated-without-effect"], data=str(data))
    assert e.value.diagnostics[0].code == "EX001"
    for package in ("stata", "spss"):    # notes of the rendering itself (Stata), or not expressible (SPSS SP(POW))
        with pytest.raises(MlmgenError) as e:
            build_exercise(load_model(str(files["mmrm_sp"][0])), package, ["ar1-unequal-spacing"],
                           data=str(files["mmrm_sp"][1]))
        assert e.value.diagnostics[0].code == "EX001"


def test_cli_exercise_for_a_nested_model(files, tmp_path):
    model, data = files["three_centred"]
    r = CliRunner().invoke(cli, ["exercise", str(model), "--package", "r", "--mistakes", "id-reuse-trap",
                                 "--data", str(data), "-o", str(tmp_path / "lab")])
    assert r.exit_code == 0, r.output
    task = (tmp_path / "lab" / "exercise.md").read_text()
    assert "mlmgen same exercise.R model.toml" in task and "ST001" not in task


@pytest.mark.r
def test_id_reuse_snippet_fits_the_crossed_model_in_r(files, tmp_path):
    """The id-reuse exercise's R snippet, run in R: lme4 pools the class ids (3 'classes' instead of 45), and
    its REML criterion is mlmgen's fit of the snippet's (crossed) model, not of model.toml's nested one."""
    import mlmgen
    from mlmgen.translate import parse_text
    from rtools import run_r
    model, data = files["three_centred"]
    ex = build_exercise(load_model(str(model)), "lme4", ["id-reuse-trap"], data=str(data))
    prep = (f'mydata <- read.csv("{Path(data).as_posix()}")\n'
            "mydata$xw <- mydata$x - ave(mydata$x, mydata$school)\n"
            "mydata$zw <- mydata$z - ave(mydata$z, mydata$school)\n")
    out = run_r(prep + ex.snippet + '\ncat("NGRPS", names(ngrps(model)), ngrps(model), "\\n")\n'
                'cat("REMLCRIT", sprintf("%.6f", REMLcrit(model)), "\\n")\n', cwd=str(tmp_path))
    assert "NGRPS school cls 15 3" in out
    reml = float(next(ln.split()[1] for ln in out.splitlines() if ln.startswith("REMLCRIT")))
    snippet_model = parse_text(ex.snippet, "lme4", "exercise.R").model
    crossed = mlmgen.fit(snippet_model.with_(variables=ex.model.variables), str(data))
    nested = mlmgen.fit(ex.model, str(data))
    assert float(crossed.result.neg2ll.value) == pytest.approx(reml, abs=2e-3)       # lme4's default stop
    assert abs(float(nested.result.neg2ll.value) - reml) > 0.01


def test_the_equations_of_the_wrong_level_snippet_are_refused(files):
    """mlmgen's own equations check the slope-at-wrong-level answer: the snippet's model cannot be written level
    by level (EQ001, "the slope is at the wrong level"); the planned model can."""
    from mlmgen.equations import document
    from mlmgen.translate import parse_text
    model, data = files["three_centred"]
    ex = build_exercise(load_model(str(model)), "lme4", ["slope-at-wrong-level"], data=str(data))
    snippet_model = parse_text(ex.snippet, "lme4", "exercise.R").model.with_(variables=ex.model.variables)
    with pytest.raises(MlmgenError) as e:
        document(snippet_model, data=str(data))
    assert e.value.diagnostics[0].code == "EQ001" and "wrong level" in e.value.diagnostics[0].message
    assert "Level-3" in [s.title for s in document(ex.model, data=str(data)).sections]
