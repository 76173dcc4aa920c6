"""Issue 16 item 1: nothing the user wrote is lost or changed beyond what was asked.

* `lint --fix` edits only the text of the statement it fixes (byte comparison of everything else, comments,
  CRLF line endings and a BOM included), in all four packages, on realistic files (tests/fix_fixtures:
  data loading, recodes, missing-value declarations, subsetting, comments, a second procedure);
  it is triggered only by findings it fixes, refuses (FX001) files whose meaning it cannot keep
  (R `update()`), and `--diff` shows the change without writing.
* No command writes over one of its inputs (WR003), through a symlink (WR004), or over an existing file
  without --force (WR002); a failed write is WR001 and leaves the original untouched.

Each test named after a reproduction of the issue failed before the fix (the comment says how).
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fix_fixtures"
EX2B = str(ROOT / "examples" / "2b_cluster_mc_random_slope.toml")


def run(*args, cwd=None):
    if cwd is None:
        return CliRunner().invoke(cli, [str(a) for a in args])
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, [str(a) for a in args])
    finally:
        os.chdir(old)


# file -> (first line, last line) of the model statement (1-based) and the fixed statement's lines
FIXED = {
    "analysis.sas": (11, 12, ["  MODEL langpost = mixgrd CMverb10 verb10 / SOLUTION DDFM=Satterthwaite;",
                              "  RANDOM INTERCEPT / TYPE=UN SUBJECT=schoolID; * random slope of the within part;"]),
    "analysis.R": (6, 6, ["m <- lmer(langpost ~ 1 + mixgrd + CMverb10 + verb10 + (1 || schoolID),"]),
    "analysis.do": (6, 6, ["mixed langpost c.mixgrd c.CMverb10 c.verb10 || schoolID:, dfmethod(satterthwaite) reml "
                           "covariance(un) // the model"]),
    "analysis.sps": (11, 12, ["  /FIXED = mixgrd CMverb10 verb10",
                              "  /RANDOM = INTERCEPT | SUBJECT(schoolID) COVTYPE(UN)."]),
}


def _expected(original: str, name: str) -> str:
    first, last, new = FIXED[name]
    lines = original.split("\n")
    return "\n".join(lines[:first - 1] + new + lines[last:])


@pytest.mark.parametrize("name", sorted(FIXED))
def test_fix_changes_only_the_fixed_statement(tmp_path, name):
    """Was: the file was re-rendered as a whole; GET FILE, RECODE, MISSING VALUES, the DATA step with
    `if age > 18;`, ods output, PROC EXPORT, read.csv, subset, saveRDS, comments were deleted."""
    original = (FIXTURES / name).read_text()
    f = tmp_path / name
    f.write_bytes(original.encode())
    res = run("lint", f, "--model", FIXTURES / "intended.toml", "--fix")
    assert f.read_bytes() == _expected(original, name).encode(), res.output
    assert not re.search(r"(error|warning) (MS001|PT001|PT002|FX001)", res.output), res.output
    # the lines outside the model statement, byte for byte
    first, last, _ = FIXED[name]
    old, new = original.split("\n"), f.read_text().split("\n")
    assert old[:first - 1] == new[:first - 1] and old[last:] == new[len(new) - len(old[last:]):]


@pytest.mark.parametrize("name", sorted(FIXED))
def test_fix_keeps_crlf_and_bom(tmp_path, name):
    original = (FIXTURES / name).read_text()
    f = tmp_path / name
    f.write_bytes(b"\xef\xbb\xbf" + original.replace("\n", "\r\n").encode())
    run("lint", f, "--model", FIXTURES / "intended.toml", "--fix")
    assert f.read_bytes() == b"\xef\xbb\xbf" + _expected(original, name).replace("\n", "\r\n").encode()


@pytest.mark.parametrize("name", sorted(FIXED))
def test_diff_shows_the_change_and_writes_nothing(tmp_path, name):
    original = (FIXTURES / name).read_bytes()
    f = tmp_path / name
    f.write_bytes(original)
    res = run("lint", f, "--model", FIXTURES / "intended.toml", "--diff")
    assert f.read_bytes() == original
    first, last, new = FIXED[name]
    assert f"--- {f}\n+++ {f} (fixed)\n" in res.output
    removed = [l[1:] for l in res.output.splitlines() if l.startswith("-") and not l.startswith("---")]
    added = [l[1:] for l in res.output.splitlines() if l.startswith("+") and not l.startswith("+++")]
    assert removed == original.decode().split("\n")[first - 1:last] and added == new, res.output


def test_info_notes_alone_change_nothing(tmp_path):
    """PT002/PT003 at info level (lme4's defaults are REML and Satterthwaite) and SY004 notes trigger no fix
    (was: any reader fix or note made the whole file be re-rendered)."""
    f = tmp_path / "m.R"
    text = ('library(lmerTest)\nd <- read.csv("d.csv")  # data\nm <- lmer(y ~ x + (1 | g), data = d)\n'
            'summary(m)\nsaveRDS(m, "m.rds")\n')
    f.write_text(text)
    res = run("lint", f, "--fix")
    assert f.read_text() == text and "fixed" not in res.output and res.exit_code == 0, res.output
    assert "info PT002" in res.output


def test_fix_keeps_an_update_it_reads(tmp_path):
    """Was: `m <- update(m, REML=FALSE)` deleted (the model silently became REML). The R reader now reads
    that update (the model is ML), so the stray term is removed and the update() line is kept byte for byte."""
    f = tmp_path / "u.R"
    text = ("library(lmerTest)\nm <- lmer(langpost ~ hw2 + mixgrd + (1 | schoolID), data = Example)\n"
            "m <- update(m, REML = FALSE)\nsummary(m)\n")
    f.write_text(text)
    model = tmp_path / "m.toml"
    model.write_text('outcome = "langpost"\ncluster = "schoolID"\nfixed = ["mixgrd"]\nmethod = "ML"\n')
    res = run("lint", f, "--model", model, "--fix")
    assert f.read_text() == text.replace("hw2 + ", ""), res.output
    assert "FX001" not in res.output


@pytest.mark.parametrize("update", ["m2 <- update(m, . ~ . + z)", "m <- update(m, weights = w)"])
def test_fix_refuses_a_file_with_update(tmp_path, update):
    """Was: `update(m, . ~ . + z)` deleted (z lost). An update() that makes a second model, or one with an
    argument mlmgen does not read, now gives FX001 naming the update() call and the file is untouched."""
    f = tmp_path / "u.R"
    text = ("library(lmerTest)\nm <- lmer(langpost ~ hw2 + mixgrd + (1 | schoolID), data = Example)\n"
            f"{update}\nsummary(m)\n")
    f.write_text(text)
    model = tmp_path / "m.toml"
    model.write_text('outcome = "langpost"\ncluster = "schoolID"\nfixed = ["mixgrd"]\n')
    res = run("lint", f, "--model", model, "--fix")
    assert f.read_text() == text
    assert re.search(r"u\.R:3:\d+: error FX001 \[fix-not-applied\] not fixed: .*update\(", res.output), res.output
    assert res.exit_code == 1
    res = run("lint", f, "--model", model, "--fix", "--format", "json")
    import json
    refused = [d for d in json.loads(res.stdout) if d["code"] == "FX001"]
    assert f.read_text() == text and len(refused) == 1 and refused[0]["line"] == 3, res.stdout


def test_fix_of_a_model_file_keeps_its_comments(tmp_path):
    f = tmp_path / "mine.toml"
    text = ('# my model\noutcome = "langpost"   # the outcome\ncluster = "schoolID"\n'
            'fixed = ["hw2", "mixgrd", "CMverb10", "verb10"]  # hw2 by mistake\n\n[random]\n'
            'effects = ["Intercept"]\ncovariance = "UN"\n')
    f.write_text(text)
    run("lint", f, "--model", FIXTURES / "intended.toml", "--fix")
    assert f.read_text() == text.replace('"hw2", ', "")


def test_fix_refused_for_a_shifted_r_contrast(tmp_path):
    """R contest() vectors are positional: removing a term would change what they test."""
    f = tmp_path / "c.R"
    text = ('m <- lmer(y ~ hw2 + x + (1|g), data=d, REML=TRUE)\nsummary(m, ddf="Satterthwaite")\n'
            'contest1D(m, L=c(0,0,1))\n')
    f.write_text(text)
    model = tmp_path / "m.toml"
    model.write_text('outcome = "y"\ncluster = "g"\nfixed = ["x"]\n')
    res = run("lint", f, "--model", model, "--fix")
    assert f.read_text() == text and "FX001" in res.output and "contest" in res.output, res.output


# ------------------------------------------------------------------------------------------ writing files

def test_translate_never_overwrites_its_source(tmp_path):
    """Was: `translate prog.sas --to sas -o .` replaced prog.sas with the rendered syntax."""
    src = tmp_path / "prog.sas"
    text = (FIXTURES / "analysis.sas").read_text()
    src.write_text(text)
    for force in ([], ["--force"]):
        res = run("translate", "prog.sas", "--to", "sas", "-o", ".", *force, cwd=tmp_path)
        assert res.exit_code == 2 and "WR003" in res.output, res.output
        assert src.read_text() == text


def test_translate_replaces_an_existing_output_only_with_force(tmp_path):
    src = tmp_path / "prog.sas"
    src.write_text((FIXTURES / "analysis.sas").read_text())
    out = tmp_path / "out"
    out.mkdir()
    (out / "prog.R").write_text("# my own R script\n")
    res = run("translate", src, "--to", "r", "-o", out)
    assert res.exit_code == 2 and "WR002" in res.output and (out / "prog.R").read_text() == "# my own R script\n"
    res = run("translate", src, "--to", "r", "-o", out, "--force")
    assert res.exit_code in (0, 1) and "lmer(" in (out / "prog.R").read_text(), res.output


def test_translate_never_overwrites_a_hard_link_of_its_source(tmp_path):
    src = tmp_path / "prog.sas"
    src.write_text((FIXTURES / "analysis.sas").read_text())
    (tmp_path / "out").mkdir()
    os.link(src, tmp_path / "out" / "prog.sas")
    res = run("translate", src, "--to", "sas", "-o", tmp_path / "out", "--force")
    assert res.exit_code == 2 and "WR003" in res.output


def test_fit_blups_never_replace_the_data(tmp_path):
    """Was: `fit --data mydata.csv --blups mydata.csv` replaced the data with the BLUP rows (exit 0)."""
    data = tmp_path / "mydata.csv"
    shutil.copy(ROOT / "examples" / "demo_data.csv", data)
    before = data.read_bytes()
    res = run("fit", EX2B, "--data", data, "--blups", data, "--force")
    assert res.exit_code == 2 and "WR003" in res.output and data.read_bytes() == before, res.output


def test_fit_blups_replace_an_existing_file_only_with_force(tmp_path):
    out = tmp_path / "blups.csv"
    out.write_text("keep me\n")
    res = run("fit", EX2B, "--data", ROOT / "examples" / "demo_data.csv", "--blups", out)
    assert res.exit_code == 2 and "WR002" in res.output and out.read_text() == "keep me\n"
    res = run("fit", EX2B, "--data", ROOT / "examples" / "demo_data.csv", "--blups", out, "--force")
    assert res.exit_code == 0 and out.read_text().startswith("schoolID,Intercept,"), res.output


def test_render_does_not_follow_a_planted_symlink(tmp_path):
    """Was: `render -o DIR` wrote through DIR/2b_cluster_mc_random_slope.sas -> victim, overwriting it."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "2b_cluster_mc_random_slope.sas").symlink_to(victim)
    for force in ([], ["--force"]):
        res = run("render", EX2B, "--to", "sas", "-o", out, *force)
        assert res.exit_code == 2 and "WR004" in res.output, res.output
        assert victim.read_text() == "precious\n" and (out / "2b_cluster_mc_random_slope.sas").is_symlink()


def test_render_replaces_existing_files_only_with_force_and_writes_none_on_refusal(tmp_path):
    """Was: every -o overwrote existing files silently. A refusal for one package writes no package."""
    (tmp_path / "2b_cluster_mc_random_slope.do").write_text("mine\n")
    res = run("render", EX2B, "-o", tmp_path)
    assert res.exit_code == 2 and "WR002" in res.output and "--force" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2b_cluster_mc_random_slope.do"]
    res = run("render", EX2B, "-o", tmp_path, "--force")
    assert res.exit_code == 0, res.output
    assert "mixed langpost" in (tmp_path / "2b_cluster_mc_random_slope.do").read_text()
    assert len(list(tmp_path.iterdir())) == 4 and not list(tmp_path.glob(".*"))     # no temporary file left


def test_render_never_overwrites_its_model_file(tmp_path):
    model = tmp_path / "m.toml"
    shutil.copy(EX2B, model)
    before = model.read_bytes()
    from mlmgen.files import write_atomic
    from mlmgen.diagnostics import MlmgenError
    with pytest.raises(MlmgenError) as e:
        write_atomic(model, "x", inputs=[str(model)], force=True)
    assert e.value.diagnostics[0].code == "WR003" and model.read_bytes() == before


def test_a_failed_write_leaves_the_original_untouched(tmp_path, monkeypatch):
    """Was: a failed write left a 1,483-byte file truncated to 1,024 bytes, reported as CL001."""
    import mlmgen.files as files
    target = tmp_path / "2b_cluster_mc_random_slope.sas"
    original = b"x" * 1483
    target.write_bytes(original)

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    res = run("render", EX2B, "--to", "sas", "-o", tmp_path, "--force")
    assert res.exit_code == 2 and re.search(r"error WR001 \[write-failed\] cannot write .*No space left", res.output)
    assert "CL001" not in res.output
    assert target.read_bytes() == original and sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_lint_fix_keeps_the_file_mode(tmp_path):
    f = tmp_path / "analysis.sas"
    shutil.copy(FIXTURES / "analysis.sas", f)
    f.chmod(0o640)
    run("lint", f, "--model", FIXTURES / "intended.toml", "--fix")
    assert f.stat().st_mode & 0o777 == 0o640 and "hw2" not in f.read_text().split("MODEL")[1].split(";")[0]


VARIANTS = {   # the lecture's 4d with a smushed random slope (verb10 for WCverb), and mixgrd*CMverb10 dropped in SAS
    "4d_sas.sas": [("RANDOM INTERCEPT WCverb", "RANDOM INTERCEPT verb10"), (" mixgrd*CMverb10", "")],
    "4d_lme4.R": [("1+WCverb|", "1+verb10|")],
    "4d_stata.do": [("schoolID: WCverb", "schoolID: verb10")],
    "4d_spss.sps": [("INTERCEPT WCverb |", "INTERCEPT verb10 |"), (" verb10 WCverb", " verb10")],
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_fixes_touching_one_slope_are_made_in_model_order(tmp_path, name):
    """MS001 (remove slope verb10), RE001 (swap verb10 for WCverb) and MS006 (add slope WCverb) all touch
    one slope: they are made as apply_edits makes them (removal, then the addition; the swap is moot), the
    file lints clean, and the lines outside the model command are unchanged."""
    from mlmgen.commands.lint import parse_file
    text = (ROOT / "reference_outputs" / "lecture" / "syntax" / name).read_text()
    for old, new in VARIANTS[name]:
        assert old in text
        text = text.replace(old, new)
    f = tmp_path / name
    f.write_text(text)
    cmd = parse_file(str(f)).locations["command"]
    args = ["--data", ROOT / "examples" / "demo_data.csv", "--model",
            ROOT / "examples" / "4d_hybrid_unsmushed_cross_level.toml"]
    res = run("lint", f, *args, "--fix")
    assert res.exit_code == 0 and res.output.rstrip().endswith("no findings"), res.output
    old_lines, new_lines = text.split("\n"), f.read_text().split("\n")
    assert len(old_lines) == len(new_lines)
    changed = [i + 1 for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
    assert changed and all(cmd.line <= n <= cmd.end_line or name.endswith(".sas") and n <= 5 for n in changed)


REFERENCE = ('outcome = "y"\ncluster = "g"\nfixed = ["x", "z"]\nmethod = "ML"\nddf = "Kenward-Roger"\n'
             '[random]\neffects = ["Intercept", "x"]\ncovariance = "{cov}"\n')


@pytest.mark.parametrize("name,cov,text,expected", [
    ("c.sas", "UN",
     "PROC MIXED DATA=d METHOD=ML /* not ; here */;\n  CLASS g;\n  MODEL y = x /* a / b ; */ / SOLUTION DDFM=KR;\n"
     "  RANDOM INTERCEPT x / SUBJECT=g /* ; */;\nRUN;\n",
     "PROC MIXED DATA=d METHOD=ML /* not ; here */;\n  CLASS g;\n  MODEL y = x z /* a / b ; */ / SOLUTION DDFM=KR;\n"
     "  RANDOM INTERCEPT x / TYPE=UN SUBJECT=g /* ; */;\nRUN;\n"),
    ("c.R", "VC",
     "m <- lmer(y ~ x + (1 + x || g), data = d  # the data )\n)\nsummary(m, ddf = \"Kenward-Roger\")\n",
     "m <- lmer(y ~ x + z + (1 + x || g), data = d, REML=FALSE  # the data )\n)\n"
     "summary(m, ddf = \"Kenward-Roger\")\n"),
    ("c.do", "UN",
     "mixed y c.x || g: x /* , not here */ // comment, with comma\n",
     "mixed y c.x c.z || g: x, ml covariance(un) /* , not here */ // comment, with comma\n"),
])
def test_fix_never_writes_into_a_comment(tmp_path, name, cov, text, expected):
    """Delimiters inside comments (`;`, `/`, `)`, `,`) are not taken for syntax: terms and options go where
    the package reads them, and the comments stay as written."""
    f = tmp_path / name
    f.write_text(text)
    model = tmp_path / "m.toml"
    model.write_text(REFERENCE.format(cov=cov))
    res = run("lint", f, "--model", model, "--fix")
    assert f.read_text() == expected, res.output


INSERT_REF = ('outcome = "y"\ncluster = "g"\nfixed = ["x", "z"]\nmethod = "ML"\nddf = "Kenward-Roger"\n'
              '[random]\neffects = ["Intercept", "x", "z"]\ncovariance = "UN"\n')


@pytest.mark.parametrize("name,text,expected", [
    ("s.sas", "PROC MIXED DATA=d;\n  CLASS g;\n  MODEL y = x / SOLUTION;\n  RANDOM INTERCEPT x / SUBJECT=g;\nRUN;\n",
     "PROC MIXED DATA=d METHOD=ML;\n  CLASS g;\n  MODEL y = x z / SOLUTION;\n"
     "  RANDOM INTERCEPT x z / TYPE=UN SUBJECT=g;\nRUN;\n"),
    ("s.sps", "MIXED y BY g WITH x\n  /FIXED = x\n  /RANDOM = INTERCEPT x | SUBJECT(g).\n",
     "MIXED y BY g WITH x z\n  /METHOD = ML\n  /FIXED = x z\n  /RANDOM = INTERCEPT x z | SUBJECT(g) COVTYPE(UN).\n"),
    ("t.sps", "MIXED y BY g WITH x\n  /CRITERIA = CIN(95)\n  /FIXED = x\n  /RANDOM = INTERCEPT x | SUBJECT(g)\n.\n",
     "MIXED y BY g WITH x z\n  /METHOD = ML\n  /CRITERIA = CIN(95)\n  /FIXED = x z\n"
     "  /RANDOM = INTERCEPT x z | SUBJECT(g) COVTYPE(UN)\n.\n"),
    ("s.do", "mixed y c.x || g: x\n", "mixed y c.x c.z || g: x z, ml covariance(un)\n"),
])
def test_settings_and_terms_added_where_the_package_reads_them(tmp_path, name, text, expected):
    """Several fixes of one command (a term, a slope, the method, the covariance): each at its own place,
    one option list opened once, a new SPSS variable declared once (was: `WITH x z z`, `/METHOD = ML
    COVTYPE(UN)`, `, ml, covariance(un)`, refused by the read-back check)."""
    f = tmp_path / name
    f.write_text(text)
    model = tmp_path / "m.toml"
    model.write_text(INSERT_REF)
    res = run("lint", f, "--model", model, "--fix")
    assert f.read_text() == expected, res.output
    assert "FX001" not in res.output and not re.search(r"(error|warning) (MS006|PT001|PT002)", res.output)
