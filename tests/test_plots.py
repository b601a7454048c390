"""The generic figures render Chinese and English text without missing glyphs, and follow seaborn's ax convention.

The overview study's figures are tested in ``tests/test_plots_overview.py``.
"""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from cvm_lib import plots  # noqa: E402


@pytest.mark.slow
def test_generic_study_figures_render_in_both_languages(tmp_path):
    # heatmap, share bars and Lorenz curve also in tests/test_plots_segmentation.py
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    matrix = pd.DataFrame(rng.random((3, 3)), index=["低", "中", "高"], columns=["low", "mid", "high"])
    shares = pd.DataFrame({"n": [50, 30, 20], "share": [0.2, 0.3, 0.5]}, index=["重要价值客户", "一般发展客户", "C"])
    curve = pd.DataFrame({"customer_share": np.linspace(0, 1, 11), "value_share": np.linspace(0, 1, 11) ** 3})
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
            axes = [
                plots.plot_heatmap(matrix, title="九宫格"),
                plots.plot_share_bars(shares, count="n", share="share", title="segments", xlabel="客户数"),
                plots.plot_lorenz(curve, title="洛伦兹曲线", xlabel="客户累计占比", ylabel="价值累计占比"),
                plots.plot_survival(km, title="KM", xlabel="周", ylabel="仍活跃的比例"),
                plots.plot_forest(forest, title="HR", xlabel="风险比"),
                plots.plot_gain(lift, title="增益", xlabel="目标客户占比"),
                plots.plot_lift(lift, title="提升度"),
                plots.plot_lines(km, x="time", y="survival", group="group", title="留存"),
                plots.plot_radar(radar, title="雷达图"),
                plots.plot_waterfall(steps, title="瀑布图", total_label="合计"),
            ]
            for ax in axes:
                assert isinstance(ax, plt.Axes) and ax.get_title()
                ax.figure.savefig(tmp_path / "f.png")
                plt.close(ax.figure)


def test_generic_figures_draw_on_the_axes_given_and_read_terms_by_name():
    import pandas as pd

    fig, (left, right) = plt.subplots(1, 2)
    forest = pd.DataFrame({"term": ["b", "a"], "estimate": [0.7, 1.4], "lower": [0.5, 1.1], "upper": [0.9, 1.8]})
    assert plots.plot_forest(forest, term="term", ax=left) is left
    assert [t.get_text() for t in left.get_yticklabels()] == ["b", "a"]
    shares = pd.DataFrame({"segment": ["x", "y"], "n": [5, 10], "share": [0.25, 0.75]})
    assert plots.plot_share_bars(shares, count="n", share="share", group="segment", ax=right) is right
    assert [t.get_text() for t in right.get_yticklabels()] == ["x", "y"]
    plt.close(fig)
