"""Exercise catalogue and answer checking for the teaching cases.

An :class:`Exercise` knows its case, its id (``"e1"``, ...), its kind (``compute``,
``interpret`` or ``decide``), how an answer is compared (a number within a stated
tolerance, or one of the listed options) and a *solver*: a function of the case data
that computes the expected answer by running the library's method. Nothing is stored as
an answer: the expected value is computed each time from the bundled case data (cached
per process). The texts (question, options, unit, explanation) are in the label
catalogue (:mod:`cvm_lib.labels.cases`), keyed ``cases.<case>.<exercise>[.<part>]``.

Number answers accept an ``int``/``float`` or a text such as ``"23.5%"`` (divided by
100) or ``"1,234"``. Shares are fractions in [0, 1] unless the prompt says otherwise.
Option answers are the option's letter (``"A"``, ``"b"``) or its key.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import pandas as pd

from cvm_lib.labels import check_lang, has_label, label

__all__ = ["Exercise", "Verdict", "register", "exercises", "exercise", "check_answer", "expected_answer",
           "exercise_table", "solution_table", "exercise_markdown", "solution_markdown", "CASES", "KINDS"]

#: The kinds of exercise (catalogue keys ``cases.<kind>``).
KINDS = ("compute", "interpret", "decide")
CONTEXT = "cases"

#: Registered exercises, by case then id (filled by the case modules).
_REGISTRY: dict[str, dict[str, "Exercise"]] = {}
#: Case name -> loader of its data (filled by the case modules).
_LOADERS: dict[str, Callable[[], Any]] = {}
#: Case names in teaching order.
CASES: list[str] = []


def _text(key: str, lang: str, **fields: Any) -> str:
    return label(key, lang, context=CONTEXT, **fields)


def _option_key(key: Any) -> str:
    return "_".join(key) if isinstance(key, tuple) else str(key)


@dataclass(frozen=True)
class Exercise:
    """One checkable exercise.

    ``answer`` is ``"number"`` or ``"option"``. For numbers the answer passes when
    ``|value - expected| <= abs_tol`` or ``<= rel_tol * |expected|``. For options,
    ``options`` lists the option keys; the letters A, B, ... follow the order. The texts
    come from the catalogue (``cases.<case>.<id>``, ``.explain``, ``.unit``, ``.<option>``).
    """

    case: str
    id: str
    kind: str
    solver: Callable[[Any], Any]
    answer: str = "number"
    abs_tol: float = 0.0
    rel_tol: float = 0.0
    options: tuple = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.case}/{self.id}: kind={self.kind!r}; use one of {', '.join(KINDS)}")
        self.question("en")  # a missing catalogue text fails at import
        for key in self.options:
            self.option_text(key, "en")

    @property
    def key(self) -> str:
        return f"{self.case}.{self.id}"

    def question(self, lang: str = "zh") -> str:
        """The question alone, in ``lang``."""
        return _text(self.key, lang)

    def prompt(self, lang: str = "zh") -> str:
        """The question with its options, in ``lang``."""
        text = self.question(lang)
        if self.answer == "option":
            text += "  " + "  ".join(f"({letter}) {self.option_text(key, lang)}"
                                     for letter, key in zip(_LETTERS, self.options))
        return text

    def option_text(self, key: Any, lang: str) -> str:
        return _text(f"{self.key}.{_option_key(key)}", lang)

    def unit(self, lang: str = "zh") -> str:
        """The unit of a number answer ("" when none)."""
        return _text(f"{self.key}.unit", lang) if has_label(f"{self.key}.unit", CONTEXT) else ""

    def explain(self, lang: str = "zh") -> str:
        """Why the answer is what it is ("" when no explanation is given)."""
        return _text(f"{self.key}.explain", lang) if has_label(f"{self.key}.explain", CONTEXT) else ""

    def tolerance_text(self, lang: str = "zh") -> str:
        check_lang(lang)
        if self.answer == "option":
            return _text("tol_option", lang)
        parts = []
        if self.abs_tol:
            parts.append(f"±{self.abs_tol:g}")
        if self.rel_tol:
            parts.append(_text("tol_relative", lang, share=f"{self.rel_tol:.0%}"))
        if not parts:
            return _text("tol_exact", lang)
        return _text("tol_or", lang).join(parts)


_LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class Verdict:
    """Result of :func:`check_answer`: ``correct`` (True/False, None when no answer yet) and a message in both languages."""

    case: str
    exercise: str
    correct: bool | None
    zh: str
    en: str

    def __bool__(self) -> bool:
        return bool(self.correct)

    def __str__(self) -> str:
        return f"{self.zh}\n{self.en}"

    def text(self, lang: str) -> str:
        return self.zh if check_lang(lang) == "zh" else self.en

    def _repr_markdown_(self) -> str:
        from cvm_lib.studies import display_settings

        mark = {True: "✅", False: "❌", None: "✏️"}[self.correct]
        return f"{mark} **{self.case} · {self.exercise}** — {self.text(display_settings()['lang'])}"

    __repr__ = __str__


def _verdict(case: str, exercise_id: str, correct: bool | None, key: str, **fields: Any) -> Verdict:
    def say(lang: str) -> str:
        values = {k: (v(lang) if callable(v) else v) for k, v in fields.items()}
        return _text(key, lang, **values).strip()

    return Verdict(case, exercise_id, correct, say("zh"), say("en"))


def register(case: str, loader: Callable[[], Any], items: list[Exercise]) -> None:
    """Register a case's data loader and its exercises (called by each case module)."""
    if case not in CASES:
        CASES.append(case)
    _LOADERS[case] = loader
    _REGISTRY[case] = {e.id: e for e in items}


