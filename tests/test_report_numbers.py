"""Stata's %9.0g number format, checked on numbers printed in real Stata logs."""
import pytest

from mlmgen.report.stata import stata_g


@pytest.mark.parametrize("x, text", [
    (0.0254462, ".0254462"),     # real logs: positive numbers never take the sign's column
    (0.02569829, ".0256983"),
    (0.0000643, ".0000643"),
    (-0.0001229, "-.0001229"),
    (0.2765987, ".2765987"),
    (-0.1491218, "-.1491218"),
    (5.522278, "5.522278"),
    (-0.2135079, "-.2135079"),
    (3.39e-37, "3.39e-37"),
    (1408.0, "1408"),
])
def test_stata_percent_9_0g(x, text):
    assert stata_g(x) == text


def test_stata_percent_10_0g_log_likelihood():
    assert stata_g(-21576.049, 10) == "-21576.049"
