"""The retention study (cvm_lib.studies.retention): case data, churn definitions, windows, the
programme effect against the simulation's truth, the sBG section with an independently fitted
model, key figures, skipped sections, and the display contract (stable recorded columns with a
catalogue entry each, identical files in both languages, readable Chinese tables)."""

import re

import numpy as np
import pandas as pd
import pytest

from cvm_lib.datasets import cdnow, load_dataset, sbg_retention
from cvm_lib.labels import entry, has_label
from cvm_lib.results import record_many, recorded, reset
from cvm_lib.studies import Narrative, Skipped, Table, figures_table, load_case, record_figures, set_display
from cvm_lib.studies import retention as rt
from _sbg_independent import IndependentSBG

END = pd.Timestamp("2024-12-31")


@pytest.fixture(autouse=True)
def english_display():
    set_display("en", "$")
    yield
    set_display("en", "$")


@pytest.fixture(scope="module")
def retail():
    """The notebook's default case: 20,000 simulated customers, seed 2024."""
    return rt.retention_case(load_case("retail_demo", seed=2024), "acquisition_channel")


@pytest.fixture(scope="module")
def retail_churn(retail):
    return rt.churn_study(retail, "inactivity", inactivity_days=180, time_unit="W")


@pytest.fixture(scope="module")
def small():
    return rt.retention_case(load_case("retail_demo", seed=7, n_customers=4000), "acquisition_channel")


@pytest.fixture(scope="module")
def sample():
    return rt.retention_case(load_case("cdnow_sample"))


@pytest.fixture(scope="module")
def programme(retail, retail_churn):
    return rt.programme_study(retail, retail_churn)


def _by(table: pd.DataFrame, **keys) -> pd.Series:
    """The one row of ``table`` whose columns equal ``keys``."""
    mask = np.ones(len(table), dtype=bool)
    for column, value in keys.items():
        mask &= (table[column] == value).to_numpy()
    assert mask.sum() == 1, (keys, int(mask.sum()))
    return table[mask].iloc[0]


# --------------------------------------------------------------------------- case data

def test_simulated_case_is_the_bundled_demo(retail):
    tx = load_dataset("retail_demo")
    assert len(retail.transactions) == len(tx)
    assert retail.transactions["amount"].sum() == pytest.approx(tx["amount"].sum())
    assert len(retail.customers) == 20_000 and retail.customers.index.name == "customer_id"
    assert retail.synthetic and retail.observation_end == END and retail.currency == "¥"
    assert retail.attributes == ["acquisition_channel", "region", "member", "retention_programme"]
    assert retail.truth["programme_hazard_ratio"] == 0.7
    # the first-day spend is the log of 1 + everything bought on the acquisition day
    first = retail.transactions.groupby("customer_id")["date"].min()
    cid = retail.customers.index[10]
    day = retail.transactions[(retail.transactions["customer_id"] == cid)
                              & (retail.transactions["date"] == first[cid])]
    assert retail.customers.loc[cid, "log_first_spend"] == pytest.approx(np.log1p(day["amount"].sum()))


def test_earlier_observation_end_cuts_the_log_and_the_truth():
    case = rt.retention_case(load_case("retail_demo", seed=3, n_customers=2000, observation_end="2023-09-30"))
    end = pd.Timestamp("2023-09-30")
    assert case.transactions["date"].max() <= end
    assert (case.customers["acquisition_date"] <= end).all()
    assert len(case.customers) < 2000
    dropout = case.customers["dropout_date"]
    expected = (dropout.isna() | (dropout > end)).to_numpy()
    assert (case.customers["alive_at_end"].to_numpy() == expected).all()
    with pytest.raises(ValueError, match="after the end of the simulation"):
        load_case("retail_demo", seed=3, n_customers=100, observation_end="2025-06-30")


def test_log_case_derives_customers(sample):
    tx = cdnow(sample=True)
    first = tx.groupby("customer_id")["date"].min()
    c = sample.customers
    assert len(c) == tx["customer_id"].nunique() == 2357
    assert (c["acquisition_date"].reindex(first.index) == first).all()
    assert sorted(c["acquisition_cohort"].unique()) == ["1997-01", "1997-02", "1997-03"]
    assert sample.attributes == ["acquisition_cohort", "log_first_spend"]
    assert not sample.synthetic and sample.truth == {} and sample.currency == "$"
    assert sample.observation_end == tx["date"].max()
    weekly = rt.cohort_rate_table(rt.cohort_study(sample, period="W")).set_index("cohort")
    assert weekly.index[0] == "1996-12-30"  # a week is named by its Monday (1997-01-01 was a Wednesday)
    assert weekly.loc["1996-12-30", "0"] == 1.0


