"""Handouts as a person sees them: opened in headless Chromium (marker `browser`; skipped without Chromium,
see tests/browser.py and scripts/install-browser.sh).

* the lab handout of the lecture's seven models (and the 2b handout with its plots) loads without console
  messages, exceptions, log errors or any network request (DevTools protocol);
* the DOM as the browser built it: seven model sections, each with equations (MathML laid out with a
  non-zero size), four program blocks and four output blocks with text, the three plots of 2b as inline SVG
  with the model's variable names as axis labels;
* a screenshot of the 2b handout equals the stored one (tests/golden/handout/2b_demo.png, grayscale at half
  size) within a tolerance: at most 2% of pixels differ by more than 40 grey levels (fonts antialias a little
  differently between machines; a missing style sheet, equation or plot changes far more);
* printed to PDF: every model after the first starts a page (its heading is the first text of a page; the
  first follows the title on page 1) and the page count is
  the stored one (tests/golden/handout/pages.json) within one page.

Regenerate the golden files with `pytest tests/test_handout_browser.py --regen-golden` and look at them.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from browser import dump_dom, print_to_pdf, require_chromium, screenshot, watch_load
from mlmgen.handout import build, write_html
from mlmgen.modelfile import load_model

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
EX = {p.name.split("_")[0]: p for p in sorted((ROOT / "examples").glob("*.toml"))}
GOLDEN = ROOT / "tests" / "golden" / "handout"


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The seven-model lab handout and the 2b handout, built from relative paths (stable page text)."""
    require_chromium()
    pytest.importorskip("matplotlib")
    d = tmp_path_factory.mktemp("handouts")
    shutil.copy(ROOT / "examples" / "demo_data.csv", d / "demo_data.csv")
    import os
    old = os.getcwd()
    os.chdir(d)
    try:
        seven = write_html(build([(load_model(p), str(p)) for p in EX.values()], "demo_data.csv",
                                 title="Lab: the lecture's seven models"))
        one = write_html(build([(load_model(EX["2b"]), str(EX["2b"]))], "demo_data.csv", title="Lab: model 2b"))
    finally:
        os.chdir(old)
    (d / "seven.html").write_text(seven, encoding="utf-8")
    (d / "2b.html").write_text(one, encoding="utf-8")
    return d


DOM_FACTS = {
    "sections": "document.querySelectorAll('section.model').length",
    "per_section": """[...document.querySelectorAll('section.model')].map(s => ({
        model: s.dataset.model,
        maths: [...s.querySelectorAll('.equations math')].map(m => {const r = m.getBoundingClientRect();
                                                                  return r.width > 20 && r.height > 8;}),
        programs: [...s.querySelectorAll('.program pre code')].map(c => c.textContent.length),
        outputs: [...s.querySelectorAll('.output pre samp')].map(c => c.textContent.length),
        plots: [...s.querySelectorAll('figure svg')].map(f => f.getBoundingClientRect().width),
        plot_text: [...s.querySelectorAll('figure')].map(f => f.dataset.kind + ':' + f.querySelector('svg').textContent),
        imports: [...s.querySelectorAll('.program pre code')].map(c => c.textContent.includes('demo_data.csv'))}))""",
    "overflowing_text": """[...document.querySelectorAll('.program pre')].filter(p => p.scrollWidth > p.clientWidth + 1).length""",
}


