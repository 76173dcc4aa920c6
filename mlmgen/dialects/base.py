"""What a dialect is: tables plus three translations (model -> syntax, syntax -> model, output -> FitResult).

A dialect renders a `Model` through its Jinja2 template (`templates/<name>.j2`), fed by `context(model)`,
which decides every setting (the template only prints); parses the package's syntax back into a `Model`
(`ParsedSyntax`, with the location of every piece and what was written explicitly); and reads the
package's printed output into a `FitResult`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..diagnostics import Diagnostic, Location
from ..model import Model


@dataclass
class ParsedSyntax:
    """A package's syntax read back: the model (None if unreadable), diagnostics, and where things are.

    `locations` keys: "outcome", "cluster", "data", "method", "covariance", "ddf", "fixed:<key>" (key = sorted
    factors joined by ':'), "random:Intercept", "random:<slope>", "contrast:<label>", "command" (the whole
    model statement). `explicit` says which settings were written rather than left to the package default:
    keys "method", "covariance", "ddf". `data` is the data-set name as written (case kept)."""

    dialect: str
    text: str
    file: str | None = None
    model: Model | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    locations: dict[str, Location] = field(default_factory=dict)
    explicit: dict[str, bool] = field(default_factory=dict)
    data: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.model is not None and not any(d.severity.value == "error" and d.code in ("SY001",)
                                                  for d in self.diagnostics)


class Dialect:
    """Base class; subclasses set the table attributes and implement the three translations."""

    name: str = ""
    title: str = ""
    extension: str = ""
    template: str = ""
    aliases: tuple[str, ...] = ()
    case_sensitive: bool = True
    # one line of comment: text between `comment_open` and `comment_close`; `comment_unsafe` maps each
    # character sequence that would end the comment (or join the next line, or expand a macro) to a
    # harmless spelling. Used for the notes mlmgen writes at the top of translated code.
    comment_open: str = "# "
    comment_close: str = ""
    comment_unsafe: tuple[tuple[str, str], ...] = ()

    def comment(self, text: str) -> str:
        """`text` as one comment line of this package (line breaks and control characters become spaces,
        `comment_unsafe` sequences are respelled, so the line can never end early or run code)."""
        import unicodedata
        body = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
        for seq, safe in self.comment_unsafe:
            body = body.replace(seq, safe)
        body = body.rstrip()
        if self.comment_close.strip() and body.endswith(self.comment_close.strip()):
            body = body[:-len(self.comment_close.strip())].rstrip()
        return (self.comment_open + body + self.comment_close).rstrip()

    def context(self, model: Model, data_prep: bool = False, import_file: str | None = None) -> dict:
        raise NotImplementedError(f"{self.title}: rendering is not implemented")

    def render(self, model: Model, data_prep: bool = False) -> str:
        from ..render import render
        return render(model, self.name, data_prep=data_prep)

    def parse_syntax(self, text: str, file: str | None = None) -> ParsedSyntax:
        raise NotImplementedError(f"{self.title}: reading syntax is not implemented")

    def parse_output(self, text: str, file: str | None = None):
        raise NotImplementedError(f"{self.title}: reading printed output is not implemented")

    def sniff(self, text: str) -> float:
        """How much `text` looks like this package's syntax, 0..1 (for --from auto)."""
        return 0.0