def test_a_group_column_of_a_file_is_taken_from_the_first_purchase(tmp_path):
    rows = [("a", "2024-01-03", 10.0, "web"), ("a", "2024-02-01", 5.0, "store"), ("b", "2024-01-10", 8.0, "store"),
            ("c", "2024-03-01", 4.0, "web"), ("c", "2024-01-20", 9.0, "store"), ("d", "2024-02-02", 3.0, "web")]
    path = tmp_path / "log.csv"
    pd.DataFrame(rows, columns=["customer_id", "date", "amount", "channel"]).to_csv(path, index=False)
    case = rt.retention_case(load_case(str(path), group="channel"), "channel")
    assert case.customers["channel"].to_dict() == {"a": "web", "b": "store", "c": "store", "d": "web"}
    assert case.attributes[0] == "channel"
    assert case.customers.loc["c", "log_first_spend"] == pytest.approx(np.log1p(9.0))
    # asking for the derived cohort as group does not list it twice
    again = rt.retention_case(load_case(str(path), group="acquisition_cohort"), "acquisition_cohort")
    assert again.attributes.count("acquisition_cohort") == 1


def test_sections_table_says_what_runs(sample, retail):
    table = rt.sections_table(sample, "acquisition_channel")
    status = dict(zip(table["section"], table["status"], strict=True))
    assert status["cohorts"] == "run" and status["cox"] == "run"
    assert status["survival"] == "skipped" and status["programme"] == "skipped"
    assert _by(table, section="survival")["reason"] == "short_no_column"
    assert _by(table, section="programme")["column"] == "retention_programme"
    zh = Table(table, context="retention").to_frame("zh")
    assert list(zh.columns) == ["分析内容", "所需数据", "状态", "原因", "相关列"]
    assert set(zh["状态"]) == {"运行", "跳过"}
    full = rt.sections_table(retail, "acquisition_channel")
    assert (full["status"] == "run").all()
    # the Skipped sentence names the column and the options
    skipped = rt.cohort_study(sample, group="acquisition_channel")
    assert isinstance(skipped, Skipped)
    assert "'acquisition_channel'" in skipped.text("en") and "acquisition_cohort" in skipped.text("en")
    by_survival = rt.survival_study(rt.churn_study(sample), "acquisition_channel")
    assert by_survival.text("en").endswith("one of: acquisition_cohort.")  # customer columns only
    assert "数据中没有" in skipped.text("zh")


# --------------------------------------------------------------------------- churn definitions

def test_inactivity_lifetimes_recomputed(retail, retail_churn):
    tx = retail.transactions
    first = tx.groupby("customer_id")["date"].min()
    last = tx.groupby("customer_id")["date"].max()
    t = retail_churn.table
    assert ((END - last).dt.days > 180).reindex(t.index).astype(int).tolist() == t["event"].tolist()
    np.testing.assert_allclose(t["duration"], ((last - first).dt.days / 7).reindex(t.index))
    assert (t["retained"] == 1 - t["event"]).all()
    assert set(retail.attributes) <= set(t.columns)
    described = retail_churn.describe()
    assert isinstance(described, Narrative)
    assert "more than 180 days without a purchase before 2024-12-31" in described.text("en")
    assert "180 天" in described.text("zh") and "单位：周" in described.text("zh")
    churned = int(t["event"].sum())
    assert f"{churned:,} of 20,000 customers" in described.text("en")
    table = rt.churn_table(retail_churn)
    assert table["churn_rate"].iloc[0] == pytest.approx(t["event"].mean())
    assert table["churned"].iloc[0] == churned and table["censored"].iloc[0] == 20_000 - churned


def test_contract_lifetimes_are_the_true_dropouts(small):
    churn = rt.churn_study(small, "contract", time_unit="D")
    c = small.customers
    dropped = c["dropout_date"].notna()
    assert churn.table["event"].tolist() == dropped.astype(int).tolist()
    stop = c["dropout_date"].fillna(END + pd.Timedelta(days=1))
    np.testing.assert_allclose(churn.table["duration"], (stop - c["acquisition_date"]).dt.days)
    assert "dropout_date" in churn.describe().text("en") and "契约情境" in churn.describe().text("zh")
    assert rt.churn_table(churn)["definition"].iloc[0] == "contract"


def test_p_alive_definition_uses_the_bg_nbd_flags(small):
    churn = rt.churn_study(small, "p_alive", time_unit="W")
    p = churn.labels.labels_["p_alive"].reindex(churn.table.index)
    assert churn.table["event"].tolist() == (p < 0.5).astype(int).tolist()
    assert "P(alive)" in churn.describe().text("en") and "BetaGeo" in churn.describe().text("zh")


