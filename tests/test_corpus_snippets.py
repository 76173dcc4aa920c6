"""Real published snippets (tests/corpus/, provenance in tests/corpus/PROVENANCE.md) through `translate`
and `parse`: no reduced model reaches standard output without --partial; xtmixed is REML; valid syntax
that was SY001 parses; SAS and Stata programs without a df setting translate, with the df choice stated
in the generated code. The same table is in docs/parse-translate.md."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.modelfile import loads_model

CORPUS = Path(__file__).resolve().parent / "corpus"

# file -> (exit code of `translate --to all` without --partial, method, ddf of the model read, what else)
CASES = {
    "sas_statmod_randomslope.sas": (0, "reml", "kenward-roger", {}),
    "sas_statmod_uncorrelated.sas": (0, "reml", "kenward-roger", {}),
    "sas_statmod_both_steps.sas": (2, "reml", "kenward-roger", {"dropped": ["SY004"]}),
    "sas_statmod_randomslope_noddfm.sas": (0, "reml", "containment", {"ddf_choice": ("lme4", "stata", "spss")}),
    "sas_statmod_randomintercept.sas": (0, "reml", "containment", {"ddf_choice": ("lme4", "stata", "spss")}),
    # REPEATED tcat / TYPE=AR(1) with a random intercept is read (issue 13); the SPSS rendering of a residual
    # structure is refused (RN001); R is nlme lme, Stata residuals(ar 1, t())
    "sas_statmod_ar1.sas": (1, "reml", "containment", {"warn": ["RN001"], "info": ["TR002"]}),
    "sas_grad_nested.sas": (2, None, None, {"no_model": "grouped only by nested or combined units (parts within operator)",
                                               "dropped": ["SY004"]}),
    "stata_video_xtmixed.do": (0, "reml", "none", {"ddf_choice": ("spss",)}),
    "stata_gcse_xtmixed.do": (0, "reml", "none", {"ddf_choice": ("spss",)}),
    "stata_gcse_xtmixed_interaction.do": (0, "reml", "none", {"ddf_choice": ("spss",)}),
    "stata_hsb_xtmixed_mle.do": (0, "ml", "none", {"ddf_choice": ("spss",)}),
    "stata_hsb_factor_variables.do": (0, "ml", "none", {"categorical": {"minority": "(first)", "female": "(first)"}}),
    # three levels (|| municipality:, || school_id:) are read since issue 12; `if` and i.municipality stay refused
    "stata_schools_if_three_levels.do": (2, "ml", "none", {"dropped": ["SY004"] * 2}),
    "stata_piles_trailing_comma.do": (2, None, None, {"no_model": "the random part has no effects"}),
    "spss_nrg05.sps": (0, "reml", "satterthwaite", {}),
    "spss_covid_scale32.sps": (2, "ml", "satterthwaite", {"dropped": ["SY004"]}),
    "spss_tesis_session.sps": (2, "ml", "satterthwaite", {"dropped": ["SY004"]}),
    "spss_pain_hospital.sps": (0, "reml", "satterthwaite", {}),
    "spss_guilt_by.sps": (0, "reml", "satterthwaite", {"categorical": {"anchor": "(last)", "vignette": "(last)",
                                                                      "verdictsyst": "(last)"}}),
    # /REPEATED ... COVTYPE(ID) is the independent residual (scaled identity): read as such, with a note
    "spss_effectiveness_repeated.sps": (0, "ml", "satterthwaite", {"warn": ["SY001", "PT003"]}),
    # two /RANDOM subcommands, SUBJECT(schcode) and SUBJECT(schcode*Rteachid): read whole since issue 12
    "spss_three_level.sps": (0, "ml", "satterthwaite", {"warn": ["PT003"]}),
    "r_lmertest_anova.R": (0, "reml", "satterthwaite", {"warn": ["PT003", "PT003"]}),
    "r_ferret_trailing_comma.R": (0, "ml", "satterthwaite", {"ddf_choice": ("stata",)}),
    "r_sleep_kenward_roger.R": (0, "reml", "kenward-roger", {}),
    "r_tarsus_factors.R": (0, "reml", "satterthwaite", {"info": ["TR002"]}),
    # three random terms (issue 12): read whole, written in all four (Stata: || _all: R.forecaster_id
    # || scenario_id: || period:)
    "r_forecast_crossed_print.R": (0, "reml", "satterthwaite", {"info": ["SY004"]}),
    "r_sleep_update.R": (2, None, None, {"no_model": "no lmer() call found", "dropped": ["SY004", "SY004"]}),
    # categorical predictors, as a new user would bring them (usertrial): `contrast a@b` after the fit (a command
    # mlmgen does not read) was an SY001 error that blocked the whole translation; SPSS refuses `quality_`
    "stata_quality_contrast_at.do": (1, "reml", "none", {"categorical": {"condition": "(first)",
                                                                         "incentive": "(first)"}}),
    "stata_beta_blocker_treat.do": (0, "reml", "none", {"categorical": {"treat": "(first)"},
                                                        "ddf_choice": ("spss",)}),
    # several grouping factors (issue 12), written after published programs (not verbatim: tests/corpus/PROVENANCE.md):
    # crossed RANDOM statements (Stata refuses Satterthwaite df with ML: RN001), `_all: R.x` twice, `|| a: || b:`,
    # two /random with SUBJECT(school*child) after SELECT IF, and a G-side `Household*Sex` with Sex fixed (SY004)
    "sas_hox_crossed_after.sas": (1, "ml", "satterthwaite", {"warn": ["RN001"]}),
    "sas_family_gside_after.sas": (2, "reml", "containment", {"dropped": ["SY004"]}),
    "stata_hox_all_all_after.do": (0, "ml", "none", {"ddf_choice": ("spss",)}),
    "stata_growth_three_level_after.do": (0, "ml", "none", {"ddf_choice": ("spss",)}),
    "spss_growth_three_level_after.sps": (2, "reml", "satterthwaite", {"dropped": ["SY004"]}),
    "r_acu_relevel.R": (0, "reml", "satterthwaite", {"categorical": {"time": "12m"}, "info": ["TR002"]}),
    "spss_pain_sex_by.sps": (0, "reml", "satterthwaite", {"categorical": {"sex": "(last)"}}),
}

COMMENT = {"sas": r"/\* ", "lme4": "# ", "stata": r"\* ", "spss": r"\* "}
BANNER = re.compile(r"^(?:/\* |# |\* |// )---- (.+?) ----")


def unwrap(head: str) -> str:
    """The comment block's text: comment markers removed, wrapped lines joined."""
    out = []
    for line in head.splitlines():
        line = re.sub(r"^(?:/\* |# |\* )", "", line)
        out.append(re.sub(r"(?: \*/|\.)$", "", line).strip())
    return " ".join(out)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_the_table_covers_every_corpus_file_and_each_package_five_times():
    files = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".sas", ".do", ".sps", ".R"))
    assert files == sorted(CASES)
    for prefix in ("sas_", "stata_", "spss_", "r_"):
        assert sum(f.startswith(prefix) for f in files) >= 5, prefix
    provenance = (CORPUS / "PROVENANCE.md").read_text()
    assert all(f"`{f}`" in provenance for f in files)


