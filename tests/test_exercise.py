"""Exercises (`mlmgen exercise`): every generated exercise is linted with the model file and data it ships
with, and the linter must report EXACTLY the injected findings (codes and lines). The generator predicts its
findings from the rules' documented conditions and the variables' roles, never by running the linter, so
generator and linter check each other."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlmgen.cli import cli
from mlmgen.diagnostics import MlmgenError
from mlmgen.modelfile import load_model
from mlmgen.teaching import MISTAKES, build_exercise, write_exercise

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
DATA = ROOT / "examples" / "demo_data.csv"
PACKAGES = ("sas", "lme4", "stata", "spss")
MODELS = {p.stem: load_model(p) for p in EXAMPLES}


def lint_shipped(ex, tmp: Path) -> list[tuple[str, int]]:
    """Write the exercise and lint it as a student would, from the exercise folder (CLI, JSON output), with the
    model file and (when the exercise ships one) the data."""
    write_exercise(ex, tmp, force=True)
    runner = CliRunner()
    cwd = os.getcwd()
    data = ["--data", Path(ex.data_file).name] if ex.data_file else []
    try:
        os.chdir(tmp)
        res = runner.invoke(cli, ["lint", ex.snippet_name, "--model", "model.toml", *data, "--format", "json"])
    finally:
        os.chdir(cwd)
    assert res.exit_code in (0, 1), res.output
    return sorted((d["code"], d["line"]) for d in json.loads(res.output))


def first_applicable(slug: str, package: str, seed: int = 0):
    """The first example model the mistake applies to (and the reasons the others refused)."""
    refused = {}
    for name, model in MODELS.items():
        try:
            return name, build_exercise(model, package, [slug], seed=seed, data=DATA)
        except MlmgenError as e:
            assert e.diagnostics[0].code == "EX001", e.diagnostics[0].format()
            refused[name] = e.diagnostics[0].message
    pytest.fail(f"{slug} applies to none of the lecture's models for {package}: {refused}")


# the lecture's mistakes on the lecture's models; those of several random terms and residual structures are
# tested on their own models (tests/test_exercise_general.py)
LECTURE = {k: m for k, m in MISTAKES.items() if m.topic == "lecture"}
CASES = [(m.slug, p) for m in LECTURE.values() for p in PACKAGES if p in m.packages]


@pytest.mark.parametrize("slug,package", CASES)
def test_every_mistake_every_package_lints_to_exactly_its_findings(slug, package, tmp_path):
    name, ex = first_applicable(slug, package)
    assert [i.mistake.slug for i in ex.injections] == [slug]
    assert {c for c, _ in ex.expected} >= {MISTAKES[slug].code}
    assert lint_shipped(ex, tmp_path) == ex.expected, (name, ex.snippet)


@pytest.mark.parametrize("slug", [m.slug for m in LECTURE.values() if m.kind != "text"])
def test_every_model_mistake_on_every_model_it_applies_to(slug, tmp_path):
    """Not just the first model: every lecture model the mistake applies to (SAS syntax)."""
    applied = 0
    for name, model in MODELS.items():
        try:
            ex = build_exercise(model, "sas", [slug], seed=1, data=DATA)
        except MlmgenError as e:
            assert e.diagnostics[0].code == "EX001"
            continue
        applied += 1
        assert lint_shipped(ex, tmp_path / name) == ex.expected, (name, ex.snippet)
    assert applied >= 1


def test_lecture_like_combination_in_stata(tmp_path):
    """Five mistakes at once in the lecture's 4a (its stray hw2 and e.hw2 are of this kind)."""
    ex = build_exercise(MODELS["4a_hybrid_fixed_main_effects"], "stata",
                        ["stray-predictor", "PT001", "PT002", "SY002", "RE001"], seed=3, data=DATA)
    codes = [c for c, _ in ex.expected]
    assert sorted(codes) == sorted(["MS001", "PT001", "PT002", "RN001", "SY002", "RE001"])
    assert lint_shipped(ex, tmp_path) == ex.expected


