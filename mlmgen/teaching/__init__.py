"""Teaching material: exercises with the lecture's mistakes injected, and their answer keys.

`mistakes` holds the catalogue (each mistake is an edit of the Model or of the rendered text at a span the
package's reader located); `exercise` builds one exercise (snippet, model file, data, answer key)."""
from .exercise import Exercise, build_exercise, write_exercise
from .mistakes import MISTAKES, mistake_named

__all__ = ["Exercise", "build_exercise", "write_exercise", "MISTAKES", "mistake_named"]
