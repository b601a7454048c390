"""The generic bar figures of cvm_lib.plots.indicators: tidy table + column names + text in,
Axes out, drawing on a given Axes, in both languages without missing glyphs."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cvm_lib import plots  # noqa: E402
from cvm_lib.plots.indicators import plot_answer_bars, plot_side_by_side_bars, plot_ranked_bars, plot_share_stack  # noqa: E402


@pytest.fixture()
def units():
    return pd.DataFrame({"unit": ["门店3", "S01", "全部"], "closeness": [0.8, 0.5, 0.6],
                         "dimension": ["customer", "financial", "customer"], "note": ["59.0 (#2)", "#1", "x"],
                         "a": [0.2, 0.3, 0.5], "b": [0.5, 0.3, 0.1], "c": [0.3, 0.4, 0.4]})


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_ranked_bars_keep_the_table_order_and_annotate(units):
    ax = plot_ranked_bars(units, value="closeness", name="unit", annotation="note", title="TOPSIS 排名",
                          xlabel="贴近度")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["门店3", "S01", "全部"]
    assert [round(p.get_width(), 3) for p in ax.patches] == [0.8, 0.5, 0.6]
    assert [t.strip() for t in _texts(ax)] == ["59.0 (#2)", "#1", "x"]
    assert ax.get_title() == "TOPSIS 排名" and ax.get_xlabel() == "贴近度"
    plt.close(ax.figure)


def test_ranked_bars_colour_by_group_with_translated_legend(units):
    ax = plot_ranked_bars(units, value="closeness", name="unit", group="dimension",
                          group_labels={"customer": "客户维度", "financial": "财务维度"})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["客户维度", "财务维度"]
    colours = [p.get_facecolor() for p in ax.patches]
    assert colours[0] == colours[2] != colours[1]
    plt.close(ax.figure)


def test_stacked_bars_stack_the_parts_and_draw_on_a_given_axes(units):
    fig, (left, right) = plt.subplots(1, 2)
    ax = plot_share_stack(units, parts=["a", "b", "c"], part_labels=["很满意", "一般", "不满意"], name="unit",
                           annotation="note", separate_last=True, ax=right)
    assert ax is right and not left.patches
    widths = np.array([p.get_width() for p in ax.patches]).reshape(3, 3)  # parts × rows
    np.testing.assert_allclose(widths.sum(axis=0), 1.0)
    np.testing.assert_allclose([p.get_x() for p in ax.patches][3:6], units["a"])  # b starts where a ends
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["很满意", "一般", "不满意"]
    assert len(ax.lines) == 1  # the line above the pooled row
    plt.close(fig)


def test_grouped_bars_put_the_values_side_by_side(units):
    ax = plot_side_by_side_bars(units, values=["a", "b"], value_labels=["AHP", "熵权"], name="unit", title="权重")
    assert len(ax.patches) == 6 and [t.get_text() for t in ax.get_legend().get_texts()] == ["AHP", "熵权"]
    plt.close(ax.figure)


def test_answer_bars_highlight_and_note():
    table = pd.DataFrame({"answer": ["1 几乎没有", "2 较少", "3 一般"], "share": [0.5, 0.3, 0.2], "n": [50, 30, 20],
                          "low": [True, True, False]})
    ax = plot_answer_bars(table, category="answer", share="share", count="n", highlight="low", note="80% 回答 1 或 2")
    colours = [p.get_facecolor() for p in ax.patches]
    assert colours[0] == colours[1] != colours[2]
    assert "50.0%\n(50)" in _texts(ax) and "80% 回答 1 或 2" in _texts(ax)
    plt.close(ax.figure)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.slow
def test_the_figures_render_without_missing_glyphs(units, lang, tmp_path):
    plots.set_theme(lang)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for ax in (plot_ranked_bars(units, value="closeness", name="unit", title="综合权重"),
                   plot_share_stack(units, parts=["a", "b", "c"], name="unit", title="模糊综合评价"),
                   plot_side_by_side_bars(units, values=["a", "b", "c"], name="unit", title="客户维度"),
                   plot_answer_bars(units, category="unit", share="a", title="会员卡")):
            ax.figure.savefig(tmp_path / "f.png")
            plt.close(ax.figure)