@settings(max_examples=int(os.environ.get("MLMGEN_HYPOTHESIS_EXAMPLES", "40")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(model=st.sampled_from(sorted(MODELS)),
       package_mistakes=st.sampled_from(PACKAGES).flatmap(lambda p: st.tuples(st.just(p), st.lists(
           st.sampled_from(sorted(s for s, m in LECTURE.items() if p in m.packages)), min_size=1, max_size=5,
           unique=True))),
       seed=st.integers(0, 10_000))
def test_random_combinations_lint_to_exactly_their_findings(model, package_mistakes, seed, tmp_path_factory):
    package, mistakes = package_mistakes
    try:
        ex = build_exercise(MODELS[model], package, mistakes, seed=seed, data=DATA)
    except MlmgenError as e:
        assert e.diagnostics[0].code == "EX001", e.diagnostics[0].format()
        return
    assert lint_shipped(ex, tmp_path_factory.mktemp("ex")) == ex.expected, (model, mistakes, seed, ex.snippet)


def test_many_random_combinations_apply():
    """The combinations are not all refused: with a fixed seed, at least 20 of 120 random (package-valid)
    combinations of one to five mistakes on the seven models are generated and lint exactly (and none lint
    otherwise)."""
    import random
    import tempfile
    rng = random.Random(2026)
    ok = 0
    for _ in range(120):
        package = rng.choice(PACKAGES)
        pool = sorted(s for s, m in LECTURE.items() if package in m.packages)
        mistakes = rng.sample(pool, rng.randint(1, min(5, len(pool))))
        model = rng.choice(sorted(MODELS))
        try:
            ex = build_exercise(MODELS[model], package, mistakes, seed=rng.randrange(10_000), data=DATA)
        except MlmgenError as e:
            assert e.diagnostics[0].code == "EX001"
            continue
        with tempfile.TemporaryDirectory() as d:
            assert lint_shipped(ex, Path(d)) == ex.expected, (model, package, mistakes, ex.snippet)
        ok += 1
    assert ok >= 20, ok            # 26 with this seed when written


@pytest.mark.parametrize("package", PACKAGES)
def test_without_data_roles_come_from_the_model_file(package, tmp_path):
    """No data shipped: the generator and the linter both know only the model file's definitions (the
    cluster mean CMverb10 is level 2, verb10 and WCverb level 1; mixgrd is unknown and left alone)."""
    m = MODELS["4a_hybrid_fixed_main_effects"]
    ex = build_exercise(m, package, ["MS004"] + (["PT001"] if package != "lme4" else []), seed=5)
    assert ex.data_file is None
    assert lint_shipped(ex, tmp_path / "a") == ex.expected
    ex = build_exercise(m, package, ["RE002"], seed=5)
    assert "CMverb10" in ex.injections[0].what          # the only level-2 predictor the model file makes known
    assert lint_shipped(ex, tmp_path / "b") == ex.expected


def test_seeded_and_deterministic():
    m = MODELS["5a_hybrid_intra_variable"]
    a = build_exercise(m, "spss", ["stray-predictor", "RE002", "PT001"], seed=11, data=DATA)
    b = build_exercise(m, "spss", ["stray-predictor", "RE002", "PT001"], seed=11, data=DATA)
    assert a.snippet == b.snippet and a.expected == b.expected
    snippets = {build_exercise(m, "spss", ["stray-predictor"], seed=s, data=DATA).snippet for s in range(8)}
    assert len(snippets) > 1          # the seed moves the stray predictor


def test_not_applicable_is_a_coded_refusal():
    with pytest.raises(MlmgenError) as e:
        build_exercise(MODELS["2b_cluster_mc_random_slope"], "lme4", ["PT001"], data=DATA)
    assert e.value.diagnostics[0].code == "EX001" and "bar notation" in e.value.diagnostics[0].message
    with pytest.raises(MlmgenError) as e:
        build_exercise(MODELS["2b_cluster_mc_random_slope"], "sas", ["SY002"], data=DATA)
    assert e.value.diagnostics[0].code == "EX001"
    with pytest.raises(MlmgenError) as e:     # 2b: the cluster mean is in no model with an L1-both main effect
        build_exercise(MODELS["2b_cluster_mc_random_slope"], "sas", ["MS003"], data=DATA)
    assert e.value.diagnostics[0].code == "EX001"
    with pytest.raises(MlmgenError) as e:
        build_exercise(MODELS["2b_cluster_mc_random_slope"], "sas", ["no-such-mistake"], data=DATA)
    assert e.value.diagnostics[0].code == "CL001"


def test_answer_key_says_what_where_why_and_fix(tmp_path):
    ex = build_exercise(MODELS["4d_hybrid_unsmushed_cross_level"], "sas", ["MS003", "PT001"], seed=0, data=DATA)
    write_exercise(ex, tmp_path)
    key = (tmp_path / "answers.md").read_text()
    for inj, fs in zip(ex.injections, ex.findings):
        assert f"exercise.sas:{fs[0].line}:{fs[0].col}" in key
        assert inj.what in key and inj.fix in key
    from mlmgen.lint import RULES
    assert RULES["MS003"].section("Why it matters").splitlines()[0] in key
    assert RULES["PT001"].section("Fix").splitlines()[0] in key
    assert "MS003" not in (tmp_path / "exercise.md").read_text()       # the task does not give the answer away
    assert {p.name for p in tmp_path.iterdir()} == {"exercise.sas", "model.toml", "exercise.md", "answers.md",
                                                    "demo_data.csv"}


def test_cli_writes_and_refuses_overwrite(tmp_path):
    runner = CliRunner()
    args = ["exercise", str(ROOT / "examples" / "4a_hybrid_fixed_main_effects.toml"), "--package", "r",
            "--mistakes", "stray-predictor,smushed-slope", "--seed", "2", "--data", str(DATA), "-o", str(tmp_path)]
    res = runner.invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "exercise.R").exists()
    res = runner.invoke(cli, args)
    assert res.exit_code == 2 and "WR002" in res.output
    res = runner.invoke(cli, args[:-4] + ["-o", str(tmp_path / "x")] if False else
                        ["exercise", str(ROOT / "examples" / "2b_cluster_mc_random_slope.toml"), "--package", "r",
                         "--mistakes", "PT002", "-o", str(tmp_path / "y")])
    assert res.exit_code == 2 and "EX001" in res.output and "Traceback" not in res.output
