import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ files from the current output (review the diff!)")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Tell rtools which test is running (before its fixtures are set up), so that R is only ever run by a
    test marked @pytest.mark.r: `-m "not r"` is then an offline run (rtools.require_r fails unmarked callers)."""
    import rtools
    rtools.CURRENT_TEST = item


def pytest_runtest_teardown(item):
    import rtools
    rtools.CURRENT_TEST = None


@pytest.fixture
def regen_golden(request):
    return request.config.getoption("--regen-golden")


@pytest.fixture
def r():
    """Skip unless Rscript with lme4, lmerTest, pbkrtest and mlmRev is available (the test must be marked r)."""
    from rtools import require_r
    require_r()
