"""Segmentation figures: the generic ones of cvm_lib.plots.segmentation (tidy table, column
names and text in, the Axes out) and the study figures of cvm_lib.studies.segmentation,
which render in both languages without missing glyphs."""

from __future__ import annotations

import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cvm_lib import plots  # noqa: E402
from cvm_lib.plots import segmentation as sp  # noqa: E402
from cvm_lib.studies import Skipped, load_case, set_display  # noqa: E402
from cvm_lib.studies import segmentation as seg  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def study(cdnow_sample):
    case = load_case(cdnow_sample, currency="$")
    scores = seg.case_scores(case)
    return dict(scores=scores, concentration=seg.value_concentration(scores),
                clusters=seg.cluster_study(scores, n_boot=2, seed=1, k_range=range(2, 5)), grid=seg.value_grid(case),
                lifecycle=seg.lifecycle_study(case), migration=seg.migration_study(case))


def _texts(fig: plt.Figure) -> str:
    parts = [t.get_text() for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label)]
    parts += [t.get_text() for ax in fig.axes for t in ax.texts]
    parts += [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()]
    if fig._suptitle is not None:
        parts.append(fig._suptitle.get_text())
    return " ".join(parts)


@pytest.mark.slow
def test_study_figures_render_in_both_languages_without_missing_glyphs(study, tmp_path):
    scores = study["scores"]
    try:
        for lang in ("en", "zh"):
            set_display(lang, "$")
            plots.set_theme(lang)
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # "Glyph ... missing from font(s)" and deprecations fail
                made = {
                    "rf": seg.figure_rf_heatmap(seg.rf_cells(scores)),
                    "rf10": seg.figure_segments(seg.segment_table(scores, "rf10"), "rf10"),
                    "cn8": seg.figure_segments(seg.segment_table(scores, "cn8"), "cn8"),
                    "lorenz": seg.figure_concentration(study["concentration"]),
                    "k": seg.figure_k_selection(study["clusters"]),
                    "profiles": seg.figure_profiles(study["clusters"]),
                    "grid": seg.figure_nine_grid(study["grid"]),
                    "lifecycle": seg.figure_lifecycle(study["lifecycle"]),
                    "migration": seg.figure_migration(study["migration"]),
                    "hidden": seg.figure_hidden_churn(study["migration"]),
                }
                for key, out in made.items():
                    fig = out if isinstance(out, plt.Figure) else out.figure
                    fig.savefig(tmp_path / f"{key}_{lang}.png")
                    joined = _texts(fig)
                    if lang == "zh":
                        assert CJK.search(joined), key
                    else:
                        assert not CJK.search(joined), (key, joined)
                    plt.close(fig)
        set_display("zh", "$")
        plots.set_theme("zh")
        ax = seg.figure_nine_grid(study["grid"])
        assert any("持续投入" in t.get_text() for t in ax.texts)
        assert ax.get_xlabel() == "当前价值：最近 6 个月的消费金额"
        plt.close(ax.figure)
        ax = seg.figure_profiles(study["clusters"])
        assert [t.get_text() for t in ax.get_xticklabels()][0] == "平均距末次购买（周）"
        plt.close(ax.figure)
        daily = seg.cluster_study(seg.case_scores(load_case("cdnow_sample"), time_unit="D"), k=2, n_boot=2)
        ax = seg.figure_profiles(daily)
        assert [t.get_text() for t in ax.get_xticklabels()][0] == "平均距末次购买（天）"
        plt.close(ax.figure)
        ax = seg.figure_migration(study["migration"])
        assert [t.get_text() for t in ax.get_yticklabels()] == ["金牌", "银牌", "铜牌", "新进入"]
        assert ax.get_xlabel() == "1998Q2 层级"
        plt.close(ax.figure)
    finally:
        set_display("en", "$")
        plots.set_theme("en")


def test_study_figures_pass_a_skipped_section_through(study):
    skipped = Skipped("migration", "skipped_migration", "segmentation", {"period": "Y"})
    assert seg.figure_migration(skipped) is skipped and seg.figure_hidden_churn(skipped) is skipped
    assert seg.figure_nine_grid(skipped) is skipped