@pytest.mark.parametrize("name", sorted(CASES))
def test_translate_never_writes_a_reduced_model_without_partial(name):
    want_exit, method, ddf, extra = CASES[name]
    path = CORPUS / name
    res = run("translate", path, "--to", "all")
    assert "Traceback" not in res.output
    assert res.exit_code == want_exit, res.stderr
    codes = re.findall(r": (?:error|warning|info) ([A-Z]{2}\d{3}) ", res.stderr)
    if want_exit == 2:
        assert res.stdout == ""                                 # nothing that looks like a finished program
        for code in extra.get("dropped", []):
            assert code in codes
        if "no_model" in extra:
            assert extra["no_model"] in res.stderr
            assert "more than one comma" not in res.stderr       # the trailing comma itself is valid
        else:
            assert "TR003" in codes and "--partial" in res.stderr
            # every dropped construct is listed with its line
            lines = re.findall(rf"{re.escape(str(path))}:(\d+):\d+: (?:error|warning) SY004", res.stderr)
            assert lines
    else:
        assert res.stdout.strip() and "TR003" not in codes
        for code in extra.get("warn", []) + extra.get("info", []):
            assert code in codes


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c[0] == 2 and "no_model" not in c[3]))
def test_partial_writes_the_reduced_model_with_the_dropped_constructs_at_its_top(name):
    path = CORPUS / name
    res = run("translate", path, "--to", "all", "--partial")
    assert res.exit_code == 1, res.stderr
    dropped_lines = sorted({int(n) for n in re.findall(
        rf"{re.escape(str(path))}:(\d+):\d+: (?:error SY\d+|warning SY004) ", res.stderr)})
    assert dropped_lines
    chunks = re.split(r"\n(?=(?:/\* |# |\* |// )---- )", res.stdout)
    refused = len(re.findall(r"error RN001 ", res.stderr))        # a setting the source writes, not writable
    assert len(chunks) == 3 - refused
    for chunk in chunks:
        title = BANNER.match(chunk).group(1)
        target = {"SAS PROC MIXED": "sas", "R lme4/lmerTest": "lme4", "Stata mixed": "stata",
                  "SPSS MIXED": "spss"}[title]
        body = chunk.split("\n", 1)[1]
        head = body.split("\n\n", 1)[0].splitlines()
        assert all(re.match(COMMENT[target], line) for line in head), (target, head)
        assert "NOT THE WHOLE MODEL" in head[0]
        listed = {int(n) for n in re.findall(r"line (\d+):", "\n".join(head))}
        assert set(dropped_lines) <= listed, (target, dropped_lines, listed)
    res = run("parse", path)
    assert res.exit_code == 2 and res.stdout == ""
    res = run("parse", "--partial", path)
    assert res.exit_code == 1 and res.stdout.startswith("# mlmgen: NOT THE WHOLE MODEL")
    loads_model(res.stdout)


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c[1] is not None))
def test_the_model_read_has_the_packages_own_method_and_df(name):
    _, method, ddf, _ = CASES[name]
    res = run("parse", "--partial", CORPUS / name)
    model = loads_model(res.stdout)
    assert model.method == method and model.ddf == ddf


