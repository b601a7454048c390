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
                                 expected_answer, exercise_markdown, solution_markdown, solution_table)
from cvm_lib.cases import supermarket, bank, gold_tier, brewer, crm_programme, cdnow_clv  # noqa: F401,E402  (each registers its case)

__all__ = ["CASES", "setup", "Exercise", "Verdict", "check_answer", "exercise", "exercises", "exercise_table",
           "expected_answer", "solution_table", "exercise_markdown", "solution_markdown", "show_exercises", "show_solutions"]


def _float_text(x: float) -> str:
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3f}" if x != int(x) else f"{x:.0f}"


def setup(lang: str = "zh") -> None:
    """Notebook set-up of a case: the plot theme for ``lang`` and readable numbers in tables
    (three decimals, thousands separators above 1,000, full-width text columns)."""
    import pandas as pd

    from cvm_lib import plots

    plots.set_theme(lang)
    pd.set_option("display.float_format", _float_text)
    pd.set_option("display.max_colwidth", None)


def show_exercises(case: str, lang: str = "zh"):
    """The exercise sheet of a case as Markdown: kind, question, options, unit, tolerance (no answers)."""
    from IPython.display import Markdown

    return Markdown(exercise_markdown(case, lang))


def show_solutions(case: str, lang: str = "zh", teacher: bool = False):
    """The teacher's solutions (computed answers and explanations) as Markdown, or a note when ``teacher`` is False."""
    from IPython.display import Markdown

    if not teacher:
        return Markdown("*答案已隐藏：教师版请用参数 `teacher=True` 运行。 · Solutions hidden: run with "
                        "`teacher=True` for the teacher's version.*")
    return Markdown(solution_markdown(case, lang))
