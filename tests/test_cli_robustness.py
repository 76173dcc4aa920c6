"""Bad input of any kind on the command line: a coded message with a location and exit code 2, never a
traceback or an "internal error" (exit 3). Table-driven: each row is a command line (with `{d}` for the
directory holding the hostile files made by the `hostile` fixture), the exit code and the code expected in
the message. Also: huge lines are read in linear time."""
from __future__ import annotations

import re
import shlex
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EX2B = str(ROOT / "examples" / "2b_cluster_mc_random_slope.toml")
SAS2B = str(ROOT / "reference_outputs" / "lecture" / "syntax" / "2b_sas.sas")
DATA = str(ROOT / "examples" / "demo_data.csv")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    (d / "empty.txt").write_text("")
    (d / "empty.sas").write_text("")
    (d / "empty.toml").write_text("")
    (d / "bin.sas").write_bytes(bytes(range(256)) * 8)
    (d / "bin.toml").write_bytes(bytes(range(256)) * 8)
    (d / "latin.sas").write_bytes(b"proc mixed data=d; class g;\nmodel y = x \xe9 / solution;\n"
                                  b"random intercept / subject=g; run;\n")
    (d / "adir").mkdir()
    (d / "adir.toml").mkdir()
    (d / "adir.sas").mkdir()
    (d / "norandom.toml").write_text('outcome = "y"\ncluster = "g"\n[random]\neffects = []\n')
    (d / "samecluster.toml").write_text('outcome = "y"\ncluster = "y"\n')
    (d / "model.toml").write_text('outcome = "y"\ncluster = "g"\nfixed = ["x"]\n')
    v = [f"v{i}" for i in range(30)]                    # full factorials of 30 variables: 2^30 - 1 terms
    (d / "fact.sas").write_text("proc mixed; class g; model y = " + "|".join(v) + "; random int / sub=g; run;\n")
    (d / "fact.do").write_text("mixed y " + "##".join("c." + x for x in v) + " || g:, reml\n")
    (d / "fact.R").write_text("m <- lmer(y ~ " + "*".join(v) + " + (1|g), data=d)\n")
    (d / "bom.toml").write_bytes(b"\xef\xbb\xbfoutcome = 'y'\ncluster = 'g'\n")
    (d / "latin.toml").write_bytes(b"outcome = 'y'\ncluster = 'g'\ntitle = 'caf\xe9'\n")
    (d / "varextra.toml").write_text('outcome = "y"\ncluster = "g"\nfixed = ["a"]\n[variables]\n'
                                     'a = { expr = "x - 1", lable = "typo" }\n')
    (d / "varlabel.toml").write_text('outcome = "y"\ncluster = "g"\nfixed = ["a"]\n[variables]\n'
                                     'a = { expr = "x - 1", label = 5 }\n')
    (d / "conboth.toml").write_text('outcome = "y"\ncluster = "g"\nfixed = ["a", "b"]\n[[contrasts]]\nlabel = "c"\n'
                                    'coefficients = { a = 1 }\nrows = [{ b = 1 }]\n')
    (d / "conextra.toml").write_text('outcome = "y"\ncluster = "g"\nfixed = ["a"]\n[[contrasts]]\nlabel = "c"\n'
                                     'coefficients = { a = 1 }\nnote = "dropped?"\n')
    covparms = (ROOT / "reference_outputs" / "lecture" / "sas_tables" / "2b_covparms.txt").read_text()
    (d / "overflow.txt").write_text(covparms.replace("0.2386", "1e999"))     # was: OverflowError, exit 3
    (d / "spss_de.txt").write_text(                      # SPSS in a German locale (was: read as 176305, exit 0)
        "Estimates of Fixed Effects(a)\nParameter\tEstimate\tStd. Error\tdf\tt\tSig.\n"
        "Intercept\t41,621743\t,359236\t176,305\t115,862\t,000\n")
    (d / "title_spss.txt").write_text("Estimates of Fixed Effects\nnothing here\n")
    (d / "title_lme4.txt").write_text("Linear mixed model fit by REML\n")
    (d / "title_stata.txt").write_text("Mixed-effects REML regression\n")
    (d / "derivedcluster.toml").write_text('outcome = "y"\ncluster = "g"\nfixed = ["b"]\n[variables]\n'
                                           'b = "mean(x) by g"\ng = "h + 0"\n')
    (d / "deep.toml").write_text('outcome = "y"\ncluster = "g"\na = ' + "[" * 3000 + "]" * 3000 + "\n")
    (d / "power.toml").write_text('outcome = "y"\ncluster = "g"\nfixed = ["x^999999999"]\n')
    return d


