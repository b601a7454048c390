"""Exercise catalogue and answer checking for the teaching cases.

An :class:`Exercise` knows its case, its id (``"e1"``, ...), its kind (``compute``,
``interpret`` or ``decide``), its prompt in Chinese and English, how an answer is
compared (a number within a stated tolerance, or one of the listed options) and a
*solver*: a function of the case data that computes the expected answer by running the
library's method. Nothing is stored as an answer: the expected value is computed each
time from the bundled case data (cached per process).

Number answers accept an ``int``/``float`` or a text such as ``"23.5%"`` (divided by
100) or ``"1,234"``. Shares are fractions in [0, 1] unless the prompt says otherwise.
Option answers are the option's letter (``"A"``, ``"b"``) or its key.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

import pandas as pd

__all__ = ["Exercise", "Verdict", "register", "exercises", "exercise", "check_answer", "expected_answer",
           "exercise_table", "solution_table", "exercise_markdown", "solution_markdown", "CASES"]

KINDS = {"compute": ("计算", "compute"), "interpret": ("解读", "interpret"), "decide": ("决策", "decide")}

#: Registered exercises, by case then id (filled by the case modules).
_REGISTRY: dict[str, dict[str, "Exercise"]] = {}
#: Case name -> loader of its data (filled by the case modules).
_LOADERS: dict[str, Callable[[], Any]] = {}
#: Case names in teaching order.
CASES: list[str] = []


@dataclass(frozen=True)
class Exercise:
    """One checkable exercise.

    ``answer`` is ``"number"`` or ``"option"``. For numbers the answer passes when
    ``|value - expected| <= abs_tol`` or ``<= rel_tol * |expected|``. For options,
    ``options`` maps a key to its ``(zh, en)`` text; the letters A, B, ... follow the order.
    """

    case: str
    id: str
    kind: str
    zh: str
    en: str
    solver: Callable[[Any], Any]
    answer: str = "number"
    abs_tol: float = 0.0
    rel_tol: float = 0.0
    unit_zh: str = ""
    unit_en: str = ""
    options: dict[str, tuple[str, str]] = field(default_factory=dict)
    explain_zh: str = ""
    explain_en: str = ""

    def prompt(self, lang: str = "zh") -> str:
        text = self.zh if lang == "zh" else self.en
        if self.answer == "option":
            text += "  " + "  ".join(f"({letter}) {self.option_text(key, lang)}"
                                     for letter, key in zip(_LETTERS, self.options))
        return text

    def option_text(self, key: str, lang: str) -> str:
        zh, en = self.options[key]
        return zh if lang == "zh" else en

    def tolerance_text(self, lang: str = "zh") -> str:
        if self.answer == "option":
            return "选项字母" if lang == "zh" else "option letter"
        parts = []
        if self.abs_tol:
            parts.append(f"±{self.abs_tol:g}")
        if self.rel_tol:
            parts.append(f"±{self.rel_tol:.0%}" + ("（相对）" if lang == "zh" else " relative"))
        if not parts:
            return "精确" if lang == "zh" else "exact"
        return (" 或 " if lang == "zh" else " or ").join(parts)


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

    def _repr_markdown_(self) -> str:
        mark = {True: "✅", False: "❌", None: "✏️"}[self.correct]
        return f"{mark} **{self.case} · {self.exercise}** — {self.zh}<br>{self.en}"

    __repr__ = __str__


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
        return Verdict(case, exercise_id, None, "尚未作答：请把答案填入 answer。",
                       "Not answered yet: put your answer in `answer`.")
    expected = expected_answer(case, exercise_id)
    if ex.answer == "option":
        chosen = _parse_option(ex, value)
        if chosen is None:
            letters = "/".join(_LETTERS[: len(ex.options)])
            return Verdict(case, exercise_id, False, f"无法识别答案 {value!r}：请填写选项字母 {letters}。",
                           f"Cannot read the answer {value!r}: give the option letter {letters}.")
        if chosen == expected:
            return Verdict(case, exercise_id, True, "正确！" + ex.explain_zh, "Correct! " + ex.explain_en)
        return Verdict(case, exercise_id, False, "不正确，请再看一下数据和方法。",
                       "Not correct; look at the data and the method again.")
    number = _parse_number(value)
    if number is None or not math.isfinite(number):
        return Verdict(case, exercise_id, False, f"无法识别答案 {value!r}：请填写一个数字（可带 %）。",
                       f"Cannot read the answer {value!r}: give a number (a % sign is allowed).")
    diff = number - expected
    if abs(diff) <= ex.abs_tol + 1e-12 or abs(diff) <= ex.rel_tol * abs(expected) + 1e-12:
        return Verdict(case, exercise_id, True, f"正确！（容差 {ex.tolerance_text('zh')}）" + ex.explain_zh,
                       f"Correct! (tolerance {ex.tolerance_text('en')}) " + ex.explain_en)
    direction_zh, direction_en = ("偏高", "too high") if diff > 0 else ("偏低", "too low")
    return Verdict(case, exercise_id, False,
                   f"不正确：答案{direction_zh}（容差 {ex.tolerance_text('zh')}）。检查单位与口径。",
                   f"Not correct: {direction_en} (tolerance {ex.tolerance_text('en')}). Check units and definitions.")


def exercise_table(case: str, lang: str = "zh") -> pd.DataFrame:
    """The exercises of a case for students: id, kind, prompt, unit, tolerance (no answers)."""
    zh = lang == "zh"
    rows = [{("题号" if zh else "exercise"): e.id,
             ("类型" if zh else "kind"): KINDS[e.kind][0 if zh else 1],
             ("题目" if zh else "question"): e.prompt(lang),
             ("单位" if zh else "unit"): (e.unit_zh if zh else e.unit_en) or "—",
             ("容差" if zh else "tolerance"): e.tolerance_text(lang)} for e in exercises(case)]
    return pd.DataFrame(rows).set_index("题号" if zh else "exercise")


def _format(ex: Exercise, value: Any, lang: str) -> str:
    if ex.answer == "option":
        letter = _LETTERS[list(ex.options).index(value)]
        return f"({letter}) {ex.option_text(value, lang)}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


def solution_table(case: str, lang: str = "zh") -> pd.DataFrame:
    """Teacher's table: every exercise with its computed answer and the explanation."""
    zh = lang == "zh"
    rows = []
    for e in exercises(case):
        value = expected_answer(case, e.id)
        rows.append({("题号" if zh else "exercise"): e.id,
                     ("题目" if zh else "question"): e.zh if zh else e.en,
                     ("答案" if zh else "answer"): _format(e, value, lang),
                     ("单位" if zh else "unit"): (e.unit_zh if zh else e.unit_en) or "—",
                     ("说明" if zh else "explanation"): e.explain_zh if zh else e.explain_en})
    return pd.DataFrame(rows).set_index("题号" if zh else "exercise")