@pytest.mark.parametrize("name", ["seven.html", "2b.html"])
def test_loads_without_errors_or_network(pages, name):
    seen = watch_load(pages / name, expressions=DOM_FACTS)
    assert seen["exceptions"] == [] and seen["console"] == [], seen
    assert [e for e in seen["log"] if e[0] in ("error", "warning")] == [], seen["log"]
    assert seen["requests"] == [], seen["requests"]
    v = seen["values"]
    assert v.get("sections") is not None, seen
    expected = 7 if name == "seven.html" else 1
    assert v["sections"] == expected
    for s in v["per_section"]:
        assert len(s["maths"]) >= 5 and all(s["maths"]), s["model"]         # equations laid out
        assert len(s["programs"]) == 4 and min(s["programs"]) > 200, s["model"]
        assert all(s["imports"]), s["model"]                                 # every program reads the data
        assert len(s["outputs"]) == 4 and min(s["outputs"]) > 500, s["model"]
        assert len(s["plots"]) == 3 and min(s["plots"]) > 200, s["model"]
    assert v["overflowing_text"] == 0, v                                        # programs wrap, nothing cut off
    if name == "2b.html":
        texts = dict(t.split(":", 1) for t in v["per_section"][0]["plot_text"])
        assert "WCverb" in texts["spaghetti"] and "predicted langpost" in texts["spaghetti"]
        assert "BLUP of random slope of WCverb" in texts["caterpillar"]
        assert "model-implied variance of langpost" in texts["variance"]


def test_dump_dom_has_the_blocks(pages):
    dom = dump_dom(pages / "seven.html")
    assert dom.count('<section class="model"') == 7
    assert dom.count("<math") >= 7 * 5
    assert dom.count('<pre><code class="language-') == 28
    assert dom.count("<samp>") == 28
    assert 'class="lrt"' in dom and "ES001" in dom


def _grey_half(png: Path):
    from PIL import Image
    im = Image.open(png).convert("L")
    return im.resize((im.width // 2, im.height // 2))


def test_screenshot_matches_the_stored_one(pages, tmp_path, regen_golden):
    pytest.importorskip("PIL")
    import numpy as np
    shot = _grey_half(screenshot(pages / "2b.html", tmp_path / "2b.png"))
    golden = GOLDEN / "2b_demo.png"
    if regen_golden or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        shot.save(golden, optimize=True)
        if not regen_golden:
            pytest.fail(f"wrote {golden}: no stored screenshot yet, look at it and rerun")
    ref = _grey_half_from(golden)
    assert shot.size == ref.size
    a, b = np.asarray(shot, dtype=int), np.asarray(ref, dtype=int)
    differing = float(np.mean(np.abs(a - b) > 40))
    assert differing <= 0.02, f"{differing:.2%} of pixels differ from {golden}"
    # the tolerance still sees a page without its style sheet
    bare = (pages / "2b.html").read_text(encoding="utf-8").split("<style>")[0] + \
        (pages / "2b.html").read_text(encoding="utf-8").split("</style>")[1]
    (tmp_path / "bare.html").write_text(bare, encoding="utf-8")
    c = np.asarray(_grey_half(screenshot(tmp_path / "bare.html", tmp_path / "bare.png")), dtype=int)
    assert float(np.mean(np.abs(c - b) > 40)) > 0.02


def _grey_half_from(png: Path):
    from PIL import Image
    return Image.open(png).convert("L")


def _pdf_pages(pdf: Path) -> list[str]:
    pypdf = pytest.importorskip("pypdf")
    return [(p.extract_text() or "") for p in pypdf.PdfReader(str(pdf)).pages]


def test_prints_to_pdf_one_model_per_page_start(pages, tmp_path, regen_golden):
    texts = _pdf_pages(print_to_pdf(pages / "seven.html", tmp_path / "seven.pdf"))
    labels = [p.name.split("_")[0] for p in EX.values()]
    starts = {}
    for k, t in enumerate(texts):
        first = t.strip().splitlines()[0] if t.strip() else ""
        for lab in labels:
            if first.startswith(f"{lab}: ("):
                starts[lab] = k
    if labels[0] not in starts and f"{labels[0]}: (" in texts[0]:
        starts[labels[0]] = 0                   # the first model follows the page title on page 1
    assert sorted(starts) == sorted(labels), starts
    assert sorted(starts.values()) == [starts[lab] for lab in labels]           # in the lab's order
    stored = GOLDEN / "pages.json"
    if regen_golden or not stored.exists():
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(json.dumps({"seven.html": len(texts)}, indent=1) + "\n")
        if not regen_golden:
            pytest.fail(f"wrote {stored}: no stored page count yet, rerun")
    assert abs(len(texts) - json.loads(stored.read_text())["seven.html"]) <= 1