# (command line, expected exit code, code expected in the output)
CASES = [
    # missing files, directories, empty, binary and non-UTF-8 files
    ("render {d}/nonexist.toml", 2, "IO001"),
    ("render {d}/empty.toml", 2, "MF002"),
    ("render {d}/bin.toml", 2, "MF001"),
    ("parse {d}/nonexist.sas", 2, "IO001"),
    ("parse {d}/empty.sas", 2, "SY001"),
    ("parse {d}/bin.sas", 2, "SY001"),
    ("parse {d}/latin.sas", 2, "SY001"),
    ("translate {d}/empty.sas", 2, "SY001"),
    ("same " + SAS2B + " {d}/bin.sas", 2, "SY001"),
    ("lint {d}/nonexist.sas", 2, "IO001"),
    ("lint " + SAS2B + " --model {d}/empty.toml", 2, "MF002"),
    ("lint " + SAS2B + " --data {d}/bin.sas", 2, "DA001"),
    ("diff {d}/empty.txt", 2, "OU00"),
    ("diff {d}/bin.sas", 2, "OU00"),
    ("diff {d}/overflow.txt", 2, "OU001"),
    ("diff {d}/spss_de.txt", 2, "OU001"),
    ("diff {d}/title_spss.txt", 2, "OU002"),        # a title and no rows: was "everything agrees", exit 0
    ("diff {d}/title_lme4.txt", 2, "OU002"),
    ("diff {d}/title_stata.txt", 2, "OU002"),
    ("diff " + str(ROOT / "reference_outputs" / "lecture" / "sas_tables" / "2b_covparms.txt") + " {d}/overflow.txt",
     2, "OU001"),
    ("fit " + EX2B + " --data {d}/empty.txt", 2, "DA001"),
    # command-line options
    ("render " + EX2B + " --to foo", 2, "CL001"),
    ("render " + EX2B + " --method foo", 2, "CL001"),
    ("render " + EX2B + " --ddf foo", 2, "CL001"),
    ("parse " + SAS2B + " --from foo", 2, "CL001"),
    ("rules --explain FOO", 2, "CL001"),
    # model files: fields that were silently dropped or accepted, models that cannot be rendered
    ("render {d}/norandom.toml", 2, "MF002"),
    ("render {d}/samecluster.toml", 2, "MF002"),
    ("render --formula 'y ~ 0 + (0|g)'", 2, "MF002"),
    ("render --formula 'y ~ x + (1|y)'", 2, "MF002"),
    ("render {d}/varextra.toml", 2, "MF004"),
    ("render {d}/varlabel.toml", 2, "MF004"),
    ("render {d}/conboth.toml", 2, "MF005"),
    ("render {d}/derivedcluster.toml --data-prep", 2, "MF004"),   # was: definition of g silently not written
    ("render {d}/conextra.toml", 2, "MF005"),
    ("render {d}/latin.toml", 2, "MF001"),
    ("lint {d}/latin.toml", 2, "MF001"),
    # a syntax file no model can be read from is bad input for lint too (was exit 1)
    ("lint {d}/empty.sas", 2, "SY001"),
    ("lint {d}/bin.sas", 2, "SY001"),
    ("lint " + SAS2B + " {d}/empty.sas", 2, "SY001"),
    # expansions without bound (were: hangs and memory exhaustion)
    ("parse {d}/fact.R", 2, "SY004"),
    ("translate {d}/fact.sas --to r", 2, "SY004"),      # a dropped construct: nothing written (TR003)
    ("translate {d}/fact.do --to r", 2, "SY004"),
    ("render {d}/power.toml", 2, "MF002"),
    # nesting beyond Python's recursion limit (was: RecursionError, internal error)
    ("render {d}/deep.toml", 2, "MF001"),
    ("lint {d}/deep.toml", 2, "MF001"),
    ("render --formula 'y ~ " + "(" * 3000 + "x" + ")" * 3000 + " + (1|g)'", 2, "MF003"),
    ("render --formula 'y ~ I(x^999999999) + (1|g)'", 2, "MF003"),
    ("render --formula 'y ~ (a+b+c+d+e+f+h+i+j+k+l+m+n)^13 + (1|g)'", 2, "SY004"),
    # click's own command-line errors carry the code too
    ("nosuchcommand", 2, "CL001"),
    ("render --bogus", 2, "CL001"),
    ("render {d}/adir", 2, "CL001"),
    ("lint {d}/adir.sas", 2, "CL001"),
    ("lint " + SAS2B + " --format foo", 2, "CL001"),
    ("diff " + SAS2B + " --method foo", 2, "CL001"),
    ("parse", 2, "CL001"),
    ("render " + EX2B + " --to ,", 2, "CL001"),
    ("render " + EX2B + " --to sas,foo", 2, "CL001"),
    # output files that cannot be written (was: internal error, exit 3)
    ("render " + EX2B + " -o {d}/empty.txt/sub", 2, "WR001"),      # a failed write is its own code (issue 16: was CL001)
    ("render " + EX2B + " -o /proc/mlmgen-no-such-dir", 2, "WR001"),      # a failed write is its own code (issue 16: was CL001)
    ("translate " + SAS2B + " -o {d}/empty.txt/sub", 2, "WR001"),      # a failed write is its own code (issue 16: was CL001)
]


