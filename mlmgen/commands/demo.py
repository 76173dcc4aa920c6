"""`mlmgen demo`: the main job on built-in material, section by section.

The lecture's model 2b (examples/2b_cluster_mc_random_slope.toml) rendered for SAS, R, Stata and SPSS
(with the data-preparation code that creates its centred variables), then the demo data set it is
meant for (examples/demo_data.csv, simulated by mlmgen.demo), then the engine's fit of 2b on it as each
package would print it. Each section is a (title, text) pair from `demo_sections()`.
"""
from __future__ import annotations

import click

from . import handle_errors

DEMO_EXAMPLE = "2b_cluster_mc_random_slope.toml"


def model_section():
    from ..demo import examples_dir
    from ..modelfile import load_model
    path = examples_dir() / DEMO_EXAMPLE
    model = load_model(path)
    text = path.read_text(encoding="utf-8").rstrip("\n")
    return model, (f"The model: lecture example 2b ({path.name})", text)


def render_sections(model) -> list[tuple[str, str]]:
    from ..dialects import DIALECTS
    from ..render import render
    return [(f"{d.title} (with --data-prep)", render(model, name, data_prep=True).rstrip("\n"))
            for name, d in DIALECTS.items()]


def data_section() -> tuple[str, str]:
    from ..demo import DEMO_SEED, demo_data_path, load_demo_data
    df = load_demo_data()
    sizes = df.groupby("schoolID").size()
    lines = [f"{demo_data_path().name}: {len(df)} pupils in {sizes.size} schools "
             f"({sizes.min()} to {sizes.max()} pupils per school), simulated from model 2b with the lecture's "
             f"SAS estimates as true values (seed {DEMO_SEED}; scripts/simulate_demo_data.py).",
             "", f"{'variable':<10}{'mean':>10}{'sd':>10}{'min':>10}{'max':>10}   level"]
    level = {"schoolID": "cluster id", "homework": "school", "mixgrd": "school"}
    for col in df.columns:
        s = df[col]
        lines.append(f"{col:<10}{s.mean():>10.3f}{s.std():>10.3f}{s.min():>10g}{s.max():>10g}   "
                     f"{level.get(col, 'pupil')}")
    lines += ["", "The rendered code creates hw2, CMverb10 and WCverb from these raw variables in each package."]
    return "Demo data", "\n".join(lines)


def fit_section(model) -> tuple[str, str]:
    """The engine's REML fit of the model on the demo data, shown as each package would print it."""
    from ..api import fit
    from ..demo import load_demo_data
    from ..report import side_by_side
    f = fit(model, load_demo_data())
    r, opt = f.result, f.result.optimisation
    lines = [f"mlmgen's {r.method.upper()} fit of 2b on the demo data: {r.n_obs} rows, {r.n_clusters} clusters; "
             f"{opt.evaluations} evaluations, gradient norm {opt.gradient_norm:.1e}, "
             f"{'converged' if opt.converged else 'NOT converged'} in {opt.seconds:.2f} s.",
             "Each column is what that package prints for the same number (information criteria differ by "
             "package convention, not by fit):", "", side_by_side(r, model), "",
             "Full listings: mlmgen fit examples/2b_cluster_mc_random_slope.toml --data examples/demo_data.csv "
             "--style sas|lme4|stata|spss|json"]
    lines += [f"note: {n}" for n in r.notes]
    return "The reference fit (mlmgen engine)", "\n".join(lines)


def demo_sections() -> list[tuple[str, str]]:
    model, first = model_section()
    return [first] + render_sections(model) + [data_section(), fit_section(model)]


def print_sections(sections: list[tuple[str, str]]) -> None:
    for i, (title, body) in enumerate(sections, 1):
        if i > 1:
            click.echo("")
        head = f"== {i}. {title} "
        click.echo(head + "=" * max(3, 78 - len(head)))
        click.echo(body)


@click.command("demo")
@handle_errors
def demo_cmd():
    """Render the lecture's model 2b for SAS, R, Stata and SPSS, describe the demo data and fit 2b on it."""
    print_sections(demo_sections())
    click.echo("")
    click.echo("Next: mlmgen render MODEL.toml --to sas|r|stata|spss|all [--data-prep] [-o DIR] "
               "(examples/ holds the lecture's seven models).")
