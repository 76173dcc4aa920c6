"""Derived variables at any depth (issue 16 item 4): a chain of 1,000 definitions loads, renders and is
computed without recursion; the cycle check finds every cycle exactly once. Timing is in
benchmarks/scaling.py, not here."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlmgen.data import prepare
from mlmgen.diagnostics import MlmgenError
from mlmgen.modelfile import loads_model
from mlmgen.render import render
from mlmgen.variables import VariableDef, cycles, dependency_order, raw_source

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from scaling import chain_model_text  # noqa: E402


def test_chain_of_1000_loads_renders_and_is_computed():
    m = loads_model(chain_model_text(1000))
    assert m.raw_variables() == ("y", "g", "x")
    for pkg in ("sas", "lme4", "stata", "spss"):
        assert "v1000" in render(m, pkg, data_prep=True)
    rng = np.random.default_rng(2)
    g = np.repeat(np.arange(20), 5)
    frame = pd.DataFrame({"g": g, "x": rng.normal(size=100), "y": rng.normal(size=100)})
    out, rep = prepare(m, frame)
    # v1 = x - 1, v2 = v1 - mean(v1) by g, v3 = v2 - 1, v4 = v3 - mean(v3) by g = v2 - mean(v2) = v2 (mean 0)...
    x = frame["x"] - 1
    w = x - x.groupby(g).transform("mean")                  # v2; every later pair leaves it shifted by -1 then 0
    np.testing.assert_allclose(out["v1000"].to_numpy(), w.to_numpy(), atol=1e-9)
    assert len(rep.derived) == 1000


def _defs(pairs):
    return {n: VariableDef(n, "shift", s) for n, s in pairs}


def test_cycles_are_found_once_each():
    defs = _defs([("a", "b"), ("b", "c"), ("c", "a"),      # a cycle of three
                  ("t", "a"),                               # a tail into it (not a cycle itself)
                  ("s", "s"),                               # a self-definition
                  ("u", "x"), ("v", "u")])                  # fine
    found = cycles(defs)
    assert sorted(map(sorted, found)) == [["a", "b", "c"], ["s"]]
    with pytest.raises(MlmgenError) as e:
        loads_model('outcome = "y"\ncluster = "g"\nfixed = ["v"]\n[variables]\n'
                    'a = "b - 1"\nb = "a - 1"\nv = "x - 1"\nt = "a - 2"\n')
    msgs = [d.message for d in e.value.diagnostics]
    assert len(msgs) == 1 and "circular definition a -> b -> a" in msgs[0]


def _recursive_order(defs, roots):
    """The earlier recursive definition of the order, as the reference."""
    out: list[str] = []

    def need(n):
        if n in defs and n not in out:
            need(defs[n].source)
            out.append(n)
    for r in roots:
        need(r)
    return out


@pytest.mark.parametrize("seed", range(30))
def test_dependency_order_equals_the_recursive_definition_on_random_forests(seed):
    rng = random.Random(seed)
    names = [f"v{i}" for i in range(40)]
    pairs = []
    for i, n in enumerate(names):          # sources only among earlier names or raw: no cycles
        src = rng.choice(["x", "z"] + names[:i]) if i else "x"
        pairs.append((n, src))
    rng.shuffle(pairs)
    defs = _defs(pairs)
    roots = rng.sample(names, 8) + ["y"]
    assert dependency_order(defs, roots) == _recursive_order(defs, roots)
    for r in roots:
        s = r
        while s in defs:
            s = defs[s].source
        assert raw_source(r, defs) == s
