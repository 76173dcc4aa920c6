"""`lint --data` asks the data only for variables the program does not create itself: each reader records what
the program creates before the model (`ParsedSyntax.created`) and the data-column check (DA002) uses that
(trial finding: `encode ARMCD, gen(arm)` then `mixed FEV1 i.arm ...` gave DA002 "not in the data: arm")."""
from __future__ import annotations

import pytest

from mlmgen.dialects.lme4.syntax import parse_syntax as parse_r
from mlmgen.dialects.sas.syntax import parse_syntax as parse_sas
from mlmgen.dialects.spss.syntax import parse_syntax as parse_spss
from mlmgen.dialects.stata.syntax import parse_syntax as parse_stata

from test_lint_data_columns import lint_json

DATA = "id,arm,y,base\n" + "\n".join(f"P{i},{'TRT' if i % 2 else 'PBO'},{10 + i * 0.3 + j},{i % 5}"
                                      for i in range(12) for j in range(3))

CREATING = {
    "encode.do": "encode arm, gen(trt)\nmixed y i.trt || id:, reml\n",
    "encode2.do": "encode arm, generate(trt) label(armlab)\ngen bl2 = base - 4\nmixed y i.trt bl2 || id:, reml\n",
    "rename.do": "encode arm, gen(code)\nrename code trt\nmixed y i.trt || id:, reml\n",
    "recode.sps": "RECODE arm ('PBO'=0) ('TRT'=1) INTO trt.\nMIXED y WITH trt /FIXED = trt "
                  "/RANDOM = INTERCEPT | SUBJECT(id).\n",
    "auto.sps": "AUTORECODE VARIABLES=arm /INTO trt.\nMIXED y BY trt /FIXED = trt /RANDOM = INTERCEPT | SUBJECT(id).\n",
    "ifthen.sas": "DATA d; SET d; IF arm = 'TRT' THEN trt = 1; ELSE trt = 0; RUN;\nPROC MIXED DATA=d; CLASS id; "
                  "MODEL y = trt / SOLUTION; RANDOM INTERCEPT / SUBJECT=id; RUN;\n",
    "mutate.R": "d <- transform(d, trt = as.numeric(arm == 'TRT'))\nm <- lmer(y ~ trt + (1 | id), data = d)\n",
    "brackets.R": "d[[\"trt\"]] <- as.numeric(d$arm == 'TRT')\nm <- lmer(y ~ trt + (1 | id), data = d)\n",
}

NOT_CREATING = {      # these change a column the data must have
    "replace.do": "replace trt = 1 if arm == \"TRT\"\nmixed y trt || id:, reml\n",
    "refactor.R": "d$trt <- factor(d$trt)\nm <- lmer(y ~ trt + (1 | id), data = d)\n",
    "selfref.sas": "DATA d; SET d; trt = trt - 1; RUN;\nPROC MIXED DATA=d; CLASS id; MODEL y = trt / SOLUTION; "
                   "RANDOM INTERCEPT / SUBJECT=id; RUN;\n",
}


@pytest.mark.parametrize("name", list(CREATING))
def test_created_variables_are_not_asked_of_the_data(name, tmp_path):
    (tmp_path / "d.csv").write_text(DATA)
    (tmp_path / name).write_text(CREATING[name])
    _, out = lint_json(tmp_path / name, "--data", tmp_path / "d.csv")
    assert not [d for d in out if d["code"] == "DA002"], out


@pytest.mark.parametrize("name", list(NOT_CREATING))
def test_changed_columns_must_be_in_the_data(name, tmp_path):
    (tmp_path / "d.csv").write_text(DATA)
    (tmp_path / name).write_text(NOT_CREATING[name])
    _, out = lint_json(tmp_path / name, "--data", tmp_path / "d.csv")
    assert [d["message"].split(";")[0] for d in out if d["code"] == "DA002"] == ["not in the data: trt"], out


def test_readers_record_created_variables():
    assert parse_stata(CREATING["encode2.do"]).created == ("trt", "bl2")
    assert parse_stata(CREATING["rename.do"]).created == ("code", "trt")
    assert parse_spss(CREATING["recode.sps"]).created == ("trt",)
    assert parse_sas(CREATING["ifthen.sas"]).created == ("trt",)
    assert parse_r(CREATING["mutate.R"]).created == ("trt",)
    assert parse_r(NOT_CREATING["refactor.R"]).created == ()
