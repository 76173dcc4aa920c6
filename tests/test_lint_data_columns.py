"""`lint --data`: an outcome, cluster or predictor that is not a column of the data is an error (DA002) with a
did-you-mean (issue 9 item 5: `Reacton`, `Dayz`), in every package; names the program creates itself, or the
model file derives, are not."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli

DATA = "Subject,Reaction,Days\n" + "\n".join(f"{s},{250 + 10 * d + s},{d}" for s in range(1, 5) for d in range(4))

TYPO = {
    "lme4": ("m.R", "m <- lmer(Reacton ~ 1 + Dayz + (1 + Dayz | Subject), data = sleep, REML = TRUE)\n"),
    "sas": ("m.sas", "PROC MIXED DATA=sleep METHOD=REML;\n  CLASS Subject;\n  MODEL Reacton = Dayz / SOLUTION "
                     "DDFM=SATTERTHWAITE;\n  RANDOM INTERCEPT Dayz / SUBJECT=Subject TYPE=UN;\nRUN;\n"),
    "stata": ("m.do", "mixed Reacton c.Dayz || Subject: Dayz, covariance(unstructured) reml "
                      "dfmethod(satterthwaite)\n"),
    "spss": ("m.sps", "MIXED Reacton WITH Dayz\n  /METHOD = REML\n  /FIXED = Dayz\n"
                      "  /RANDOM = INTERCEPT Dayz | SUBJECT(Subject) COVTYPE(UN).\n"),
}


def lint_json(*args):
    res = CliRunner().invoke(cli, ["lint", *map(str, args), "--format", "json"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    return res.exit_code, json.loads(res.stdout)


@pytest.mark.parametrize("package", sorted(TYPO))
def test_misspelled_outcome_and_predictor_are_errors_with_did_you_mean(tmp_path, package):
    name, text = TYPO[package]
    (tmp_path / name).write_text(text)
    (tmp_path / "sleep.csv").write_text(DATA)
    code, out = lint_json(tmp_path / name, "--data", tmp_path / "sleep.csv")
    da = {d["message"].split(";")[0]: d for d in out if d["code"] == "DA002"}
    assert set(da) == {"not in the data: Reacton", "not in the data: Dayz"}, out
    assert da["not in the data: Reacton"]["fix"]["replacement"] == "Reaction"
    assert da["not in the data: Dayz"]["fix"]["replacement"] == "Days"
    assert all(d["severity"] == "error" and d["file"] == str(tmp_path / name) and d["line"] for d in da.values())
    assert code == 1


def test_correct_names_give_no_DA002(tmp_path):
    (tmp_path / "m.R").write_text(TYPO["lme4"][1].replace("Reacton", "Reaction").replace("Dayz", "Days"))
    (tmp_path / "sleep.csv").write_text(DATA)
    code, out = lint_json(tmp_path / "m.R", "--data", tmp_path / "sleep.csv")
    assert not [d for d in out if d["code"] == "DA002"] and code == 0, out


def test_variables_created_by_the_program_are_not_missing(tmp_path):
    """A data step / mutate / gen / COMPUTE in the same file creates the variable: the data need not have it."""
    (tmp_path / "sleep.csv").write_text(DATA)
    cases = {
        "m.R": "sleep$Days2 <- sleep$Days - 2\nm <- lmer(Reaction ~ 1 + Days2 + (1 | Subject), data = sleep)\n",
        "m.sas": "DATA sleep; SET sleep; Days2 = Days - 2; RUN;\nPROC MIXED DATA=sleep METHOD=REML; CLASS Subject;\n"
                 "MODEL Reaction = Days2 / SOLUTION; RANDOM INTERCEPT / SUBJECT=Subject; RUN;\n",
        "m.do": "gen double Days2 = Days - 2\nmixed Reaction c.Days2 || Subject:, reml\n",
        "m.sps": "COMPUTE Days2 = Days - 2.\nMIXED Reaction WITH Days2 /FIXED = Days2 /RANDOM = INTERCEPT | "
                 "SUBJECT(Subject).\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        _, out = lint_json(tmp_path / name, "--data", tmp_path / "sleep.csv")
        assert not [d for d in out if d["code"] == "DA002"], (name, out)


def test_derived_variable_of_the_model_file_needs_its_raw_source(tmp_path):
    (tmp_path / "sleep.csv").write_text(DATA)
    (tmp_path / "m.R").write_text("m <- lmer(Reaction ~ 1 + Dc + (1 | Subject), data = sleep, REML = TRUE)\n")
    model = tmp_path / "m.toml"
    model.write_text('outcome = "Reaction"\ncluster = "Subject"\nfixed = ["Dc"]\n[variables]\n'
                     'Dc = "Dayz - mean(Dayz) by Subject"\n')
    _, out = lint_json(tmp_path / "m.R", "--data", tmp_path / "sleep.csv", "--model", model)
    da = [d for d in out if d["code"] == "DA002"]
    assert len(da) == 1 and "Dayz" in da[0]["message"] and "derived variable Dc" in da[0]["message"], out
    assert da[0]["fix"]["replacement"] == "Days"
    model.write_text(model.read_text().replace("Dayz", "Days"))
    _, out = lint_json(tmp_path / "m.R", "--data", tmp_path / "sleep.csv", "--model", model)
    assert not [d for d in out if d["code"] == "DA002"], out