def test_bad_definitions(sample):
    with pytest.raises(ValueError, match="churn_definition='churny'"):
        rt.churn_study(sample, "churny")
    with pytest.raises(ValueError, match="only the simulated case"):
        rt.churn_study(sample, "contract")


# --------------------------------------------------------------------------- cohorts and survival

def test_cohort_table_recomputed(retail):
    cohorts = rt.cohort_study(retail, period="M")
    table = rt.cohort_rate_table(cohorts).set_index("cohort")
    tx = retail.transactions
    month = tx["date"].dt.to_period("M")
    cohort = month.groupby(tx["customer_id"]).transform("min")
    jan = tx[(cohort == pd.Period("2023-01", "M")).to_numpy()]
    size = jan["customer_id"].nunique()
    active_3 = jan[(jan["date"].dt.to_period("M") == pd.Period("2023-04", "M")).to_numpy()]["customer_id"].nunique()
    assert table.loc["2023-01", "3"] == pytest.approx(active_3 / size)
    # December 2023 is followed through December 2024 (complete): periods 0-12 are known, 13 is not
    assert table.loc["2023-12"].notna().sum() == 13 and np.isnan(table.loc["2023-12", "13"])
    assert (table["0"] == 1.0).all()
    curve = cohorts.curves_.set_index("period")["rate"]
    text = rt.cohort_narrative(cohorts).text("en")
    assert f"{curve[1]:.1%}" in text and f"{curve[12]:.1%} in period 12" in text


def test_group_retention_and_skips(retail, sample):
    grouped = rt.cohort_study(retail, period="M", group="acquisition_channel")
    table = rt.group_retention_table(grouped)
    assert table["group"].tolist() == ["organic", "price_promotion", "product_event", "referral"]
    assert table["customers"].sum() == 20_000
    # deal-acquired customers come back least (the simulation's design)
    assert table.set_index("group")["rate_12"].idxmin() == "price_promotion"
    zh = rt.show_table("retention_by_group", table, group="acquisition_channel").to_frame("zh")
    assert zh.columns[0] == "获客渠道" and zh.iloc[:, 0].tolist() == ["自然到店", "价格促销", "产品活动", "老客推荐"]
    assert "价格促销" in rt.group_narrative(grouped).text("zh").split("最低")[0]
    skipped = rt.cohort_study(sample, period="M", group="acquisition_channel")
    assert isinstance(skipped, Skipped)
    assert rt.group_retention_table(skipped) is skipped and rt.show_table("x", skipped) is skipped
    assert rt.figure_group_retention(skipped) is None and rt.figure_km(skipped) is None
    with pytest.raises(ValueError, match="period='D'"):
        rt.cohort_study(sample, period="D")


def _km_median(time, event):
    """Plain product-limit estimate: the first time at which S(t) <= 0.5."""
    s = 1.0
    for t in np.unique(time[event == 1]):
        at_risk = (time >= t).sum()
        s *= 1 - ((time == t) & (event == 1)).sum() / at_risk
        if s <= 0.5:
            return t
    return np.inf


def test_survival_study_recomputed(retail_churn):
    survival = rt.survival_study(retail_churn, "acquisition_channel")
    table = rt.km_table(survival).set_index("group")
    t = retail_churn.table
    counts = t.groupby("acquisition_channel")["event"].agg(["size", "sum"])
    assert table["customers"].tolist() == counts["size"].tolist()
    assert table["churned"].tolist() == counts["sum"].tolist()
    referral = t[t["acquisition_channel"] == "referral"]
    median = _km_median(referral["duration"].to_numpy(), referral["event"].to_numpy())
    assert table.loc["referral", "median"] == pytest.approx(median)
    assert table["observed"].sum() == pytest.approx(table["expected"].sum())
    assert survival.logrank.p_value < 1e-10
    text = rt.km_narrative(survival).text("en")
    assert "differ" in text and "p <0.001" in text
    shown = rt.show_table("kaplan_meier", rt.km_table(survival), group="acquisition_channel", unit="W")
    assert "Median lifetime (weeks)" in shown.headers("en") and "中位寿命（周）" in shown.headers("zh")


