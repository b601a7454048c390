"""The overview study's figures render in both languages without missing glyphs, labelled in the display language."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from cvm_lib import plots  # noqa: E402
from cvm_lib.labels import label  # noqa: E402
from cvm_lib.studies import overview, set_display  # noqa: E402


@pytest.fixture(scope="module")
def tables():
    from cvm_lib.studies import _table

    saved = dict(_table._DISPLAY)
    case = overview.load("cdnow_sample")
    _table._DISPLAY.update(saved)
    return overview.activity(case, "M"), overview.customer_summary(case, "W")


@pytest.fixture(autouse=True)
def _display_restored(monkeypatch):
    from cvm_lib.studies import _table

    monkeypatch.setattr(_table, "_DISPLAY", dict(_table._DISPLAY))


def test_a_cjk_font_is_available_after_setup():
    assert plots.cjk_font_name() is not None


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.slow
def test_every_overview_figure_renders_without_missing_glyphs(tables, lang, tmp_path):
    activity, summary = tables
    set_display(lang, "$")
    plots.set_theme(lang)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        figures = [overview.activity_figure(activity).figure, overview.new_customers_figure(activity).figure,
                   overview.rfm_figure(summary)]
        for fig in figures:
            fig.savefig(tmp_path / "f.png")
            texts = [t.get_text() for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label)]
            assert any(label("customers", lang) in t or label("purchases", lang) in t for t in texts)
            plt.close(fig)
    assert figures[0].axes[1].get_ylabel() == f"{label('revenue', lang)} ($)"
    assert label("weeks", lang, context="unit") in figures[2].axes[1].get_xlabel()


def test_figures_draw_on_a_given_axes(tables):
    activity, _ = tables
    fig, (left, right) = plt.subplots(1, 2)
    assert overview.new_customers_figure(activity, ax=right) is right
    assert [line.get_ydata().tolist() for line in right.get_lines()][0] == activity.data["new_customers"].tolist()
    plt.close(fig)


def test_unknown_language_is_rejected():
    with pytest.raises(ValueError, match="lang='fr'"):
        plots.set_theme("fr")