def run(cmd: str, d: Path):
    args = shlex.split(cmd.replace("{d}", str(d)))
    return CliRunner().invoke(cli, args)


@pytest.mark.parametrize("cmd,exit_code,code", CASES, ids=[c[0].replace(str(ROOT) + "/", "")[:70] for c in CASES])
def test_bad_input_gives_a_coded_message(hostile, cmd, exit_code, code):
    res = run(cmd, hostile)
    out = res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in out and "internal error" not in out
    assert res.exit_code == exit_code, out
    assert re.search(r"\b" + code, out), out


def test_non_utf8_is_located_and_a_bom_is_skipped(hostile):
    res = run("parse {d}/latin.sas", hostile)
    assert res.exit_code == 2 and re.search(r"latin\.sas:2:13: error SY001 .*not UTF-8 .*0xe9", res.output), res.output
    res = run("render {d}/latin.toml", hostile)
    assert res.exit_code == 2 and re.search(r"latin\.toml:3:13: error MF001", res.output), res.output
    for cmd in ("render {d}/bom.toml --to r", "lint {d}/bom.toml"):
        res = run(cmd, hostile)
        assert res.exit_code == 0, res.output


def test_render_to_a_comma_list():
    res = CliRunner().invoke(cli, ["render", EX2B, "--to", "sas, R,sas"])
    assert res.exit_code == 0
    assert res.output.count("----") == 4 and "PROC MIXED" in res.output and "lmer(" in res.output
    assert "mixed langpost" not in res.output


def test_powers_beyond_the_number_of_variables_change_nothing():
    # R: (a+b)^k for k >= 2 is a*b; x^k is x (was: k - 1 rounds of expansion, a hang for a large k)
    res = CliRunner().invoke(cli, ["render", "--to", "r", "--formula", "y ~ (a+b)^999999999 + x^999999999 + (1|g)"])
    assert res.exit_code == 0 and "formula=y~1+a+b+x+a:b+(1|g)" in res.output, res.output


@pytest.mark.parametrize("kind", ["sas", "lme4", "lint"])
def test_huge_model_line_is_read_in_linear_time(tmp_path, kind):
    xs = [f"x{i}" for i in range(5000)]
    if kind == "lme4":
        f = tmp_path / "m.R"
        f.write_text("m <- lmer(y ~ " + " + ".join(xs) + " + (1|g), data=d)\n")
    else:
        f = tmp_path / "m.sas"
        f.write_text("proc mixed data=d; class g; model y = " + " ".join(xs)
                     + " / solution; random intercept / subject=g; run;\n")
    t0 = time.perf_counter()
    res = CliRunner().invoke(cli, ["lint" if kind == "lint" else "parse", str(f)])
    assert time.perf_counter() - t0 < 15          # was minutes: duplicate checks were quadratic
    assert res.exception is None or isinstance(res.exception, SystemExit)
    if kind != "lint":
        assert res.exit_code == 0 and '"x4999"' in res.output


