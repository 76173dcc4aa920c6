"""Writing the user's files safely: every file mlmgen writes goes through `write_atomic`.

The rules (each refusal is a coded error, exit 2, and leaves every file as it was):

* WR003: never over one of the command's own inputs (the model file, the syntax read, the data), compared
  by resolved path and by `os.path.samefile` (hard links, `./x` vs `x`), whatever `--force` says;
* WR004: never through a symbolic link: a link at the output path is not followed (its target is untouched);
* WR002: an existing file is replaced only when the caller says so (`--force`, or `lint --fix`, whose
  documented job is to edit the file in place);
* WR001: the data go to a temporary file in the same directory, flushed to disk, then renamed over the
  target (`os.replace`, atomic on POSIX and Windows); a failed write (disk full, no permission, a directory
  in the way) removes the temporary file and leaves the original byte for byte as it was.

A command writing several files checks every target with `check_targets` before writing the first, so a
refusal never leaves half the outputs written.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable

from .diagnostics import Diagnostic, Location, MlmgenError, Severity


def _refuse(code: str, message: str, path: Path, option: str | None) -> MlmgenError:
    return MlmgenError(Diagnostic(code, message, Severity.ERROR, Location(file=str(path), field=option)))


def _same_file(a: Path, b: Path) -> bool:
    """True when a and b name the same file: equal resolved paths, or one inode (hard links)."""
    try:
        if a.resolve() == b.resolve():
            return True
    except (OSError, RuntimeError):       # a symlink loop
        pass
    try:
        return os.path.samefile(a, b)
    except OSError:                         # one of them does not exist
        return False


def check_target(path, *, inputs: Iterable = (), force: bool = False, option: str | None = None) -> Path:
    """The output path when writing it is allowed, else a coded `MlmgenError` (WR003, WR004, WR002, WR001)."""
    path = Path(path)
    for inp in inputs:
        if inp is None or str(inp) == "-":
            continue
        if _same_file(path, Path(inp)):
            raise _refuse("WR003", f"{path} is one of this command's inputs ({inp}); mlmgen never writes "
                                   f"over its own input, not even with --force: choose another output", path, option)
    if path.is_symlink():
        raise _refuse("WR004", f"{path} is a symbolic link; mlmgen does not write through links (the link's target "
                               f"is left as it was): remove the link or choose another output", path, option)
    if path.exists():
        if path.is_dir():
            raise _refuse("WR001", f"cannot write {path}: it is a directory", path, option)
        if not force:
            raise _refuse("WR002", f"{path} exists; mlmgen replaces an existing file only with --force", path,
                          option)
    return path


def check_targets(paths: Iterable, *, inputs: Iterable = (), force: bool = False,
                  option: str | None = None) -> None:
    """`check_target` for every path, and no two outputs the same (all checked before anything is written)."""
    inputs = list(inputs)
    seen: list[Path] = []
    for p in paths:
        p = Path(p)
        if any(_same_file(p, q) or p == q for q in seen):
            raise _refuse("WR003", f"{p} would be written twice by this command", p, option)
        check_target(p, inputs=inputs, force=force, option=option)
        seen.append(p)


def write_atomic(path, data: str | bytes, *, inputs: Iterable = (), force: bool = False,
                 option: str | None = None, encoding: str = "utf-8") -> Path:
    """Write `data` (text is encoded with `encoding`, newlines as given) to `path` via a temporary file in the
    same directory renamed into place. Refusals and failures are coded errors (see the module docstring);
    an existing file keeps its permission bits."""
    path = check_target(path, inputs=inputs, force=force, option=option)
    raw = data.encode(encoding) if isinstance(data, str) else bytes(data)
    parent = path.parent
    tmp = None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o7777 if path.exists() else _default_mode()
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".mlmgen-tmp", dir=parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        check_target(path, inputs=inputs, force=force, option=option)   # nothing appeared meanwhile
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise _refuse("WR001", f"cannot write {path}: {exc.strerror or exc}; "
                               f"{'the existing file was left as it was' if path.exists() else 'nothing was written'}",
                      path, option)
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return path


def _default_mode() -> int:
    """0o666 minus the process umask: the mode `open(path, "w")` would give a new file."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