def test_generic_figures_take_an_axes_and_the_text_given():
    plots.set_theme("en")
    fig, axes = plt.subplots(2, 3)
    cells = pd.DataFrame({"R": [2, 2, 1, 1], "F": [1, 2, 1, 2], "customers": [3, 1, 0, 2],
                          "monetary_mean": [10.0, 50.0, np.nan, 20.0]})
    assert sp.plot_rf_heatmap(cells, ax=axes[0, 0], title="客户") is axes[0, 0]
    assert [t.get_text() for t in axes[0, 0].get_yticklabels()] == ["2", "1"]  # high R at the top
    assert "n=0" in [t.get_text() for t in axes[0, 0].texts]
    curve = pd.DataFrame({"customer_share": np.linspace(0, 1, 11), "value_share": np.linspace(0, 1, 11) ** 3})
    ax = sp.plot_concentration(curve, top_customer_share=0.2, top_value_share=0.49, class_customer_shares=[0.2, 0.3, 0.5],
                               class_names=["A", "B", "C"], ax=axes[0, 1], point_label="top")
    assert ax is axes[0, 1] and {"A", "B", "C", "top"} <= {t.get_text() for t in ax.texts}
    counts = pd.DataFrame([[1, 2, 3], [4, 5, 6], [7, 8, 9]], index=["h", "m", "l"], columns=["l", "m", "h"])
    ax = sp.plot_nine_grid(counts, counts / 45, counts.astype(str), ax=axes[0, 2], value_word="v")
    assert ax.texts[0].get_text() == f"1\n1 ({1 / 45:.1%})\nv {1 / 45:.1%}"
    shares = pd.DataFrame({"g": ["a", "b"], "c": [0.4, 0.6], "v": [0.7, 0.3], "n": [4, 6]})
    ax = sp.plot_paired_shares(shares, group="g", first="c", second="v", count="n", labels={"c": "C"}, ax=axes[1, 0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["C", "v"]
    matrix = pd.DataFrame([[0.5, 0.5], [1.0, 0.0]], index=["a", "new"], columns=["a", "lapsed"])
    ax = sp.plot_transition_matrix(matrix, (matrix * 4).astype(int), ax=axes[1, 1])
    assert [t.get_text() for t in ax.texts][-1] == ""  # entry × exit corner is not a flow
    turnover = pd.DataFrame({"period": ["Q1", "Q2"], "stayed": [5, 6], "entered": [2, 1], "exited": [1, 2],
                             "size_after": [7, 7], "hidden_churn": [1, 1]})
    ax = sp.plot_tier_turnover(turnover, ax=axes[1, 2], labels={"stayed": "留"})
    assert "留" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)


def test_generic_figures_name_a_missing_column():
    with pytest.raises(ValueError, match=r"no column\(s\) \['monetary_mean'\]"):
        sp.plot_rf_heatmap(pd.DataFrame({"R": [1], "F": [1], "customers": [1]}))
    with pytest.raises(ValueError, match="share"):
        sp.plot_paired_shares(pd.DataFrame({"g": ["a"]}), group="g", first="share", second="v")
    k = pd.DataFrame({"k": [2, 3], "silhouette": [0.5, 0.6], "bic": [9.0, 5.0], "chosen": [False, True]})
    fig = sp.plot_k_selection(k, right=["bic", "aic"], labels={"bic": "BIC"}, chosen_text="k=3")
    assert fig.axes[1].get_ylabel() == "BIC" and " k=3" in [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)


@pytest.mark.slow
def test_the_generic_figures_segmentation_uses_render_chinese_text(tmp_path):
    """plot_heatmap, plot_share_bars and plot_lorenz (cvm_lib.plots) with Chinese text: no missing glyph."""
    rng = np.random.default_rng(0)
    matrix = pd.DataFrame(rng.random((3, 3)), index=["低", "中", "高"], columns=["low", "mid", "high"])
    shares = pd.DataFrame({"n": [50, 30, 20], "share": [0.2, 0.3, 0.5]}, index=["重要价值客户", "一般发展客户", "C"])
    curve = pd.DataFrame({"customer_share": np.linspace(0, 1, 11), "value_share": np.linspace(0, 1, 11) ** 3})
    plots.set_theme("zh")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for ax in (plots.plot_heatmap(matrix, title="九宫格"),
                       plots.plot_share_bars(shares, count="n", share="share", title="客户群"),
                       plots.plot_lorenz(curve, title="洛伦兹曲线", xlabel="客户累计占比")):
                ax.figure.savefig(tmp_path / "f.png")
                assert CJK.search(ax.get_title())
                plt.close(ax.figure)
    finally:
        plots.set_theme("en")