def test_cox_tables(retail_churn):
    cox = rt.cox_study(retail_churn)
    table = rt.cox_table(cox)
    names = [rt.term_text(c, lv, r, "en") for c, lv, r in zip(table["covariate"], table["level"], table["reference"],
                                                              strict=True)]
    assert names == ["Acquisition channel: price promotion (vs organic)",
                     "Acquisition channel: product event (vs organic)",
                     "Acquisition channel: referral (vs organic)", "Region: R2 (vs R1)",
                     "Region: R3 (vs R1)", "Region: R4 (vs R1)", "Loyalty card member",
                     "Retention programme"]
    hr = _by(table, covariate="retention_programme")
    assert hr["hazard_ratio"] == pytest.approx(np.exp(hr["coef"]))
    assert hr["lower"] == pytest.approx(np.exp(hr["coef"] - 1.959964 * hr["std_error"]), rel=1e-5)
    assert 0.8 < hr["hazard_ratio"] < 0.95 and hr["p_value"] < 1e-6
    assert _by(table, covariate="acquisition_channel", level="price_promotion")["hazard_ratio"] > 1.3
    fit = rt.cox_fit_table(cox).set_index("statistic")
    assert fit.loc["concordance", "value"] == pytest.approx(cox.concordance_)
    assert fit.loc["lr_test", "p_value"] == pytest.approx(cox.likelihood_ratio_test_["p_value"])
    ph = rt.ph_table(cox)
    assert ph["covariate"].iloc[-1] == "global"
    drifting = ph["p_value"] < 0.05
    assert (ph.loc[drifting, "verdict"] == "ph_drifts").all() and (ph.loc[~drifting, "verdict"] == "ph_holds").all()
    zh = Table(ph, context="retention").to_frame("zh")
    assert zh["协变量"].iloc[-1] == "整体检验"
    assert set(zh["结论"]) <= {"风险比随时间漂移（p < 0.05）", "无证据违背比例风险假设"}
    text = rt.cox_narrative(cox).text("en")
    assert "price promotion" in text.split("highest")[0] and "referral" in text.split("lowest")[0].split("and")[-1]


def test_cox_sample_fits_a_seeded_subsample_above_its_size(retail_churn):
    full = rt.cox_study(retail_churn)
    assert full.n_ == len(retail_churn.table) == 20_000 < rt.COX_SAMPLE  # the bundled case is fitted whole
    pd.testing.assert_series_equal(full.params_, rt.cox_study(retail_churn, sample=None).params_)
    sub = rt.cox_study(retail_churn, sample=5000, seed=1)
    assert sub.n_ == 5000
    pd.testing.assert_series_equal(sub.params_, rt.cox_study(retail_churn, sample=5000, seed=1).params_)
    # the same population: the subsample's estimates lie within a few of their standard errors
    z = (sub.params_ - full.params_) / sub.standard_errors_
    assert (z.abs() < 4).all() and not np.allclose(sub.params_, full.params_)
    with pytest.raises(ValueError, match="sample"):
        rt.cox_study(retail_churn, sample=0)


# --------------------------------------------------------------------------- programme effect

def test_programme_effect_recovers_the_planted_truth(retail, programme):
    c = retail.customers
    mu = c["true_mu"].to_numpy()
    weeks = ((END - c["acquisition_date"]).dt.days.to_numpy() + 1) / 7
    expected_retention = np.mean(np.exp(-0.7 * mu * weeks) - np.exp(-mu * weeks))
    expected_year = np.mean(np.exp(-0.7 * mu * 52) - np.exp(-mu * 52))
    assert programme.truth["retention_difference"] == pytest.approx(expected_retention)
    assert programme.truth["survival_difference"] == pytest.approx(expected_year)
    assert programme.horizon == 52
    table = rt.programme_table(programme)
    true = table[table["view"] == "view_true"].set_index("measure")
    for measure in ("retention_difference_wald", "retention_difference_newcombe", "survival_difference",
                    "hazard_ratio_churn"):
        row = true.loc[measure]
        assert row["lower"] < row["truth"] < row["upper"], measure
        assert row["covers"] is True
    assert true.loc["hazard_ratio_churn", "truth"] == 0.7
    # without the frailty the hazard ratio is attenuated towards 1
    assert true.loc["hazard_ratio_unadjusted", "lower"] > 0.7
    assert true.loc["odds_ratio_retention", "lower"] > 1
    observed = table[table["view"] == "view_observed"].set_index("measure")
    assert observed.loc["hazard_ratio_churn", "upper"] < 1
    assert observed.loc["retention_difference_newcombe", "lower"] > 0
    assert observed.loc["odds_ratio_retention", "method"] == "adjusted_others"
    assert true.loc["hazard_ratio_churn", "method"] == "adjusted_truth"
    assert programme.observed.covariates == ["acquisition_channel", "region", "member"]
    zh = Table(table, context="retention").to_frame("zh")
    assert "区间覆盖真值" in zh.columns and "真实寿命（模拟）" in set(zh["数据口径"])
    text = rt.programme_narrative(programme).text("en")
    assert "4 of 4 intervals cover the true value" in text and "planted 0.700" in text


