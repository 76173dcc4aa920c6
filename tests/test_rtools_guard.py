"""The guard that keeps `pytest -m "not r"` an offline run: R entry points fail a test not marked `r`."""
import pytest

import rtools


def test_unmarked_test_calling_r_fails_before_r_is_looked_for(monkeypatch):
    called = []
    monkeypatch.setattr(rtools, "r_status", lambda: called.append(1))
    for entry in (rtools.require_r, lambda: rtools.run_r("1"), lambda: rtools.r_dataset_csv("sleepstudy")):
        with pytest.raises(pytest.fail.Exception, match="not marked @pytest.mark.r"):
            entry()
    assert called == []          # Rscript was never looked for


@pytest.mark.r
def test_marked_test_passes_the_guard():
    rtools.check_marked()        # no failure; R itself is not needed for this check
    assert rtools.CURRENT_TEST is not None and rtools.CURRENT_TEST.get_closest_marker("r")