def test_xtmixed_without_mle_is_reml_as_its_published_output_says():
    log = (CORPUS.parent.parent / "reference_outputs" / "published" / "video_xtmixed_stata.log").read_text()
    assert "Mixed-effects REML regression" in log                 # the real output of this very command
    res = run("parse", CORPUS / "stata_video_xtmixed.do")
    assert res.exit_code == 0 and 'method = "REML"' in res.stdout
    res = run("lint", CORPUS / "stata_video_xtmixed.do")
    assert "PT002" in res.output and "xtmixed" in res.output and "Stata 12 and earlier" in res.output


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if "ddf_choice" in c[3]))
def test_programs_without_a_df_setting_translate_with_the_choice_stated_in_the_code(name):
    targets = CASES[name][3]["ddf_choice"]
    for target in targets:
        res = run("translate", CORPUS / name, "--to", target)
        assert res.exit_code == 0, res.stderr
        head = unwrap(res.stdout.split("\n\n", 1)[0])
        assert "writes no df method" in head and "instead, the closest it has" in head
        assert "p-values" in head and "standard errors are the same" in head
        assert "PT003" in res.stderr
        # --ddf chooses instead
        res = run("translate", CORPUS / name, "--to", target, "--ddf", "kenward-roger" if "ml" != CASES[name][1]
                  else "residual")
        assert res.exit_code == 0 and "(--ddf)" in res.stdout


def test_valid_syntax_that_was_sy001_parses():
    res = run("parse", CORPUS / "r_ferret_trailing_comma.R")
    assert res.exit_code == 0 and "SY001" not in res.stderr
    assert 'method = "ML"' in res.stdout
    res = run("parse", CORPUS / "stata_piles_trailing_comma.do")
    assert "more than one comma" not in res.stderr and "the random part has no effects" in res.stderr


def test_a_later_anova_with_other_df_does_not_change_the_model(tmp_path):
    res = run("parse", CORPUS / "r_lmertest_anova.R")
    assert 'ddf = "Satterthwaite"' in res.stdout
    assert res.stderr.count("PT003") == 2 and 'ddf = "lme4"' in res.stderr


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if "categorical" in c[3]))
def test_declared_categoricals_are_read_with_the_packages_reference(name):
    """Snippets with CLASS / i. / BY predictors (refused before issue 11) read their categoricals."""
    res = run("parse", CORPUS / name)
    assert res.exit_code == 0, res.stderr
    model = loads_model(res.stdout)
    assert {c.name: c.reference for c in model.categoricals} == CASES[name][3]["categorical"]


def test_text_columns_are_factors_in_r_with_data(tmp_path):
    """R fits a character column as a factor: with --data the tarsus snippet's Leg and Handedness are
    categorical (DA007), as lmer() would fit them; without data their type is unknown (TR002)."""
    data = tmp_path / "tarsus.csv"
    data.write_text("Tarsus,Leg,Handedness,StudentID\n20.1,Left,Right,1\n19.8,Right,Right,1\n21.0,Left,Left,2\n")
    res = run("translate", CORPUS / "r_tarsus_factors.R", "--to", "sas")
    assert res.exit_code == 0 and "TR002" in res.stderr and "types unknown" in res.stderr
    res = run("parse", CORPUS / "r_tarsus_factors.R", "--data", data)
    assert res.exit_code == 0 and res.stderr.count("DA007") == 2 and "DA003" not in res.stderr
    model = loads_model(res.stdout)
    assert [(c.name, c.reference) for c in model.categoricals] == [("Leg", "(first)"), ("Handedness", "(first)")]
