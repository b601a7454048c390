"""Teaching case studies: case data, simulators, exercises and answer checking.

Each case (``notebooks/cases/<case>.ipynb``) has a module here that loads its bundled
data (``data/cases/``, simulated by :mod:`cvm_lib.cases.simulate` with documented truth,
or the public CDNOW data), holds the case's own calculations and registers its
exercises. The tables, figures and sentences its notebook shows live in
:mod:`cvm_lib.studies.cases` (one module per case); the texts of the exercises are in
the label catalogue (:mod:`cvm_lib.labels.cases`). A student checks an answer with::

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


def setup(lang: str = "zh", currency: str = "¥") -> None:
    """Notebook set-up of a case: tables and sentences in ``lang`` (:func:`cvm_lib.studies.set_display`)
    and the plot theme for ``lang``."""
    from cvm_lib import plots
    from cvm_lib.studies import set_display

    set_display(lang, currency)
    plots.set_theme(lang)


def _lang(lang: str | None) -> str:
    from cvm_lib.studies import display_settings

    return lang or display_settings()["lang"]


def show_exercises(case: str, lang: str | None = None):
    """The exercise sheet of a case as Markdown (no answers), in ``lang`` (default: the display language)."""
    from IPython.display import Markdown

    return Markdown(exercise_markdown(case, _lang(lang)))


def show_solutions(case: str, lang: str | None = None, teacher: bool = False):
    """The teacher's solutions (computed answers and explanations) as Markdown, or a note when ``teacher`` is False."""
    from IPython.display import Markdown

    from cvm_lib.labels import label

    lang = _lang(lang)
    if not teacher:
        return Markdown(label("solutions_hidden", lang, context="cases"))
    return Markdown(solution_markdown(case, lang))