def test_translate_refusal_points_at_the_source_setting(tmp_path):
    f = tmp_path / "kr_ml.sas"
    f.write_text("proc mixed data=d method=ml;\n  class g;\n  model y = x / solution ddfm=kr;\n"
                 "  random intercept / subject=g;\nrun;\n")
    res = CliRunner().invoke(cli, ["translate", str(f), "--to", "r"])
    assert res.exit_code == 1
    assert re.search(r"kr_ml\.sas:3:26: error RN001 .*Kenward-Roger", res.output), res.output   # was "<input> [ddf]"


@pytest.mark.parametrize("name,text,where", [
    ("ml_kr.R", 'm <- lmer(y ~ x + (1|g), data=d, REML=FALSE)\nsummary(m, ddf="Kenward-Roger")\n', "2:16"),
    ("ml_kr.do", "mixed y c.x || g:, mle dfmethod(kroger)\n", "1:24"),
    ("ml_satt.do", "mixed y c.x || g:, dfmethod(satterthwaite)\n", "1:20"),
])
def test_snippet_its_own_package_refuses_is_rn001(tmp_path, name, text, where):
    # lmerTest stops with "Kenward-Roger's method is only available for REML model fits" (checked in R 4.2);
    # Stata allows dfmethod(satterthwaite|kroger) with reml only (../shared/design/package-conventions.md)
    f = tmp_path / name
    f.write_text(text)
    res = CliRunner().invoke(cli, ["lint", str(f)])
    assert res.exit_code == 1 and re.search(rf"{re.escape(name)}:{where}: error RN001 ", res.output), res.output


def test_same_lists_a_snippet_its_package_refuses(tmp_path):
    f = tmp_path / "ml_satt.do"
    f.write_text("mixed y c.x || g:, dfmethod(satterthwaite)\n")
    res = CliRunner().invoke(cli, ["same", "-q", str(f), str(f)])
    assert res.exit_code == 1 and "RN001" in res.output, res.output      # was: SAME (exit 0)


def test_standard_input(tmp_path):
    text = (ROOT / "reference_outputs" / "lecture" / "syntax" / "4a_stata.do").read_text()
    res = CliRunner().invoke(cli, ["lint", "-"], input=text)          # was: CL001 "cannot read -"
    assert res.exit_code == 1 and re.search(r"^-:1:16: error SY002 ", res.output, re.M), res.output
    res = CliRunner().invoke(cli, ["lint", "-", "--fix"], input=text)
    assert res.exit_code == 2 and "CL001" in res.output
    res = CliRunner().invoke(cli, ["translate", "-", "--to", "r", "--partial", "-o", str(tmp_path)], input=text)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stdin.R"]    # was: a file named "-.R"


@pytest.mark.parametrize("extra", [["--ddf", "kr"], ["--method", "ml"], ["--l1", "verb10"], ["--mean", "CMverb10"]])
def test_diff_options_that_would_be_ignored_are_refused(extra):
    table = str(ROOT / "reference_outputs" / "lecture" / "sas_tables" / "2b_covparms.txt")
    res = CliRunner().invoke(cli, ["diff", table, table, *extra])      # was: silently ignored, exit 0
    assert res.exit_code == 2 and f"[{extra[0]}]: error CL001" in res.output, res.output


def test_lint_code_filters_and_package_option():
    do = str(ROOT / "reference_outputs" / "lecture" / "syntax" / "4a_stata.do")
    for opt, spec in (("--select", "FOO"), ("--ignore", "SY02")):      # was: silently hid every finding
        res = CliRunner().invoke(cli, ["lint", do, opt, spec])
        assert res.exit_code == 2 and f"[{opt}]: error CL001" in res.output, res.output
    res = CliRunner().invoke(cli, ["lint", do, "--select", ","])        # was: "no findings"
    assert res.exit_code == 1 and "SY002" in res.output
    # --package names the syntax files' package; a .toml file stays a model file (was: read as Stata)
    toml = str(ROOT / "examples" / "4a_hybrid_fixed_main_effects.toml")
    res = CliRunner().invoke(cli, ["lint", do, toml, "--package", "stata"])
    assert "cannot read" not in res.output and toml + ":" not in res.output.replace(do, ""), res.output