def _case(case: str) -> dict[str, Exercise]:
    if case not in _REGISTRY:
        raise KeyError(f"unknown case {case!r}; cases: {', '.join(CASES)}")
    return _REGISTRY[case]


def exercises(case: str) -> list[Exercise]:
    """The exercises of ``case``, in order."""
    return list(_case(case).values())


def exercise(case: str, exercise_id: str) -> Exercise:
    items = _case(case)
    if exercise_id not in items:
        raise KeyError(f"case {case!r} has no exercise {exercise_id!r}; exercises: {', '.join(items)}")
    return items[exercise_id]


@lru_cache(maxsize=None)
def _data(case: str) -> Any:
    return _LOADERS[case]()


@lru_cache(maxsize=None)
def expected_answer(case: str, exercise_id: str) -> Any:
    """The expected answer, computed by the exercise's solver on the case data."""
    ex = exercise(case, exercise_id)
    value = ex.solver(_data(case))
    if ex.answer == "option":
        if value not in ex.options:
            raise RuntimeError(f"{case}/{exercise_id}: solver returned {value!r}, not one of {list(ex.options)}")
        return value
    return float(value)


def _parse_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        try:
            return float(value.item())
        except (TypeError, ValueError):
            return None
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "").replace("％", "%")
        scale = 1.0
        if text.endswith("%"):
            text, scale = text[:-1], 0.01
        text = re.sub(r"^[¥￥$]", "", text)
        try:
            return float(text) * scale
        except ValueError:
            return None
    return None


