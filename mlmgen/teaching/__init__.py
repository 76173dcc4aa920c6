"""Teaching material: exercises with the lecture's mistakes injected, and their answer keys.

`mistakes` holds the lecture's catalogue (each mistake is an edit of the Model or of the rendered text at a span
the package's reader located), `mistakes_structure` the mistakes of several random terms and residual
structures, `catalogue` both; `exercise` builds one exercise (snippet, model file, data, answer key)."""
from .catalogue import MISTAKES, mistake_named
from .exercise import Exercise, build_exercise, write_exercise

__all__ = ["Exercise", "build_exercise", "write_exercise", "MISTAKES", "mistake_named"]
