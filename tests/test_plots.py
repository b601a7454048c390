"""Figures render in both languages without missing glyphs, from the summary tables."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from cvm_lib import plots  # noqa: E402
from cvm_lib.datasets import cdnow  # noqa: E402
from cvm_lib.labels import label  # noqa: E402
from cvm_lib.summary import activity_by_period, rfm_summary  # noqa: E402


@pytest.fixture(scope="module")
def tables():
    tx = cdnow(sample=True)
    return activity_by_period(tx), rfm_summary(tx, time_unit="W")


def test_a_cjk_font_is_available_after_setup():
    assert plots.cjk_font_name() is not None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_figure_renders_without_missing_glyphs(tables, lang, tmp_path):
    activity, summary = tables
    plots.set_theme(lang)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        for make in (lambda: plots.plot_activity(activity, lang=lang),
                     lambda: plots.plot_new_customers(activity, lang=lang),
                     lambda: plots.plot_rfm_distributions(summary, lang=lang)):
            fig = make()
            fig.savefig(tmp_path / "f.png")
            texts = [t.get_text() for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label)]
            assert any(label("customers", lang) in t or label("purchases", lang) in t for t in texts)
            plt.close(fig)


def test_unknown_language_is_rejected():
    with pytest.raises(ValueError, match="lang='fr'"):
        plots.set_theme("fr")