def _parse_option(ex: Exercise, value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip().strip("()（）").strip()
    keys = list(ex.options)
    if len(text) == 1 and text.upper() in _LETTERS[: len(keys)]:
        return keys[_LETTERS.index(text.upper())]
    return text if text in ex.options else None


def check_answer(case: str, exercise_id: str, value: Any) -> Verdict:
    """Check a student's answer to one exercise; returns a bilingual :class:`Verdict`.

    ``value=None`` (not answered yet) gives a neutral verdict, so a student notebook runs
    from top to bottom before it is filled in. A wrong answer is told it is wrong and, for
    numbers, whether it is too high or too low, never the expected value.

    Examples
    --------
    >>> from cvm_lib import cases
    >>> print(cases.check_answer("supermarket", "e2", None))
    尚未作答：请把答案填入 answer。
    Not answered yet: put your answer in `answer`.
    """
    ex = exercise(case, exercise_id)
    if value is None:
        return _verdict(case, exercise_id, None, "not_answered")
    expected = expected_answer(case, exercise_id)
    if ex.answer == "option":
        chosen = _parse_option(ex, value)
        if chosen is None:
            letters = "/".join(_LETTERS[: len(ex.options)])
            return _verdict(case, exercise_id, False, "unreadable_option", value=repr(value), letters=letters)
        if chosen == expected:
            return _verdict(case, exercise_id, True, "correct", explain=ex.explain)
        return _verdict(case, exercise_id, False, "wrong_option")
    number = _parse_number(value)
    if number is None or not math.isfinite(number):
        return _verdict(case, exercise_id, False, "unreadable_number", value=repr(value))
    diff = number - expected
    if abs(diff) <= ex.abs_tol + 1e-12 or abs(diff) <= ex.rel_tol * abs(expected) + 1e-12:
        return _verdict(case, exercise_id, True, "correct_within", tolerance=ex.tolerance_text, explain=ex.explain)
    return _verdict(case, exercise_id, False, "too_high" if diff > 0 else "too_low", tolerance=ex.tolerance_text)


def exercise_table(case: str, lang: str = "zh") -> pd.DataFrame:
    """The exercises of a case for students, as text in ``lang``: exercise, kind, question, unit, tolerance (no answers).

    Columns are stable (``exercise``, ``kind``, ``question``, ``unit``, ``tolerance``); the
    texts are in ``lang``.
    """
    check_lang(lang)
    rows = [{"exercise": e.id, "kind": e.kind, "question": e.prompt(lang), "unit": e.unit(lang),
             "tolerance": e.tolerance_text(lang)} for e in exercises(case)]
    return pd.DataFrame(rows, columns=["exercise", "kind", "question", "unit", "tolerance"])


def _format(ex: Exercise, value: Any, lang: str) -> str:
    if ex.answer == "option":
        letter = _LETTERS[list(ex.options).index(value)]
        return f"({letter}) {ex.option_text(value, lang)}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


def solution_table(case: str, lang: str = "zh") -> pd.DataFrame:
    """Teacher's table: every exercise with its computed answer and the explanation (stable columns, text in ``lang``)."""
    check_lang(lang)
    rows = [{"exercise": e.id, "question": e.question(lang), "answer": _format(e, expected_answer(case, e.id), lang),
             "unit": e.unit(lang), "explanation": e.explain(lang)} for e in exercises(case)]
    return pd.DataFrame(rows, columns=["exercise", "question", "answer", "unit", "explanation"])


def _sheet_lines(e: Exercise, lang: str) -> list[str]:
    kind = _text(e.kind, lang)
    lines = [f"**{e.id}** （{kind}）{e.question(lang)}" if lang == "zh" else f"**{e.id}** ({kind}) {e.question(lang)}"]
    for letter, key in zip(_LETTERS, e.options):
        lines.append(f"    - ({letter}) {e.option_text(key, lang)}")
    if e.answer == "option":
        meta = _text("sheet_option", lang)
    else:
        unit = e.unit(lang)
        meta = (_text("sheet_unit", lang, unit=unit) if unit else "") + \
            _text("sheet_tolerance", lang, tolerance=e.tolerance_text(lang))
    lines.append(f"    - *{meta}*")
    return lines


def exercise_markdown(case: str, lang: str = "zh") -> str:
    """The exercise sheet as a Markdown list (no answers)."""
    check_lang(lang)
    out = []
    for e in exercises(case):
        first, *rest = _sheet_lines(e, lang)
        out.append("1. " + first)
        out.extend("    " + line.strip() for line in rest)
    return "\n".join(out)


def solution_markdown(case: str, lang: str = "zh") -> str:
    """The teacher's solutions as a Markdown list: question, computed answer, explanation."""
    check_lang(lang)
    out = []
    for e in exercises(case):
        value = expected_answer(case, e.id)
        unit = e.unit(lang)
        answer = _format(e, value, lang) + (f" {unit}" if unit and e.answer == "number" else "")
        out.append(f"1. **{e.id}** {e.question(lang)}")
        out.append(f"    - {_text('sheet_answer', lang)}: <b>{html.escape(answer, quote=False)}</b>")  # ** breaks beside CJK punctuation
        if e.explain(lang):
            out.append(f"    - {e.explain(lang)}")
    return "\n".join(out)
