"""The value-chain study (cvm_lib.studies.value_chain): values recomputed independently, stable recorded
tables in both languages, catalogue coverage, assumptions and generated sentences."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cvm_lib.clv import BetaGeo, GammaGamma, customer_lifetime_value  # noqa: E402
from cvm_lib.data import CvmDataError  # noqa: E402
from cvm_lib.labels import entry, has_label  # noqa: E402
from cvm_lib.studies import Skipped, Table, set_display  # noqa: E402
from cvm_lib.studies import value_chain as vc  # noqa: E402
from cvm_lib.summary import rfm_summary  # noqa: E402
from cvm_lib.valuechain import acquisition_payback  # noqa: E402


@pytest.fixture(autouse=True)
def english():
    before = set_display()
    set_display("en", "$")
    yield
    set_display(before["lang"], before["currency"])


@pytest.fixture(scope="module")
def case():
    return vc.load("cdnow_sample")


@pytest.fixture(scope="module")
def fits(case):
    return vc.fit_models(case, ["BetaGeo", "ParetoNBD"])


@pytest.fixture(scope="module")
def checks(case, fits):
    return vc.model_checks(case, fits)


@pytest.fixture(scope="module")
def clv(case):
    return vc.clv_study(case, "BetaGeo", horizon=52, margin=0.3, discount_rate=0.1, cross_sell_rate=0.05,
                        upsell_rate=0.1, referral_rate=0.02)


@pytest.fixture(scope="module")
def retail():
    return vc.load("retail_demo", n_customers=3000, seed=7)


@pytest.fixture(scope="module")
def retail_clv(retail):
    return vc.clv_study(retail, "BetaGeo", horizon=52, interval=None)


# --------------------------------------------------------------------------- data

def test_case_defaults(case):
    assert case.calibration_end == pd.Timestamp("1997-09-30")
    assert case.observation_end == pd.Timestamp("1998-06-30")
    assert not case.has_cogs and not case.has_acquisition_cost and not case.has_channels
    assert float(case.cal_holdout["duration_holdout"].iloc[0]) == pytest.approx(39.0)
    assert case.currency == "$"


def test_retail_case_midpoint_and_costs(retail):
    start, end = retail.transactions["date"].min().normalize(), retail.observation_end
    assert retail.calibration_end == (start + (end - start) / 2).normalize()
    assert retail.has_cogs and retail.has_acquisition_cost and retail.has_channels
    assert set(retail.customers.columns) >= {"acquisition_channel", "acquisition_cost", "cost_to_serve_rate"}
    assert retail.currency == "¥"


def test_bad_calibration_end():
    with pytest.raises(ValueError, match="calibration_end 1999-01-01 must lie between"):
        vc.load("cdnow_sample", calibration_end="1999-01-01")
    with pytest.raises(ValueError, match="is not a date"):
        vc.load("cdnow_sample", calibration_end="soon")


def test_data_table_states_the_margin_assumption(case):
    table = vc.data_table(case, margin=0.25)
    facts = table.data.set_index("item")["value"]
    assert facts["customers"] == 2357 and facts["costs"] == "costs_none" and facts["assumed_margin"] == 0.25
    shown = table.to_frame("en").set_index("Item")["Value"]
    assert shown["Assumed gross margin"] == "25.0%" and shown["Holdout length"] == "39.0 weeks"
    assert "1,997" not in " ".join(shown) and shown["Customers"] == "2,357"
    assert facts["data"] == "cdnow_sample"


def test_data_table_names_the_source_of_a_file(tmp_path):
    from cvm_lib.data import load_transactions
    from cvm_lib.datasets import cdnow

    source = tmp_path / "会员消费.csv"
    cdnow(sample=True).head(300).to_csv(source, index=False)
    tx = load_transactions(source)
    snapshot = tmp_path / "snapshot.parquet"
    from cvm_lib.report.snapshot import write_snapshot

    write_snapshot(tx, snapshot, source={"source": str(source)})
    data = vc.load(str(snapshot))
    assert vc.data_table(data).data.set_index("item").loc["data", "value"] == str(source)


# --------------------------------------------------------------------------- models and checks

def test_fit_table_published(fits):
    ll = fits.fit["log_likelihood"]
    assert ll["BetaGeo"] == pytest.approx(-9582.4, abs=0.1)
    assert ll["ParetoNBD"] == pytest.approx(-9595.0, abs=0.1)
    assert fits.fit["aic"]["BetaGeo"] == pytest.approx(8 - 2 * ll["BetaGeo"])
    est = fits.parameters.set_index(["model", "parameter"])["estimate"]
    assert est[("BetaGeo", "alpha")] == pytest.approx(4.414, abs=1e-3)
    assert est[("ParetoNBD", "beta")] == pytest.approx(11.669, abs=2e-2)
    assert fits.chosen == "BetaGeo"


def test_unknown_model(case):
    with pytest.raises(ValueError, match="not a purchase model.*parameter models"):
        vc.fit_models(case, ["ShiftedBetaGeo"])


def test_checks_metrics(checks):
    table = vc.check_metrics_table(checks).data.set_index("model")
    assert table.loc["BetaGeo", "chi2"] == pytest.approx(4.82, abs=0.02)
    assert table.loc["ParetoNBD", "correlation"] == pytest.approx(0.630, abs=0.005)
    assert checks.grid.expected.shape == (11, 8)
    hist = vc.histogram_table(checks).data
    assert hist["actual_customers"].tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]
    assert list(hist.columns) == ["repeat_purchases", "actual_customers", "expected_BetaGeo", "expected_ParetoNBD"]


def test_check_narrative_from_this_data(checks):
    text = vc.check_narrative(checks).text("en")
    h = checks.holdout["BetaGeo"].metrics
    assert f"{h['actual_total']:,.0f} actual" in text and "BG/NBD predicts" in text
    best = min(checks.holdout, key=lambda n: checks.holdout[n].metrics["mae"])
    assert {"BetaGeo": "BG/NBD", "ParetoNBD": "Pareto/NBD"}[best] + " has the smallest" in text


# --------------------------------------------------------------------------- CLV

def test_clv_recomputed(case, clv):
    summary = rfm_summary(case.transactions, observation_end="1998-06-30", time_unit="W")
    bg = BetaGeo().fit(summary)
    gg = GammaGamma().fit(summary[summary["frequency"] > 0])
    rate = 1.1 ** (7 / 365.25) - 1
    expected = customer_lifetime_value(bg, gg, summary, horizon=52, margin=0.3, discount_rate=rate, time_unit="W")
    got = clv.per_customer["current_value"]
    assert got.to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-6)


def test_teaching_clv_recomputed(case, clv):
    tx = case.transactions
    cid = str(tx["customer_id"].iloc[0])
    mine = tx[tx["customer_id"] == cid]
    days = mine["date"].dt.normalize().nunique()
    mean_spend = mine["amount"].sum() / days
    T = (pd.Timestamp("1998-06-30") - mine["date"].min().normalize()).days / 7
    expected = mean_spend * (days - 1) / T * 52 * 0.3
    assert clv.per_customer.loc[cid, "teaching_clv"] == pytest.approx(expected)
    one_timers = clv.per_customer.loc[clv.per_customer["purchase_rate"] == 0, "teaching_clv"]
    assert (one_timers == 0).all() and len(one_timers) > 0


def test_value_decomposition(case, clv):
    pc = clv.per_customer
    revenue = case.transactions.groupby("customer_id")["amount"].sum()
    assert pc["historical_value"].to_numpy() == pytest.approx(0.3 * revenue.reindex(pc.index).to_numpy())
    p = clv.parameters
    expected = (0.05 * pc["historical_value"].mean() + 0.1 * pc["current_value"]
                + 0.02 * pc["current_value"].mean())
    assert pc["potential_value"].to_numpy() == pytest.approx(expected.to_numpy())
    assert p["referral_value"] == pytest.approx(pc["current_value"].mean())
    seg = clv.decomposition.per_segment
    assert seg["customers"].sum() == len(pc)
    assert seg["total_value"].sum() == pytest.approx(pc["total_value"].sum())
    table = vc.value_by_segment_table(clv).data
    assert table["segment"].iloc[0] == "important_value"  # canonical order, stable ids
    assert set(table["segment"]) <= {"important_value", "important_development", "important_retention",
                                     "important_winback", "general_value", "general_development",
                                     "general_retention", "general_winback"}
    assert "历史价值" in vc.value_by_segment_table(clv).to_frame("zh").columns


def test_clv_comparison_all_customers_row(clv):
    table = vc.clv_comparison_table(clv).data.set_index("segment")
    pc = clv.per_customer
    assert table.loc["all_customers", "customers"] == len(pc)
    assert table.loc["all_customers", "teaching_to_model"] == pytest.approx(
        pc["teaching_clv"].mean() / pc["current_value"].mean())


def test_clv_interval_and_skips(clv, case):
    table = vc.clv_interval_table(clv).data.set_index("figure")
    p = clv.parameters
    assert table.loc["clv_equity", "estimate"] == pytest.approx(clv.per_customer["current_value"].sum(), rel=1e-9)
    assert table.loc["clv_equity", "interval_lower"] < table.loc["clv_equity", "estimate"] \
        < table.loc["clv_equity", "interval_upper"]
    assert table.loc["mean_model_clv", "interval_upper"] == pytest.approx(p["equity_upper"] / len(clv.per_customer))
    assert "90% lower bound" in vc.clv_interval_table(clv).to_frame("en").columns
    assert isinstance(vc.covariate_effects_table(clv), Skipped)
    plain = vc.clv_study(case, interval=None)
    skipped = vc.clv_interval_table(plain)
    assert isinstance(skipped, Skipped) and "clv_interval" in skipped.text("en")


def test_clv_narrative_from_this_data(clv):
    text = vc.clv_narrative(clv).text("en")
    pc = clv.per_customer
    assert f"${pc['current_value'].mean():.2f}" in text and "30.0% gross margin" in text and "10.0% annual" in text
    values = pc["current_value"].sort_values(ascending=False)
    share = values.iloc[: round(0.2 * len(values))].sum() / values.sum()
    assert f"{share:.1%}" in text
    zh = vc.clv_narrative(clv).text("zh")
    assert "假定毛利率为 30.0%" in zh and "Over the next" not in zh


@pytest.mark.slow
def test_clv_with_channel_covariate(retail):
    """Moved from tests/test_clv_covariates.py (the study glue)."""
    study = vc.clv_study(retail, "ParetoNBD", horizon=26, covariates=["acquisition_channel"], interval=0.9,
                         n_draws=40)
    effects = vc.covariate_effects_table(study).data
    levels = retail.customers["acquisition_channel"].nunique()
    assert len(effects) == 2 * (levels - 1) and set(effects["process"]) == {"purchase", "dropout"}
    promo = effects[(effects["process"] == "dropout")
                    & (effects["covariate"] == "acquisition_channel[price_promotion]")].iloc[0]
    assert promo["estimate"] > 0  # promotion-acquired customers drop out faster (as simulated)
    shown = vc.covariate_effects_table(study).to_frame("zh")
    assert "获客渠道: 价格促销" in set(shown["协变量"]) and set(shown["过程"]) == {"购买率", "流失"}
    pc = study.per_customer
    assert ((pc["current_value_lower"] <= pc["current_value"]) & (pc["current_value"] <= pc["current_value_upper"])).all()
    with pytest.raises(CvmDataError, match="not customer columns"):
        vc.clv_study(retail, covariates=["gender"])


# --------------------------------------------------------------------------- profitability, payback, stages

def test_profitability_without_costs_says_it_is_assumed(case, clv, fits, checks):
    profit = vc.profitability_study(case, margin=0.3)
    assert profit["profit"].sum() == pytest.approx(0.3 * case.transactions["amount"].sum())
    whale = vc.whale_study(profit)
    text = vc.profitability_narrative(case, profit, whale, margin=0.3).text("en")
    assert "no costs" in text and "assumes a 30.0% gross margin" in text and "lose money" not in text.replace(
        "nobody can lose money", "")
    figs = {f["name"]: f for f in vc.key_figures(case, fits, checks, clv, profit=profit, whale=whale)}
    assert "unprofitable_share" not in figs and "whale_peak_pct" not in figs  # 0% / 100% by construction
    assert figs["total_profit"]["assumption"]["en"] == "profitability assumes a 30% margin: no costs in the data"
    assert figs["total_profit"]["assumption"]["zh"].startswith("盈利性按 30% 的假定毛利率计算")
    assert "assumption" in figs["mean_clv"] and "10%" in figs["mean_clv"]["assumption"]["en"]


def test_payback_skipped_on_cdnow(case, clv):
    pb = vc.payback_study(case, clv)
    assert isinstance(pb, Skipped)
    assert "no acquisition channel" in pb.text("en") and "获客渠道" in pb.text("zh")
    assert vc.payback_table(pb) is pb and vc.payback_narrative(pb).text("en") == ""


def test_retail_value_chain(retail, retail_clv):
    set_display("en", retail.currency)
    fits = vc.fit_models(retail, ["BetaGeo"])
    pb = vc.payback_study(retail, retail_clv)
    assert not isinstance(pb, Skipped)
    assert set(pb.summary.index) == set(retail.customers["acquisition_channel"])
    wf = vc.waterfall_study(retail, retail_clv)
    assert wf.iloc[0] == pytest.approx(-retail.customers["acquisition_cost"].mean())
    assert wf.iloc[-1] == pytest.approx(retail_clv.per_customer["current_value"].reindex(retail.customers.index).mean())
    profit = vc.profitability_study(retail)
    assert profit["profit"].sum() == pytest.approx(
        (retail.transactions["amount"] - retail.transactions["cost"]).sum()
        - (retail.transactions["amount"] * retail.transactions["customer_id"].map(
            retail.customers["cost_to_serve_rate"])).sum())
    mc = vc.model_checks(retail, fits)
    whale = vc.whale_study(profit)
    figs = {f["name"]: f for f in vc.key_figures(retail, fits, mc, retail_clv, profit=profit, whale=whale,
                                                  payback=pb)}
    stages = vc.stages_study(retail, retail_clv)
    with_stages = {f["name"] for f in vc.key_figures(retail, fits, mc, retail_clv, stages=stages)}
    assert "develop_cross_sell_rate" in with_stages and "retain_mean_clv" not in with_stages  # no figure twice
    paid = pb.summary[pb.summary["paid_back"]]
    assert {f"payback_period_{c}" for c in paid.index} <= set(figs) and "gini_clv" in figs
    assert figs["unprofitable_share"]["value"] == pytest.approx((profit["profit"] < 0).mean())
    assert "assumption" not in figs["total_profit"]  # the simulation has costs
    said = vc.profitability_narrative(retail, profit, whale).text("en")
    assert f"{(profit['profit'] < 0).mean():.1%} of customers lose money" in said
    assert all(not (isinstance(f["value"], float) and not np.isfinite(f["value"])) for f in figs.values())
    for channel in paid.index:
        assert figs[f"payback_period_{channel}"]["value"] == int(pb.summary.loc[channel, "payback_period"])
    text = vc.payback_narrative(pb).text("en")
    best = pb.summary["net_value"].idxmax()
    assert f"¥{pb.summary.loc[best, 'net_value']:,.2f} net of acquisition cost" in text
    assert " 1 months" not in text


def test_payback_table_not_within_the_data():
    tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": pd.to_datetime(["2024-01-01", "2024-02-10",
                                                                                   "2024-01-01"]),
                       "amount": [10.0, 20.0, 10.0]})
    cust = pd.DataFrame({"customer_id": ["a", "b"], "acquisition_channel": ["organic", "referral"],
                         "acquisition_cost": [10.0, 50.0]})
    pb = acquisition_payback(tx, cust, default_margin=0.5, observation_end="2024-04-30")
    table = vc.payback_table(pb)
    data = table.data.set_index("channel")
    assert data.loc["organic", "payback_period"] == 2 and pd.isna(data.loc["referral", "payback_period"])
    shown = table.to_frame("zh").set_index("获客渠道")
    assert shown.loc["老客推荐", "回收期（月）"] == "—" and shown.loc["老客推荐", "数据期内已回收"] == "否"
    text = vc.payback_narrative(pb).text("en")
    assert "Organic pays back its acquisition cost fastest, in 2 months" in text
    assert "Referral has not paid back its acquisition cost within the 3 months observed" in text


def test_stages_table_formats_by_unit(retail, retail_clv):
    set_display("zh", retail.currency)
    stages = vc.stages_study(retail, retail_clv)
    table = vc.stages_table(stages)
    assert list(table.data.columns) == ["stage", "metric", "value", "unit", "base", "note"]
    shown = table.to_frame("zh").set_index("指标")["数值"]
    assert shown["获取客户数"] == f"{len(retail.customers):,}"
    assert shown["人均获客成本"].startswith("¥") and shown["12个月留存率"].endswith("%")


# --------------------------------------------------------------------------- key figures

def test_figures_values(case, fits, checks, clv):
    figs = {f["name"]: f for f in vc.key_figures(case, fits, checks, clv)}
    assert figs["log_likelihood"]["value"] == pytest.approx(-9582.43, abs=0.01)
    assert figs["holdout_mae"]["value"] == pytest.approx(
        np.abs(fits.model.expected_purchases(case.cal_holdout, 39.0) - case.cal_holdout["frequency_holdout"]).mean())
    assert figs["mean_clv"]["value"] == pytest.approx(clv.per_customer["current_value"].mean())
    v = np.sort(clv.per_customer["current_value"].clip(lower=0).to_numpy())
    n = len(v)
    gini = (2 * np.sum(np.arange(1, n + 1) * v) / (n * v.sum())) - (n + 1) / n
    assert figs["gini_clv"]["value"] == pytest.approx(gini, rel=1e-9)
    assert figs["clv_equity"]["value"] == pytest.approx(clv.per_customer["current_value"].sum())
    for fig in figs.values():
        assert set(fig["label"]) == {"en", "zh"} and fig["label"]["zh"] != "" and not re.search(
            "[A-Za-z]{4,}", fig["label"]["zh"].replace("CLV", "").replace("Gamma", "")), fig


# --------------------------------------------------------------------------- recorded tables: stable, documented

def _sections(case, fits, checks, clv):
    profit = vc.profitability_study(case)
    stages = vc.stages_study(case, clv)
    return [vc.data_table(case), vc.model_fit_table(fits), vc.model_parameters_table(fits),
            vc.check_metrics_table(checks), vc.holdout_table(checks), vc.histogram_table(checks),
            vc.clv_parameters_table(clv), vc.clv_interval_table(clv), vc.clv_comparison_table(clv),
            vc.value_by_segment_table(clv), vc.deciles_table(profit), vc.stages_table(stages)]


def test_every_recorded_column_is_in_the_catalogue(case, fits, checks, clv, retail, retail_clv):
    tables = _sections(case, fits, checks, clv)
    tables.append(vc.payback_table(vc.payback_study(retail, retail_clv)))
    for table in tables:
        assert isinstance(table, Table)
        for column in table.data.columns:
            assert has_label(column, "value_chain"), (table.name, column)
            found = entry(column, "value_chain")
            assert found.en and found.zh and found.doc, (table.name, column)


def test_en_and_zh_record_identical_files(case, fits, checks, clv, tmp_path, monkeypatch):
    monkeypatch.setenv("CVM_STUDY", "02_value_chain")
    written = {}
    for lang in ("en", "zh"):
        monkeypatch.setenv("CVM_RESULTS_DIR", str(tmp_path / lang))
        set_display(lang)
        _sections(case, fits, checks, clv)
        written[lang] = {p.name: p.read_bytes() for p in sorted((tmp_path / lang).glob("*.csv"))}
    assert len(written["en"]) == 12 and written["en"] == written["zh"]
    header = written["en"]["02_value_chain__profit_deciles.csv"].decode("utf-8-sig").splitlines()[0]
    assert header == "decile,customers,revenue,profit,mean_profit,min_profit,max_profit,share_of_profit," \
                     "cumulative_share_of_profit"


def test_zh_tables_read_cleanly(case, fits, checks, clv):
    set_display("zh")
    for table in _sections(case, fits, checks, clv):
        frame = table.to_frame("zh")
        for header in frame.columns:
            assert not re.search("[A-Za-z]{3,}", header.replace("CLV", "").replace("AIC", "").replace(
                "MBG/NBD", "").replace("BG/NBD", "").replace("Pareto/NBD", "")), (table.name, header)
        cells = " ".join(frame.astype(str).to_numpy().ravel())
        assert not re.search(r"\d\.\d{5,}", cells), table.name
        assert "nan" not in cells.lower().split() and "NaN" not in cells and "None" not in cells, table.name
        assert "<table" in table._repr_html_()


# --------------------------------------------------------------------------- study figures

@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.slow
def test_study_figures_render(case, checks, clv, lang, tmp_path, retail, retail_clv):
    import warnings

    from cvm_lib import plots

    plots.set_theme(lang)
    set_display(lang, "$")
    profit = vc.profitability_study(case)
    whale = vc.whale_study(profit)
    payback = vc.payback_study(retail, retail_clv)
    steps = vc.waterfall_study(case, clv)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warns
        made = [vc.holdout_figure(checks), vc.histogram_figure(checks), vc.frequency_recency_figure(checks),
                vc.frequency_recency_figure(checks, "p_alive"), vc.tracking_figure(checks),
                vc.clv_comparison_figure(clv), vc.value_decomposition_figure(clv), vc.whale_figure(whale),
                vc.payback_figure(payback), vc.waterfall_figure(steps)]
        for item in made:
            fig = item if isinstance(item, plt.Figure) else item.figure
            fig.savefig(tmp_path / "f.png")
            plt.close(fig)
    texts = {lang: vc.waterfall_figure(steps).get_ylabel()}
    assert "$" in texts[lang]
    assert isinstance(vc.payback_figure(vc.payback_study(case, clv)), Skipped)
    plt.close("all")
