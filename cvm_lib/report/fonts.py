"""Self-contained CJK text in HTML reports: embed just the glyphs a page uses.

A report opened on a machine without Chinese fonts would show boxes. The project
installs Noto Sans CJK (see :func:`cvm_lib.plots.cjk_font_name`); each HTML page
gets an ``@font-face`` with a WOFF subset of that font holding only the CJK
characters on the page (typically 10–60 KB), so it renders anywhere.
"""

from __future__ import annotations

import base64
import io
import re

__all__ = ["cjk_characters", "embedded_font_css", "FAMILY"]

FAMILY = "CVM CJK"
# CJK ideographs, CJK punctuation, full-width forms, kana and hangul ranges.
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def cjk_characters(text: str) -> str:
    """The distinct CJK characters of ``text``, sorted (so the subset is deterministic)."""
    return "".join(sorted(set(_CJK.findall(text))))


def embedded_font_css(text: str) -> str:
    """An ``@font-face`` rule embedding the CJK glyphs of ``text``; empty when there are none
    or no CJK font is installed."""
    characters = cjk_characters(text)
    if not characters:
        return ""
    from fontTools import subset
    from matplotlib import font_manager

    from cvm_lib.plots import cjk_font_name

    name = cjk_font_name()
    if name is None:
        return ""
    path = font_manager.findfont(name, fallback_to_default=False)
    options = subset.Options()
    options.flavor = "woff"
    # Plain subsetting of this CID-keyed CFF font; notdef_outline=True corrupted the
    # glyph mapping of some characters in Chromium (boxes), desubroutinising is smaller.
    options.desubroutinize = True
    font = subset.load_font(path, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    # One face for every weight, so bold CJK text uses it too.
    return (f'@font-face{{font-family:"{FAMILY}";src:url(data:font/woff;base64,{data}) format("woff");'
            f'font-weight:100 900;font-style:normal;}}\n'
            # First in the stack: it holds only CJK glyphs, so Latin text falls through to the
            # next family, and a first-listed web font is loaded at once (a fallback-only one is
            # fetched lazily and may paint as boxes until then).
            f'body,.jp-RenderedHTMLCommon,.jp-RenderedText pre,table{{font-family:"{FAMILY}",-apple-system,'
            f'"Segoe UI","DejaVu Sans",Roboto,Helvetica,Arial,sans-serif;}}\n')
