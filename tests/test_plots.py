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


def test_generic_study_figures_render_in_both_languages(tmp_path):
    # heatmap, share bars and Lorenz curve: tests/test_plots_segmentation.py
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    km = pd.DataFrame({"time": [0, 1, 2, 0, 1, 2], "survival": [1, .8, .6, 1, .7, .4], "lower": [1, .7, .5, 1, .6, .3],
                       "upper": [1, .9, .7, 1, .8, .5], "group": ["会员", "会员", "会员", "非会员", "非会员", "非会员"]})
    forest = pd.DataFrame({"estimate": [0.7, 1.4], "lower": [0.5, 1.1], "upper": [0.9, 1.8]}, index=["项目", "促销"])
    lift = pd.DataFrame({"share_targeted": [0.1, 0.5, 1.0] * 2, "gain": [0.3, 0.8, 1, 0.2, 0.6, 1],
                         "lift": [3, 1.6, 1, 2, 1.2, 1], "model": ["logistic"] * 3 + ["boosting"] * 3})
    radar = pd.DataFrame(rng.random((2, 4)), index=["门店1", "门店2"], columns=["留存", "获客", "满意度", "利润"])
    steps = pd.Series([-30.0, 50.0, 40.0], index=["获客成本", "第1年", "第2年"])
    for lang in ("en", "zh"):
        plots.set_theme(lang)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            figures = [
                plots.plot_survival(km, title="KM", xlabel="weeks", lang=lang),
                plots.plot_forest(forest, title="HR", lang=lang),
                plots.plot_lift(lift, lang=lang),
                plots.plot_lines(km, x="time", y="survival", group="group", lang=lang),
                plots.plot_radar(radar, lang=lang),
                plots.plot_waterfall(steps, lang=lang),
            ]
            for fig in figures:
                assert len(fig.axes) >= 1
                fig.savefig(tmp_path / "f.png")
                plt.close(fig)
