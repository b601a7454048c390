"""Self-contained CJK text in HTML reports: embed just the glyphs a page uses.

A report opened on a machine without Chinese fonts would show boxes. The project
installs Noto Sans CJK (see :func:`cvm_lib.plots.cjk_font_name`); each HTML page
gets an ``@font-face`` with a WOFF subset of that font holding only the CJK
characters on the page (typically 10–60 KB), so it renders anywhere.
"""

from __future__ import annotations

import base64
import html
import io
import re

__all__ = ["cjk_characters", "embedded_font_css", "font_stack_css", "FAMILY", "SANS", "MONO"]

FAMILY = "CVM CJK"
# CJK ideographs, CJK punctuation, full-width forms, kana and hangul ranges.
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


# Arrows and geometric shapes (→ ▲ ▼ on the index page): embedded too when a page has CJK text,
# so the change column does not depend on a system font either.
_SYMBOLS = re.compile(r"[\u2190-\u21ff\u25a0-\u25ff]")


def cjk_characters(text: str) -> str:
    """The distinct CJK characters of ``text``, sorted (so the subset is deterministic)."""
    return "".join(sorted(set(_CJK.findall(text))))


def embedded_font_css(text: str) -> str:
    """An ``@font-face`` rule embedding the CJK glyphs of ``text``; empty when there are none
    or no CJK font is installed."""
    text = html.unescape(text)
    characters = cjk_characters(text)
    if not characters:
        return ""
    characters += "".join(sorted(set(_SYMBOLS.findall(text))))
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
            f'font-weight:100 900;font-style:normal;}}\n' + font_stack_css())


#: Latin fonts after the CJK subset: proportional text and monospace (code, tracebacks).
SANS = '-apple-system,"Segoe UI","DejaVu Sans",Roboto,Helvetica,Arial,sans-serif'
MONO = '"DejaVu Sans Mono",Menlo,Consolas,"Liberation Mono",monospace'


def font_stack_css() -> str:
    """CSS putting the embedded CJK face first on *every* element, monospace ones included.

    The face holds only CJK glyphs, so Latin text falls through to the next family; it is
    listed first because a first-listed web font is loaded at once (a fallback-only one is
    fetched lazily and may paint as boxes until then). JupyterLab's font variables are set
    too, and form controls, which do not inherit fonts, are named explicitly.
    """
    sans, mono = f'"{FAMILY}",{SANS}', f'"{FAMILY}",{MONO}'
    return (f":root{{--jp-ui-font-family:{sans};--jp-content-font-family:{sans};--jp-code-font-family:{mono};}}\n"
            f"html,body,*,button,input,select,textarea,svg text{{font-family:{sans};}}\n"
            f"pre,code,kbd,samp,tt,.err,.jp-RenderedText pre,.jp-OutputArea-output pre,.jp-RenderedText,"
            f".jp-InputArea-editor,.highlight pre,.ansi-red-fg,pre *,code *{{font-family:{mono};}}\n")