@pytest.mark.parametrize("formula,written", [
    ("y ~ -1 + x + (1|g)", "formula=y~0+x+(1|g))"),           # was: MF003 "unexpected '-'"
    ("y ~ x + (-1 + x|g)", "formula=y~1+x+(0+x|g))"),
    ("y ~ + x + (1|g)", "formula=y~1+x+(1|g))"),
])
def test_lme4_formula_with_a_leading_sign(formula, written):
    res = CliRunner().invoke(cli, ["render", "--to", "r", "--formula", formula])
    assert res.exit_code == 0 and written in res.output, res.output


@pytest.mark.parametrize("formula", ["y ~ x + (1|g) + (1|g)", "y ~ x + (1|g) + (0+x|g) + (0+x|g)"])
def test_lme4_effect_in_two_bar_terms_is_sy004(formula):
    # R 4.2 / lme4 1.1-31: (1|Subject) + (1|Subject) gives two variances, Subject and Subject.1 (was: merged)
    res = CliRunner().invoke(cli, ["render", "--to", "r", "--formula", formula])
    assert res.exit_code == 2 and "SY004" in res.output and "two bar terms" in res.output, res.output


@pytest.mark.parametrize("name,text", [
    ("twice.sas", "proc mixed data=d; class g; model y = x; random intercept / subject=g;\n"
                  "random intercept / subject=g; run;\n"),
    ("twice.do", "mixed y c.x || g: || g:, reml\n"),
    ("twice.sps", "MIXED y WITH x\n /FIXED = x\n /RANDOM = INTERCEPT | SUBJECT(g)\n /RANDOM = INTERCEPT | SUBJECT(g).\n"),
])
def test_random_intercept_listed_twice_is_said(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text)
    res = CliRunner().invoke(cli, ["parse", str(f)])                   # was: merged without a word
    # the package fits two variances, mlmgen's model one: a reduced model, not written without --partial
    assert res.exit_code == 2 and "random intercept is listed twice" in res.output, res.output
    assert res.stdout == "" and "TR003" in res.output
    res = CliRunner().invoke(cli, ["parse", "--partial", str(f)])
    assert res.exit_code == 1 and "random intercept is listed twice" in res.stdout


def test_lint_data_with_text_and_semicolons(tmp_path):
    syn = tmp_path / "m.sas"
    syn.write_text("proc mixed data=d method=reml; class g; model y = x xc / ddfm=sat;\n"
                   "random intercept xc / subject=g type=un; run;\n")
    model = tmp_path / "m.toml"
    model.write_text('outcome = "y"\ncluster = "g"\nfixed = ["x", "xc"]\n[random]\neffects = ["Intercept", "xc"]\n'
                     '[variables]\nxc = "x - mean(x) by g"\n')
    rows = [(g, i + 0.5 * g, 1.0 + i) for g in range(6) for i in range(4)]
    text = tmp_path / "text.csv"
    text.write_text("g,x,y\n" + "\n".join(f"{g},{'abc' if k == 3 else x},{y}" for k, (g, x, y) in enumerate(rows)))
    res = CliRunner().invoke(cli, ["lint", str(syn), "--model", str(model), "--data", str(text)])
    assert res.exception is None or isinstance(res.exception, SystemExit)    # was: ValueError, internal error
    assert "DA003" in res.output and res.exit_code == 0, res.output
    semi = tmp_path / "semi.csv"
    semi.write_text("g;x;y\n" + "\n".join(f"{g};{x};{y}" for g, x, y in rows))
    res = CliRunner().invoke(cli, ["lint", str(syn), "--model", str(model), "--data", str(semi)])
    assert res.exit_code == 0 and "DA002" not in res.output, res.output      # was: one column "g;x;y"


def test_lint_roles_of_huge_values(tmp_path):
    syn = tmp_path / "m.sas"
    syn.write_text("proc mixed data=d method=reml; class g; model y = x / ddfm=sat;\n"
                   "random intercept / subject=g; run;\n")
    rows = [(g, (i - 1.5 + 0.1 * g) * 1e200, 1.0 + i) for g in range(6) for i in range(4)]
    data = tmp_path / "big.csv"
    data.write_text("g,x,y\n" + "\n".join(f"{g},{x!r},{y}" for g, x, y in rows))
    res = CliRunner().invoke(cli, ["lint", str(syn), "--data", str(data), "--show-roles"])
    # was: squares overflowed to inf and x came out "nearly level-2"
    assert "role: x = constant-centred level-1" in res.output, res.output