def _sheet_lines(e: Exercise, lang: str) -> list[str]:
    zh = lang == "zh"
    kind = KINDS[e.kind][0 if zh else 1]
    lines = [f"**{e.id}** （{kind}）{e.zh}" if zh else f"**{e.id}** ({kind}) {e.en}"]
    for letter, key in zip(_LETTERS, e.options):
        lines.append(f"    - ({letter}) {e.option_text(key, lang)}")
    unit = (e.unit_zh if zh else e.unit_en)
    if e.answer == "option":
        meta = "作答：填选项字母" if zh else "answer: the option letter"
    else:
        meta = (f"单位：{unit}；" if unit else "") + f"容差：{e.tolerance_text('zh')}" if zh else \
            (f"unit: {unit}; " if unit else "") + f"tolerance: {e.tolerance_text('en')}"
    lines.append(f"    - *{meta}*")
    return lines


def exercise_markdown(case: str, lang: str = "zh") -> str:
    """The exercise sheet as a Markdown list (no answers)."""
    out = []
    for e in exercises(case):
        first, *rest = _sheet_lines(e, lang)
        out.append("1. " + first)
        out.extend("   " + line.strip() if not line.startswith("    - ") else "    " + line.strip() for line in rest)
    return "\n".join(out)


def solution_markdown(case: str, lang: str = "zh") -> str:
    """The teacher's solutions as a Markdown list: question, computed answer, explanation."""
    zh = lang == "zh"
    out = []
    for e in exercises(case):
        value = expected_answer(case, e.id)
        unit = e.unit_zh if zh else e.unit_en
        answer = _format(e, value, lang) + (f" {unit}" if unit and e.answer == "number" else "")
        out.append(f"1. **{e.id}** {e.zh if zh else e.en}")
        out.append(f"    - {'答案' if zh else 'answer'}: **{answer}**")
        if e.explain_zh:
            out.append(f"    - {e.explain_zh if zh else e.explain_en}")
    return "\n".join(out)
