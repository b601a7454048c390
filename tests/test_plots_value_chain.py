"""Generic value-chain figures (cvm_lib.plots.value_chain): tidy table in, Axes out, text as given."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cvm_lib import plots  # noqa: E402
from cvm_lib.plots import value_chain as vcp  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_grouped_bars_draw_every_value_at_its_height():
    table = pd.DataFrame({"k": ["0", "1", "2+"], "实际": [10, 4, 2], "模型": [9.5, 4.4, 2.1]})
    ax = vcp.plot_observed_vs_model(table, x="k", columns=["实际", "模型"], title="分布", xlabel="次数", ylabel="客户数")
    heights = sorted(round(p.get_height(), 2) for p in ax.patches)
    assert heights == sorted([10, 4, 2, 9.5, 4.4, 2.1])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2+"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["实际", "模型"]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("分布", "次数", "客户数")


def test_given_axes_are_used():
    fig, (left, right) = plt.subplots(1, 2)
    table = pd.DataFrame({"a": [0.0, 1.0, 10.0], "b": [2.0, 1.0, 5.0]})
    assert vcp.plot_loglog_scatter(table, x="a", y="b", ax=right) is right
    curve = pd.DataFrame({"s": [0, 0.5, 1.0], "p": [0.0, 120.0, 100.0]})
    assert vcp.plot_whale(curve, x="s", y="p", peak=(0.5, 120.0), ax=left) is left
    assert len(fig.axes) == 2


def test_loglog_scatter_floors_small_values():
    table = pd.DataFrame({"a": [0.0, 1.0, 10.0], "b": [2.0, 0.001, 5.0]})
    ax = vcp.plot_loglog_scatter(table, x="a", y="b", floor=0.01, xlabel="模型 CLV（¥）")
    offsets = ax.collections[0].get_offsets()
    assert offsets[:, 0].min() == pytest.approx(0.01) and offsets[:, 1].min() == pytest.approx(0.01)
    assert ax.get_xlabel() == "模型 CLV（¥）"


def test_whale_marks_the_peak_and_the_100_line():
    curve = pd.DataFrame({"s": np.linspace(0, 1, 5), "p": [0.0, 80.0, 130.0, 115.0, 100.0]})
    ax = vcp.plot_whale(curve, x="s", y="p", peak=(0.5, 130.0), annotation="峰值 130%")
    assert ax.collections[0].get_offsets().tolist() == [[0.5, 130.0]]
    assert ax.get_ylim()[1] >= 130.0 * 1.05 - 1e-9 and [t.get_text() for t in ax.texts] == ["峰值 130%"]
    assert any(list(line.get_ydata()) == [100, 100] for line in ax.lines)


def test_stacked_bars_total_is_the_sum_of_the_parts():
    table = pd.DataFrame({"g": ["重要价值客户", "一般挽留客户"], "历史": [10.0, 1.0], "当前": [5.0, 0.5],
                          "潜在": [1.0, 0.25], "n": [1200, 30]})
    ax = vcp.plot_stacked_totals(table, group="g", parts=["历史", "当前", "潜在"], count="n", xlabel="人均价值（¥）")
    ends = {}
    for patch in ax.patches:
        y = round(patch.get_y() + patch.get_height() / 2)
        ends[y] = max(ends.get(y, 0.0), patch.get_x() + patch.get_width())
    assert sorted(ends.values()) == pytest.approx([1.75, 16.0])
    assert [t.get_text().strip() for t in ax.texts] == ["16.0  (n=1,200)", "1.8  (n=30)"]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.slow
def test_no_missing_glyphs(lang, tmp_path):
    plots.set_theme(lang)
    text = "客户占比" if lang == "zh" else "Share of customers"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = vcp.plot_observed_vs_model(pd.DataFrame({"k": ["0"], text: [1.0]}), x="k", columns=[text], title=text)
        ax.figure.savefig(tmp_path / "f.png")
