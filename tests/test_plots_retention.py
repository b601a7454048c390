"""Figures of the retention domain: the generic ones of cvm_lib.plots.retention (tidy table + column
names + strings, ax in, Axes out, no language) and the study figures of cvm_lib.studies.retention,
which pick the labels and must render in both languages without a missing glyph."""

import inspect
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cvm_lib import plots  # noqa: E402
from cvm_lib.plots import retention as rp  # noqa: E402
from cvm_lib.studies import load_case, set_display  # noqa: E402
from cvm_lib.studies import retention as rt  # noqa: E402
from _sbg_independent import IndependentSBG  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")
    set_display("en", "$")
    plots.set_theme("en")


def test_generic_figures_take_no_language_and_return_axes():
    for name in rp.__all__:
        fn = getattr(rp, name)
        params = inspect.signature(fn).parameters
        assert "lang" not in params and "ax" in params, name


def test_fit_vs_actual_draws_on_the_given_axes_by_column_name():
    fig, ax = plt.subplots()
    t = pd.DataFrame({"year": [0, 1, 2, 3], "fitted_share": [1.0, 0.8, 0.7, 0.6], "actual_share": [1.0, 0.82, 0.69, 0.5]})
    out = rp.plot_fit_vs_actual(t.iloc[::-1], x="year", fitted="fitted_share", actual="actual_share", split=1.5, ax=ax,
                                fitted_label="model", actual_label="seen", before_label="fit", after_label="holdout")
    assert out is ax
    line, markers = ax.get_lines()[:2]
    np.testing.assert_allclose(line.get_ydata(), [0.6, 0.7, 0.8, 1.0])  # rows as given, read by name
    np.testing.assert_allclose(markers.get_ydata(), [0.5, 0.69, 0.82, 1.0])
    assert {t.get_text() for t in ax.texts} == {"fit", "holdout"}


def test_framed_heatmap_frames_exactly_the_marked_cells():
    v = pd.DataFrame([[10.0, 40.0, 90.0], [np.nan, 200.0, 30.0]], index=["a", "b"], columns=["x", "y", "z"])
    ax = rp.plot_framed_heatmap(v, frame=(v >= 25) & (v <= 95), clip=100)
    frames = [(p.get_x(), p.get_y()) for p in ax.patches if isinstance(p, plt.Rectangle) and not p.get_fill()]
    assert sorted((round(x), round(y)) for x, y in frames) == [(1, 0), (2, 0), (2, 1)]
    texts = sorted(t.get_text() for t in ax.texts if t.get_text())
    assert texts == ["10", "200", "30", "40", "90"]  # the clipped cell still shows its number; NaN blank


def test_roc_calibration_and_bars_follow_the_groups():
    roc = pd.DataFrame({"m": ["a"] * 3 + ["b"] * 3, "fpr": [0, .5, 1] * 2, "tpr": [0, .8, 1, 0, .6, 1]})
    ax = rp.plot_roc(roc, group="m")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    cal = pd.DataFrame({"m": ["a", "a"], "mean_predicted": [.2, .7], "observed_rate": [.25, .6]})
    assert rp.plot_calibration(cal, group="m", title="c").get_title() == "c"
    bars = pd.DataFrame({"f": pd.Categorical(["y", "x", "y", "x"], categories=["y", "x"]), "g": ["a", "a", "b", "b"],
                         "v": [.3, .1, .2, .05], "s": [.01, .02, .01, 0.0]})
    ax = rp.plot_bars_with_errors(bars, category="f", value="v", error="s", group="g")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["y", "x"]
    widths = sorted(round(p.get_width(), 2) for p in ax.patches)
    assert widths == [0.05, 0.1, 0.2, 0.3]


def test_curve_with_points_marks_the_scenarios():
    c = pd.DataFrame({"r": [10, 50, 90], "v": [1.0, 2.0, 5.0]})
    p = pd.DataFrame({"r": [50, 55], "v": [2.0, 2.3]})
    ax = rp.plot_curve_with_points(c, p, x="r", y="v", point_labels=["firm", "+5"])
    marked = [line for line in ax.get_lines() if line.get_label() in ("firm", "+5")]
    assert [(float(m.get_xdata()[0]), float(m.get_ydata()[0])) for m in marked] == [(50.0, 2.0), (55.0, 2.3)]


@pytest.fixture(scope="module")
def results():
    case = rt.retention_case(load_case("retail_demo", seed=7, n_customers=4000), "acquisition_channel")
    churn = rt.churn_study(case)
    return {"case": case, "churn": churn, "pred": rt.churn_prediction(case, n_repeats=1),
            "sbg": rt.sbg_study("regular", model=IndependentSBG()), "cox": rt.cox_study(churn)}


def test_forest_plot_reads_the_terms_by_name(results):
    plots.set_theme("zh")
    set_display("zh")
    ax = rt.figure_hazard_ratios(results["cox"])
    table = rt.cox_table(results["cox"])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "获客渠道：价格促销（对照：自然到店）"  # the first term on top
    assert labels[0] == "客户保持计划" and len(labels) == len(table)
    x = np.asarray(ax.get_lines()[0].get_xdata(), dtype=float)
    np.testing.assert_allclose(x, table["hazard_ratio"].to_numpy()[::-1])


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.slow
def test_every_study_figure_renders_without_missing_glyphs(results, lang, tmp_path):
    plots.set_theme(lang)
    set_display(lang)
    case, churn, pred, sbg = results["case"], results["churn"], results["pred"], results["sbg"]
    makers = [
        lambda: rt.figure_cohort_heatmap(rt.cohort_study(case, period="M")),
        lambda: rt.figure_group_retention(rt.cohort_study(case, period="M", group="member")),
        lambda: rt.figure_km(rt.survival_study(churn, "acquisition_channel")),
        lambda: rt.figure_hazard_ratios(results["cox"]),
        lambda: rt.figure_sbg_projection(sbg),
        lambda: rt.figure_retention_by_tenure(sbg),
        lambda: rt.figure_reichheld(rt.reichheld_study()),
        lambda: rt.figure_retention_profit(rt.firm_economics(case)),
        lambda: rt.figure_roc_calibration(pred),
        lambda: rt.figure_churn_lift(pred),
        lambda: rt.figure_importance(pred),
        lambda: rt.figure_programme(rt.programme_study(case, churn)),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        for make in makers:
            drawn = make()
            assert drawn is not None
            fig = drawn if isinstance(drawn, plt.Figure) else drawn.figure
            fig.savefig(tmp_path / "f.png")
            texts = " ".join(t.get_text() for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label))
            texts += " " + (fig._suptitle.get_text() if fig._suptitle else "")
            assert any("\u4e00" <= ch <= "\u9fff" for ch in texts) == (lang == "zh"), texts
            plt.close(fig)
