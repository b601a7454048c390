"""Teaching case studies: case data, exercises and answer checking.

Each case (``notebooks/cases/<case>.ipynb``) has a module here that loads its bundled
data (``data/cases/``, simulated by :mod:`cvm_lib.cases.simulate` with documented truth,
or the public CDNOW data), prepares its tables by calling the method packages, and
registers its exercises. A student checks an answer with::

    from cvm_lib.cases import check_answer
    check_answer("supermarket", "e1", 0.64)

The expected answers are never stored: each exercise's solver runs the method on the
case data. Tolerances are stated per exercise (:func:`exercise_table`).

Cases: ``supermarket``, ``bank_nine_grid``, ``gold_tier``, ``brewer``, ``crm_programme``,
``cdnow_clv``.
"""

from cvm_lib.cases._core import (CASES, Exercise, Verdict, check_answer, exercise, exercise_table, exercises,
                                 expected_answer, solution_table)
from cvm_lib.cases import supermarket, bank, gold_tier, brewer, crm_programme, cdnow_clv  # noqa: F401,E402  (each registers its case)

__all__ = ["CASES", "Exercise", "Verdict", "check_answer", "exercise", "exercises", "exercise_table",
           "expected_answer", "solution_table", "show_exercises", "show_solutions"]


def show_exercises(case: str, lang: str = "zh"):
    """The exercise sheet of a case (a table without answers)."""
    return exercise_table(case, lang)


def show_solutions(case: str, lang: str = "zh", teacher: bool = False):
    """The solutions table for teachers, or a note when ``teacher`` is False."""
    from IPython.display import Markdown

    if not teacher:
        return Markdown("*答案已隐藏：教师版请用参数 `teacher=True` 运行。 · Solutions hidden: run with "
                        "`teacher=True` for the teacher's version.*")
    return solution_table(case, lang)
