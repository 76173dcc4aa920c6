"""Damaged output never crashes a reader: truncated, line-dropped, shuffled or garbled copies of the real
reference outputs either read or raise MlmgenError with an OU code (bad input -> exit 2, never a traceback)."""
import random
from pathlib import Path

import pytest

from mlmgen.diagnostics import MlmgenError
from mlmgen.outputs import read_output

ROOT = Path(__file__).resolve().parent.parent / "reference_outputs"
FILES = sorted(p for p in ROOT.rglob("*") if p.suffix in (".txt", ".out", ".csv", ".lst", ".log")
               and "syntax" not in p.parts)


def damaged(text: str, rng: random.Random) -> list[str]:
    lines = text.split("\n")
    out = [text[: rng.randrange(len(text) + 1)]]
    k = rng.randrange(len(lines))
    out.append("\n".join(lines[:k] + lines[k + 1:]))
    shuffled = lines[:]
    rng.shuffle(shuffled)
    out.append("\n".join(shuffled))
    chars = list(text)
    for _ in range(max(1, len(chars) // 50)):
        chars[rng.randrange(len(chars))] = rng.choice("0123456789.-|<>()\t ,:ab*#")
    out.append("".join(chars))
    out.append("\n".join(ln[: rng.randrange(len(ln) + 1)] for ln in lines))
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_damaged_outputs_read_or_fail_with_a_code(path):
    rng = random.Random(path.name)
    text = path.read_text(encoding="utf-8")
    for _ in range(6):
        for t in damaged(text, rng):
            for pkg in (None, "sas", "lme4", "stata", "spss"):
                try:
                    read_output(t, "damaged.txt", package=pkg)
                except MlmgenError as e:
                    assert e.diagnostics and e.diagnostics[0].code.startswith("OU")
