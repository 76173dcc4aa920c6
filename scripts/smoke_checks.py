"""The checks of scripts/smoke.sh: run an installed `mlmgen` the way a new user would and assert exit codes and
content. Run from an empty temporary directory outside the checkout; the few input files are copied into it
from the repository (`--inputs`), everything else (templates, the demo model and data) must come from the
installed package.

    python scripts/smoke_checks.py --mlmgen /path/to/venv/bin/mlmgen --inputs /path/to/repository

Exit 0 when every check passes; otherwise every failed check is listed and the exit code is 1.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

MODEL = "2b_cluster_mc_random_slope.toml"
INPUTS = {  # repository path -> name in the run directory
    f"examples/{MODEL}": MODEL,
    "examples/demo_data.csv": "demo_data.csv",
    "examples/4a_hybrid_fixed_main_effects.toml": "4a.toml",
    "reference_outputs/lecture/syntax/4a_sas.sas": "4a_lecture.sas",
    "reference_outputs/r/rendered_2b_cluster_mc_random_slope.out": "2b_lmertest.out",
}

failures: list[str] = []


def run(mlmgen: str, *args: str, expect: int, contains: tuple[str, ...] = (), stdin: str | None = None):
    """Run `mlmgen args`; record a failure unless the exit code is `expect` and the output has every string."""
    proc = subprocess.run([mlmgen, *args], capture_output=True, text=True, input=stdin, timeout=600)
    label = "mlmgen " + " ".join(args)
    out = proc.stdout + proc.stderr
    problems = []
    if proc.returncode != expect:
        problems.append(f"exit {proc.returncode}, expected {expect}")
    problems += [f"output lacks {s!r}" for s in contains if s not in out]
    if problems:
        failures.append(f"{label}: {'; '.join(problems)}\n    stdout: {proc.stdout[:600]!r}\n"
                        f"    stderr: {proc.stderr[:600]!r}")
        print(f"FAIL {label}")
    else:
        print(f"ok   {label}")
    return proc


def check(condition: bool, label: str) -> None:
    if condition:
        print(f"ok   {label}")
    else:
        failures.append(label)
        print(f"FAIL {label}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mlmgen", required=True, help="the installed mlmgen executable")
    ap.add_argument("--inputs", required=True, help="the repository, to copy the input files from")
    a = ap.parse_args()
    m, repo, here = a.mlmgen, Path(a.inputs), Path.cwd()
    if here.resolve().is_relative_to(repo.resolve()):
        print("smoke_checks: run me from a directory outside the checkout", file=sys.stderr)
        return 2
    for src, dst in INPUTS.items():
        shutil.copy(repo / src, here / dst)

    # 1. demo: the model, the four packages' syntax, the data and the fits, all from the installed package
    run(m, "demo", expect=0, contains=("PROC MIXED", "lmer(", "mixed langpost", "MIXED langpost",
                                       "demo_data.csv", "The reference fit", "fixed CMverb10"))
    run(m, "--version", expect=0, contains=("mlmgen",))

    # 2. render to all four packages, to stdout and to files
    run(m, "render", MODEL, "--to", "sas", "--data-prep", expect=0, contains=("PROC MIXED", "DDFM=Satterthwaite", "MEAN(verbal)"))
    run(m, "render", MODEL, "--to", "lme4", expect=0, contains=("lmer(", "(1+WCverb|schoolID)"))
    run(m, "render", MODEL, "--to", "stata", expect=0, contains=("mixed langpost", "|| schoolID:"))
    run(m, "render", MODEL, "--to", "spss", expect=0, contains=("MIXED langpost", "/RANDOM"))
    run(m, "render", MODEL, "--to", "all", "-o", "rendered", expect=0)
    stem = Path(MODEL).stem
    for ext, marker in ((".sas", "PROC MIXED"), (".R", "lmer("), (".do", "mixed langpost"), (".sps", "MIXED")):
        f = here / "rendered" / f"{stem}{ext}"
        check(f.is_file() and marker in f.read_text(encoding="utf-8"), f"render -o wrote {f.name} with {marker!r}")
    run(m, "render", "--formula", "langpost ~ 1 + verbal + (1 + verbal | schoolID)", "--to", "sas", expect=0,
        contains=("PROC MIXED",))

    # 3. translate, parse, same, lint
    sas = f"rendered/{stem}.sas"
    run(m, "translate", sas, "--to", "lme4", expect=0, contains=("lmer(", "(1+WCverb|schoolID)"))
    proc = run(m, "parse", f"rendered/{stem}.do", expect=0)
    try:
        parsed = tomllib.loads(proc.stdout)
        check(parsed.get("outcome") == "langpost" and parsed.get("cluster") == "schoolID"
              and "WCverb" in parsed.get("fixed", []), "parse printed a model file with the model's outcome, "
                                                           "cluster and fixed terms")
    except tomllib.TOMLDecodeError as exc:
        check(False, f"parse printed valid TOML ({exc})")
    run(m, "same", MODEL, sas, f"rendered/{stem}.R", f"rendered/{stem}.do", f"rendered/{stem}.sps", expect=0)
    run(m, "lint", sas, f"rendered/{stem}.R", "--model", MODEL, expect=0)
    run(m, "lint", "4a_lecture.sas", "--model", "4a.toml", expect=1, contains=("MS001", "hw2"))
    run(m, "rules", expect=0, contains=("RE001",))

    # 4. fit: the reference fit as JSON, with the fixed effects and covariance parameters
    proc = run(m, "fit", MODEL, "--data", "demo_data.csv", "--style", "json", expect=0)
    try:
        fit = json.loads(proc.stdout)
        terms = [f["term"] for f in fit.get("fixed", [])]
        check(terms == ["Intercept", "hw2", "mixgrd", "CMverb10", "WCverb"],
              f"fit --style json has the fixed effects (got {terms})")
        check(fit.get("n_obs") == 1408 and fit.get("n_clusters") == 60, "fit --style json has N = 1408, 60 clusters")
        check(fit.get("converged") is True, "fit converged")
    except json.JSONDecodeError as exc:
        check(False, f"fit --style json printed JSON ({exc})")
    proc = run(m, "fit", MODEL, "--data", "demo_data.csv", "--style", "sas", expect=0,
               contains=("Solution for Fixed Effects", "Covariance Parameter Estimates"))
    (here / "mlmgen_fit.lst").write_text(proc.stdout, encoding="utf-8")

    # 5. diff: its own SAS-style listing and a real lmerTest summary of the same model agree (exit 0)
    run(m, "diff", MODEL, "--data", "demo_data.csv", "mlmgen_fit.lst", expect=0, contains=("exit 0",))
    run(m, "diff", MODEL, "--data", "demo_data.csv", "2b_lmertest.out", expect=0, contains=("exit 0",))

    # 6. a missing input file is a coded "no such file" error (exit 2) in every command
    for args in (["parse", "nofile.sas"], ["translate", "nofile.sas", "--to", "sas"], ["lint", "nofile.sas"],
                 ["same", "nofile.sas", sas], ["render", "nofile.toml", "--to", "sas"],
                 ["fit", "nofile.toml", "--data", "demo_data.csv"], ["fit", MODEL, "--data", "nofile.csv"],
                 ["diff", "nofile.lst"], ["lint", sas, "--data", "nofile.csv"], ["lint", sas, "--model", "no.toml"]):
        run(m, *args, expect=2, contains=("IO001", "no such file"))

    if failures:
        print(f"\n{len(failures)} smoke check(s) failed:", file=sys.stderr)
        for f in failures:
            print("  - " + f, file=sys.stderr)
        return 1
    print("all smoke checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
