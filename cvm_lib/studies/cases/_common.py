"""Small helpers shared by the case modules."""

from __future__ import annotations

from typing import Any

from cvm_lib.labels import label
from cvm_lib.studies._table import display_settings


def text(key: str, context: str, **fields: Any) -> str:
    """The catalogue text of ``key`` in the display language."""
    return label(key, display_settings()["lang"], context=context, **fields)


def translated(values, context: str) -> list[str]:
    """Category ids in the display language (unknown values pass through)."""
    from cvm_lib.labels import value_label

    lang = display_settings()["lang"]
    return [str(value_label(str(v), lang, context=context)) for v in values]