def test_diff_merge_keeps_fit_statistics_and_refuses_mixed_packages(tmp_path):
    lst = (ROOT / "reference_outputs" / "published" / "hsb_rb_table4_2_sas.lst").read_text().splitlines(True)
    start = next(i for i, ln in enumerate(lst) if "Fit Statistics" in ln)
    end = next(i for i, ln in enumerate(lst) if "Solution for Fixed Effects" in ln)
    pieces = [lst[:start], lst[start:end], lst[end:]]
    paths = []
    for k, piece in enumerate(pieces):
        paths.append(tmp_path / f"piece{k}.lst")
        paths[-1].write_text("".join(piece))
    import json
    res = CliRunner().invoke(cli, ["diff", "--merge", "--format", "json", *map(str, paths)])
    checks = [f["check"] for c in json.loads(res.output)["consistency"] for f in c["findings"]]
    assert "AIC penalty" in checks, checks                 # was: the Fit Statistics piece was dropped
    sas = str(ROOT / "reference_outputs" / "lecture" / "sas_tables" / "2b_covparms.txt")
    r_out = str(ROOT / "reference_outputs" / "r" / "2b_ml.out")
    res = CliRunner().invoke(cli, ["diff", "--merge", sas, r_out])
    assert res.exit_code == 2 and "CL001" in res.output    # was: one "SAS" output with both packages' rows


def test_lint_fix_does_not_drop_what_it_cannot_represent(tmp_path):
    f = tmp_path / "repeated.sas"
    text = ("PROC MIXED DATA=work.Example METHOD=REML;\n  CLASS schoolID;\n"
            "  MODEL langpost = hw2 mixgrd CMverb10 WCverb / GCORR SOLUTION DDFM=Satterthwaite;\n"
            "  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID;\n  REPEATED / SUBJECT=schoolID TYPE=AR(1);\nRUN;\n")
    f.write_text(text)
    res = CliRunner().invoke(cli, ["lint", str(f), "--fix"])
    assert f.read_text() == text            # was: rewritten without the REPEATED statement, then "no findings"
    assert re.search(r"error FX001 .*SY004 at 5:3", res.output) and res.exit_code == 1, res.output


def test_lint_fix_keeps_a_contrast_it_could_not_read(tmp_path):
    f = tmp_path / "c.R"
    text = ('m <- lmer(y ~ hw2 + x + (1|g), data=d, REML=TRUE)\nsummary(m, ddf="Satterthwaite")\n'
            'contest1D(m, L=c(0,1,0,5)) # bad\n')
    f.write_text(text)
    model = tmp_path / "m.toml"
    model.write_text('outcome = "y"\ncluster = "g"\nfixed = ["x"]\n')
    res = CliRunner().invoke(cli, ["lint", str(f), "--model", str(model), "--fix"])
    assert f.read_text() == text and "FX001" in res.output, res.output   # was: contest1D deleted
    assert "was not read" in res.output and res.exit_code == 1


def test_fit_data_problems_are_located_at_the_data_file(tmp_path):
    """Numbers that overflow double precision, non-UTF-8 data and data the engine cannot use are DA001/DA005
    at the data file (with line and column for a bad byte), exit 2, never an internal error."""
    model = tmp_path / "m.toml"
    model.write_text('outcome = "y"\ncluster = "g"\nfixed = ["x"]\n[random]\neffects = ["Intercept", "x"]\n')
    big = tmp_path / "big.csv"
    big.write_text("g,x,y\n" + "".join(f"{i % 5},{(i % 7 + 1) * 1e200},{i % 3}\n" for i in range(40)))
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"g,x,y\n1,2,3\n1,\xe9,4\n")
    single = tmp_path / "single.csv"
    single.write_text("g,x,y\n" + "".join(f"{i},{i % 3},{i % 5}\n" for i in range(20)))
    for data, code, where in [(big, "DA005", f"{big}"), (latin, "DA001", f"{latin}:3:3"),
                              (single, "DA005", f"{single}")]:
        for cmd in (["fit", str(model), "--data", str(data)],):
            res = CliRunner().invoke(cli, cmd)
            assert "Traceback" not in res.output and "internal error" not in res.output, res.output
            assert res.exit_code == 2, res.output
            assert code in res.output and where in res.output, res.output
