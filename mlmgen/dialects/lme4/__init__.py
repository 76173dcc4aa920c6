"""R lme4/lmerTest: tables and the three translations (render.py, syntax.py, output.py)."""
from __future__ import annotations

from ..base import Dialect


class LME4(Dialect):
    name = "lme4"
    title = "R lme4/lmerTest"
    extension = ".R"
    template = "lme4.j2"
    aliases = ("r", "lme4", "lmer", "lmertest")
    case_sensitive = True
    comment_open = "# "
    comment_close = ""

    def context(self, model, data_prep=False, import_file=None):
        from .render import context
        return context(model, data_prep, import_file)

    def parse_syntax(self, text, file=None):
        from .syntax import parse_syntax
        return parse_syntax(text, file)

    def parse_output(self, text, file=None):
        from .output import parse_output
        return parse_output(text, file)

    def sniff(self, text):
        from .syntax import sniff
        return sniff(text)