def test_programme_is_skipped_without_the_column(sample):
    churn = rt.churn_study(sample)
    skipped = rt.programme_study(sample, churn)
    assert isinstance(skipped, Skipped) and "retention_programme" in skipped.text("en")
    assert "retention_programme" in skipped.text("zh") and "保持计划" in skipped.text("zh")
    assert rt.programme_table(skipped) is skipped and rt.programme_narrative(skipped) is None
    assert rt.figure_programme(skipped) is None


# --------------------------------------------------------------------------- value of retention

def test_reichheld_grid_and_pivot():
    table = rt.reichheld_study(margin_growth=0.07, discount_rate=0.12)
    assert sorted(table["margin_growth"].unique()) == [0.0, 0.07, 0.10]
    assert sorted(table["discount_rate"].unique()) == [0.05, 0.12, 0.15]
    grid = rt.reichheld_grid(table)
    assert len(grid) == 45 and np.allclose(grid["margin_growth"].unique(), [0.0, 0.07, 0.10])
    # no growth, no acquisition cost, 20 years: profit is the expected number of customers in the base
    base = (1 - 0.8**20) / 0.2
    improved = (1 - 0.85**20) / 0.15
    row = _by(grid, base_retention=0.8, margin_growth=0.0, acquisition_cost_margins=0.0)
    assert row["profit_increase_pct"] == pytest.approx(100 * (improved / base - 1))
    # a base that makes a loss has no percentage
    assert grid["profit_increase_pct"].isna().sum() == (~table.loc[np.isclose(table["discount_rate"], 0.12),
                                                                   "base_profitable"]).sum()
    inside = grid["profit_increase_pct"].between(25, 95)
    assert (grid["profit_in_range"] == inside).all()


def test_firm_economics_uses_the_data_where_it_can(small, sample):
    econ = rt.firm_economics(small, period="Q")
    assert econ.margin_rate is None and econ.acquisition_from_data
    assert econ.economics.acquisition_cost_ == pytest.approx(small.customers["acquisition_cost"].mean())
    assert rt.economics_inputs_table(econ)["margin_source"].iloc[0] == "margin_from_cost"
    assert "assumed" not in rt.economics_narrative(econ).text("en")
    log = rt.firm_economics(sample, period="M", margin=0.25, acquisition_cost=12.0, discount_rate=0.08)
    assert log.margin_rate == 0.25 and not log.acquisition_from_data
    assert log.economics.acquisition_cost_ == 12.0
    assert log.economics.discount_rate_ == pytest.approx(1.08 ** (1 / 12) - 1)
    inputs = rt.economics_inputs_table(log)
    assert inputs["margin_source"].iloc[0] == "margin_assumed" and inputs["margin_rate"].iloc[0] == 0.25
    scenarios = rt.economics_scenarios_table(log).set_index("scenario")
    v = log.economics.values_
    assert scenarios.loc["plus_5_points", "base_profit"] / scenarios.loc["firm", "base_profit"] - 1 == \
        pytest.approx(log.economics.profit_increase_pct_ / 100)
    assert scenarios.loc["firm", "clv"] == pytest.approx(v["clv"].iloc[0])
    curve = rt.profit_curve_table(log)
    assert curve["annual_retention"].iloc[0] == pytest.approx(0.05) and curve["clv"].is_monotonic_increasing
    text = rt.economics_narrative(log).text("en")
    assert ("outside" in text) != ("inside" in text)
    assert "margin is assumed to be 25.0% of sales" in text and "$12.00 per customer is assumed" in text
    assert "假设利润为销售额的 25.0%" in rt.economics_narrative(log).text("zh")
    short = rt.firm_economics(sample, period="Y")
    assert isinstance(short, Skipped) and "at least 3" in short.text("en")
    assert rt.figure_retention_profit(short) is None and rt.economics_inputs_table(short) is short


# --------------------------------------------------------------------------- churn prediction

def test_churn_prediction_windows_and_targets(small):
    pred = rt.churn_prediction(small, inactivity_days=120, seed=3, n_repeats=2)
    assert pred.calibration_end == END - pd.Timedelta(days=120)
    assert pred.train_calibration_end == END - pd.Timedelta(days=240)
    tx = small.transactions
    acquired = tx.groupby("customer_id")["date"].min()
    assert pred.n_train == int((acquired <= pred.train_calibration_end).sum())
    assert pred.n_test == int((acquired <= pred.calibration_end).sum())
    later = tx[tx["date"] > pred.calibration_end]["customer_id"].unique()
    test_ids = acquired[acquired <= pred.calibration_end].index
    expected_rate = 1 - np.isin(test_ids, later).mean()
    metrics = rt.churn_metrics_table(pred)
    assert metrics["base_rate"].iloc[0] == pytest.approx(expected_rate)
    assert (metrics["auc"] > 0.75).all()
    assert metrics["top_decile_lift"].max() <= 1 / expected_rate + 1e-9
    importance = rt.importance_table(pred)
    assert "time_since_last_purchase" in set(importance["attribute"])
    zh = Table(importance, context="retention").to_frame("zh")
    assert "距最后一次购买的时长" in set(zh["特征"])
    assert "Training: features from purchases up to" in pred.describe().text("en")
    assert f"({pred.n_test:,} customers)" in pred.describe().text("en")
    again = rt.churn_prediction(small, inactivity_days=120, seed=3, n_repeats=2)
    pd.testing.assert_frame_equal(again.result.metrics_, pred.result.metrics_)
    with pytest.raises(ValueError, match="too little history"):
        rt.churn_prediction(small, calibration_end="2023-06-30")


def test_churn_prediction_aligns_attribute_levels(tmp_path):
    """A group level that appears only after the training window gets a zero column in training."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(600):
        start = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 500)))
        channel = "late" if start > pd.Timestamp("2024-03-01") else ("web" if i % 2 else "store")
        for k in range(1 + int(rng.integers(0, 6))):
            day = start + pd.Timedelta(days=int(k * rng.integers(10, 90)))
            if day <= pd.Timestamp("2024-12-31"):
                rows.append((f"c{i:03d}", day.date().isoformat(), 10.0, channel))
    path = tmp_path / "log.csv"
    pd.DataFrame(rows, columns=["customer_id", "date", "amount", "channel"]).to_csv(path, index=False)
    case = rt.retention_case(load_case(str(path), group="channel", observation_end="2024-12-31"), "channel")
    pred = rt.churn_prediction(case, inactivity_days=150, n_repeats=1)
    assert "channel[late]" not in pred.result.features and "channel[web]" in pred.result.features
    assert pred.n_test > pred.n_train


# --------------------------------------------------------------------------- sBG with an independently fitted model

def alpha_beta_mean(a, b):
    """Mean churn probability of those who survived t - 1 periods, t = 1..12."""
    t = np.arange(1, 13)
    return a / (a + b + t - 1)


@pytest.mark.parametrize(("cohort", "alpha", "beta"), [("regular", 0.704, 1.182), ("high_end", 0.668, 3.806)])
def test_sbg_study_reproduces_fader_hardie(cohort, alpha, beta):
    sbg = rt.sbg_study(cohort, discount_rate=0.10, model=IndependentSBG())
    assert sbg.gamma == pytest.approx(alpha, abs=0.002) and sbg.delta == pytest.approx(beta, abs=0.005)
    p = sbg.projection
    actual = sbg_retention()[cohort].to_numpy() / 100
    np.testing.assert_allclose(p["observed_survival"], actual)
    assert p["window"].tolist() == ["fit"] * 8 + ["holdout"] * 5
    hold = p.loc[8:, ["survival", "observed_survival"]]
    assert sbg.holdout_mape_ == pytest.approx(
        100 * np.mean(np.abs(hold["survival"] - hold["observed_survival"]) / hold["observed_survival"]))
    assert sbg.holdout_mape_ < 5  # the paper's projections are within a few percent
    assert sbg.tenure["retention_rate"].is_monotonic_increasing and sbg.tenure.attrs["rising"]
    # DERL by direct summation of the survival function
    model, x = sbg.model, 1 / 1.1
    for renewals in (0, 3):
        k = np.arange(3000)
        direct = np.sum(model.survival(renewals + 1 + k) / model.survival(renewals) * x**k)
        assert sbg.derl[renewals] == pytest.approx(direct, rel=1e-8)
    table = rt.sbg_tenure_table(sbg).set_index("tenure")
    assert table.loc[1, "derl"] == pytest.approx(sbg.derl[0])
    assert table.loc[12, "derl"] == pytest.approx(sbg.derl[11])
    np.testing.assert_allclose(table["mean_churn_probability"], alpha_beta_mean(sbg.gamma, sbg.delta))
    projection = rt.sbg_table(sbg).set_index("year")
    assert projection.loc[8, "window"] == "holdout"
    np.testing.assert_allclose(projection["error_points"], p["survival"] - p["observed_survival"])
    # the section runs on bundled reference data and says so
    assert (projection["source"] == "fader_hardie_2007").all() and (table["source"] == "fader_hardie_2007").all()
    assert "reference data" in rt.sbg_narrative(sbg).text("en") and "参考数据" in rt.sbg_narrative(sbg).text("zh")


def test_sbg_study_with_the_library_model_matches_the_independent_fit():
    library = rt.sbg_study("regular", discount_rate=0.10)
    independent = rt.sbg_study("regular", discount_rate=0.10, model=IndependentSBG())
    assert library.gamma == pytest.approx(independent.gamma, rel=1e-4)
    assert library.delta == pytest.approx(independent.delta, rel=1e-4)
    np.testing.assert_allclose(library.projection["survival"], independent.projection["survival"], rtol=1e-4)
    np.testing.assert_allclose(library.derl, independent.derl, rtol=1e-4)


# --------------------------------------------------------------------------- key figures

def test_key_figures(retail, retail_churn, programme):
    survival = rt.survival_study(retail_churn, "acquisition_channel")
    cox = rt.cox_study(retail_churn)
    econ = rt.firm_economics(retail, period="M")
    sbg = rt.sbg_study("regular", model=IndependentSBG())
    figures = rt.retention_figures(retail, retail_churn, survival=survival, cox=cox, economics=econ,
                                   programme=programme, sbg=sbg)
    values = {f["name"]: f["value"] for f in figures}
    assert len(values) == len(figures)
    assert values["customers"] == 20_000
    assert values["churn_rate"] == pytest.approx(retail_churn.table["event"].mean())
    t = retail_churn.table
    referral = t[t["acquisition_channel"] == "referral"]
    assert values["median_lifetime_referral"] == pytest.approx(
        _km_median(referral["duration"].to_numpy(), referral["event"].to_numpy()))
    assert values["programme_true_hazard_ratio"] == 0.7 and values["programme_hazard_ratio_covers_truth"] is True
    assert values["programme_hazard_ratio_true_lower"] < 0.7 < values["programme_hazard_ratio_true_upper"]
    assert values["reichheld_profit_increase_pct"] == pytest.approx(econ.economics.profit_increase_pct_)
    assert values["sbg_derl"] == pytest.approx(sbg.derl[0])
    assert values["cox_concordance"] == pytest.approx(cox.concordance_)
    labels = {f["name"]: f["label"] for f in figures}
    assert labels["median_lifetime_referral"] == {"en": "Median lifetime: referral", "zh": "中位寿命：老客推荐"}
    # figures from the bundled reference data say so; the churn rate states its definition
    by_name = {f["name"]: f for f in figures}
    assert "reference data" in by_name["sbg_derl"]["assumption"]["en"]
    assert "参考数据" in by_name["sbg_derl"]["assumption"]["zh"]
    assert "180 days" in by_name["churn_rate"]["assumption"]["en"]
    assert "assumption" not in by_name["reichheld_profit_increase_pct"]  # the simulated log has costs
    zh = figures_table(figures, "zh")
    assert not zh.astype(str).apply(lambda c: c.str.contains(r"nan|\d\.\d{4,}")).any().any()
    reset()
    record_many(figures)  # every value is recordable: finite numbers, text, booleans or None
    assert len(recorded()) == len(figures)
    reset()


def test_margin_assumption_reaches_the_key_figures(sample):
    churn = rt.churn_study(sample)
    econ = rt.firm_economics(sample, period="M", margin=0.3)
    figures = {f["name"]: f for f in rt.retention_figures(sample, churn, economics=econ)}
    assert figures["reichheld_profit_increase_pct"]["assumption"]["en"].startswith("assumes a margin of 30%")


class _Labels:
    class definition:
        inactivity_days = 180
        threshold = None


def test_median_not_reached_is_recorded_as_none(small):
    frame = pd.DataFrame({"duration": [1.0, 2, 3, 4, 1, 2, 3, 4], "event": [0, 0, 1, 0, 1, 1, 1, 0],
                          "retained": 0, "g": ["x"] * 4 + ["y"] * 4})
    churn = rt.ChurnStudy("inactivity", _Labels(), frame, "W", [], END)
    survival = rt.survival_study(churn, "g")
    assert rt.km_table(survival).set_index("group").loc["x", "median"] == np.inf
    assert "never falls to one half" in rt.km_narrative(survival).text("en")
    values = {f["name"]: f["value"] for f in rt.retention_figures(small, churn, survival=survival)}
    assert values["median_lifetime_x"] is None and values["median_lifetime_y"] == 3.0
    shown = rt.show_table("kaplan_meier", rt.km_table(survival), group="g", unit="W").to_frame("en")
    assert shown.columns[0] == "g" and "∞" in shown.to_string()


# --------------------------------------------------------------------------- the display contract

def _study_tables(case, churn) -> dict[str, pd.DataFrame]:
    """Every table the notebook records, computed on ``case`` (small settings)."""
    group = "acquisition_channel"
    cohorts = rt.cohort_study(case)
    grouped = rt.cohort_study(case, group=group)
    survival = rt.survival_study(churn, group)
    cox = rt.cox_study(churn)
    sbg = rt.sbg_study("regular", model=IndependentSBG())
    econ = rt.firm_economics(case)
    pred = rt.churn_prediction(case, n_repeats=1)
    return {"data": rt.retention_case_table(case), "sections": rt.sections_table(case, group),
            "churn_definition": rt.churn_table(churn), "cohort_retention": rt.cohort_rate_table(cohorts),
            "retention_by_group": rt.group_retention_table(grouped), "kaplan_meier": rt.km_table(survival),
            "cox_hazard_ratios": rt.cox_table(cox), "cox_fit": rt.cox_fit_table(cox),
            "proportional_hazards": rt.ph_table(cox), "sbg_projection": rt.sbg_table(sbg),
            "sbg_retention_by_tenure": rt.sbg_tenure_table(sbg),
            "reichheld": rt.reichheld_grid(rt.reichheld_study()),
            "retention_economics_inputs": rt.economics_inputs_table(econ),
            "retention_economics": rt.economics_scenarios_table(econ),
            "retention_profit_curve": rt.profit_curve_table(econ), "churn_models": rt.churn_metrics_table(pred),
            "permutation_importance": rt.importance_table(pred),
            "programme_effect": rt.programme_table(rt.programme_study(case, churn))}


@pytest.fixture(scope="module")
def small_tables(small):
    return _study_tables(small, rt.churn_study(small))


def test_every_recorded_column_has_a_catalogue_entry(small_tables):
    missing, undocumented = [], []
    for name, table in small_tables.items():
        for column in table.columns:
            if str(column).isdigit():  # periods since acquisition: numbers, shown as they are
                continue
            if not has_label(column, "retention"):
                missing.append(f"{name}.{column}")
                continue
            found = entry(column, "retention")
            if not (found.en and found.zh and found.doc):
                undocumented.append(f"{name}.{column}")
    assert not missing and not undocumented, (missing, undocumented)


def test_english_and_chinese_runs_record_identical_files(small, tmp_path, monkeypatch):
    from cvm_lib import results

    churn = rt.churn_study(small)
    tables = _study_tables(small, churn)
    figures = rt.retention_figures(small, churn)
    written = {}
    for lang in ("en", "zh"):
        folder = tmp_path / lang
        monkeypatch.setenv(results.RESULTS_DIR_ENV, str(folder))
        monkeypatch.setenv(results.STUDY_ENV, "03_retention")
        results.reset()
        set_display(lang)
        for name, table in tables.items():
            rt.show_table(name, table, group="acquisition_channel", unit="W")
        record_figures(figures)
        written[lang] = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
        results.reset()
    assert written["en"].keys() == written["zh"].keys() and len(written["en"]) == len(tables) + 1
    for file_name, content in written["en"].items():
        assert content == written["zh"][file_name], file_name
    header = written["en"]["03_retention__kaplan_meier.csv"].decode("utf-8-sig").splitlines()[0]
    assert header == "group,customers,churned,median,median_lower,median_upper,observed,expected,o_e"


def test_chinese_tables_read_cleanly(small_tables):
    raw_float = re.compile(r"^-?\d+\.\d{4,}$")
    for name, table in small_tables.items():
        shown = rt.show_table(name, table, group="acquisition_channel", unit="W")
        zh, en = shown.to_frame("zh"), shown.to_frame("en")
        for z, e, column in zip(zh.columns, en.columns, table.columns, strict=True):
            if str(column).isdigit():
                continue
            if re.search(r"[A-Za-z]{3,}", e) and not re.search(r"ROC|AUC|DERL|Brier|Cox|Wald|Harrell|sBG|rho|O/E|Reichheld",
                                                                   e):
                assert z != e and re.search(r"[\u4e00-\u9fff]", z), (name, column, z)
        cells = zh.astype(str).to_numpy().ravel().tolist()
        assert not [c for c in cells if raw_float.match(c)], (name, [c for c in cells if raw_float.match(c)][:3])
        assert not [c for c in cells if c.lower() in ("nan", "none", "true", "false", "inf", "nat")], name
        assert shown.data.columns.tolist() == list(table.columns)  # no index column added


def test_data_row_of_a_run_snapshot_names_the_users_source(tmp_path):
    """A study reading a run's snapshot shows the file the data came from, not the snapshot."""
    from cvm_lib.report.snapshot import write_snapshot
    from cvm_lib.studies._base import source_name

    tx = load_dataset("cdnow_sample")
    original = tx.attrs["load_report"]["source"]
    snapshot = tmp_path / "transactions.parquet"
    write_snapshot(tx, snapshot)
    case = load_case(str(snapshot))
    table = rt.retention_case_table(rt.retention_case(case))
    assert table["data"].iloc[0] == original and "transactions.parquet" not in original
    assert source_name("cdnow_sample", tx) == "cdnow_sample"  # a bundled name stays as it is
