"""The retention study glue (cvm_lib.retention.study) and its figures (cvm_lib.plots.retention):
case data, churn definitions, windows, the programme effect against the simulation's truth,
the sBG section with an independently fitted model, key figures and skipped sections."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import optimize, special  # noqa: E402

from cvm_lib import plots  # noqa: E402
from cvm_lib.datasets import cdnow, load_dataset, sbg_retention  # noqa: E402
from cvm_lib.plots import retention as rp  # noqa: E402
from cvm_lib.results import record_many, recorded, reset  # noqa: E402
from cvm_lib.retention import study as rs  # noqa: E402

END = pd.Timestamp("2024-12-31")


@pytest.fixture(scope="module")
def retail():
    """The notebook's default case: 20,000 simulated customers, seed 2024."""
    return rs.load_case("retail_demo", 2024)


@pytest.fixture(scope="module")
def retail_churn(retail):
    return rs.churn_study(retail, "inactivity", inactivity_days=180, time_unit="W")


@pytest.fixture(scope="module")
def small():
    return rs.load_case("retail_demo", 7, n_customers=4000)


@pytest.fixture(scope="module")
def sample():
    return rs.load_case("cdnow_sample")


@pytest.fixture(scope="module")
def programme(retail, retail_churn):
    return rs.programme_study(retail, retail_churn)


# --------------------------------------------------------------------------- case data

def test_simulated_case_is_the_bundled_demo(retail):
    tx = load_dataset("retail_demo")
    assert len(retail.transactions) == len(tx)
    assert retail.transactions["amount"].sum() == pytest.approx(tx["amount"].sum())
    assert len(retail.customers) == 20_000 and retail.customers.index.name == "customer_id"
    assert retail.synthetic and retail.observation_end == END
    assert retail.attributes == ["acquisition_channel", "region", "member", "retention_programme"]
    assert retail.truth["programme_hazard_ratio"] == 0.7
    # the first-day spend is the log of 1 + everything bought on the acquisition day
    first = retail.transactions.groupby("customer_id")["date"].min()
    cid = retail.customers.index[10]
    day = retail.transactions[(retail.transactions["customer_id"] == cid)
                              & (retail.transactions["date"] == first[cid])]
    assert retail.customers.loc[cid, "log_first_spend"] == pytest.approx(np.log1p(day["amount"].sum()))


def test_earlier_observation_end_cuts_the_log_and_the_truth():
    case = rs.load_case("retail_demo", 3, n_customers=2000, observation_end="2023-09-30")
    end = pd.Timestamp("2023-09-30")
    assert case.transactions["date"].max() <= end
    assert (case.customers["acquisition_date"] <= end).all()
    assert len(case.customers) < 2000
    dropout = case.customers["dropout_date"]
    expected = (dropout.isna() | (dropout > end)).to_numpy()
    assert (case.customers["alive_at_end"].to_numpy() == expected).all()
    with pytest.raises(ValueError, match="after the end of the simulation"):
        rs.load_case("retail_demo", 3, n_customers=100, observation_end="2025-06-30")


def test_log_case_derives_customers(sample):
    tx = cdnow(sample=True)
    first = tx.groupby("customer_id")["date"].min()
    c = sample.customers
    assert len(c) == tx["customer_id"].nunique() == 2357
    assert (c["acquisition_date"].reindex(first.index) == first).all()
    assert sorted(c["acquisition_cohort"].unique()) == ["1997-01", "1997-02", "1997-03"]
    assert sample.attributes == ["acquisition_cohort", "log_first_spend"]
    assert not sample.synthetic and sample.truth == {}
    assert sample.observation_end == tx["date"].max()
    weekly = rs.cohort_table(rs.cohort_study(sample, period="W"))
    assert weekly.index[0] == "1996-12-30"  # a week is named by its Monday (1997-01-01 was a Wednesday)
    assert weekly.loc["1996-12-30", 0] == 100


def test_a_group_column_of_a_file_is_taken_from_the_first_purchase(tmp_path):
    rows = [("a", "2024-01-03", 10.0, "web"), ("a", "2024-02-01", 5.0, "store"), ("b", "2024-01-10", 8.0, "store"),
            ("c", "2024-03-01", 4.0, "web"), ("c", "2024-01-20", 9.0, "store"), ("d", "2024-02-02", 3.0, "web")]
    path = tmp_path / "log.csv"
    pd.DataFrame(rows, columns=["customer_id", "date", "amount", "channel"]).to_csv(path, index=False)
    case = rs.load_case(str(path), group="channel")
    assert case.customers["channel"].to_dict() == {"a": "web", "b": "store", "c": "store", "d": "web"}
    assert case.attributes[0] == "channel"
    assert case.customers.loc["c", "log_first_spend"] == pytest.approx(np.log1p(9.0))
    # asking for the derived cohort as group does not list it twice
    assert rs.load_case(str(path), group="acquisition_cohort").attributes.count("acquisition_cohort") == 1


def test_sections_table_says_what_runs(sample, retail):
    table = rs.sections_table(sample, "acquisition_channel")
    status = dict(zip(table["Section"], table["Status"], strict=True))
    assert status["Cohort retention"] == "run" and status["Cox regression"] == "run"
    assert status["Kaplan–Meier by group, log-rank test"] == "skipped"
    assert status["Retention-programme effect"] == "skipped"
    reasons = " ".join(table["Reason"])
    assert "'acquisition_cohort'" in reasons and "retention_programme" in reasons
    zh = rs.sections_table(retail, "acquisition_channel", lang="zh")
    assert list(zh.columns) == ["分析内容", "所需数据", "状态", "原因"]
    assert (zh.loc[zh["分析内容"] != "sBG 预测（契约情境）", "状态"] == "运行").all()


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
    assert "more than 180 days before 2024-12-31" in retail_churn.describe()
    assert "180天" in retail_churn.describe("zh") and "单位：周" in retail_churn.describe("zh")
    table = rs.churn_table(retail_churn)
    assert table.loc["Churn rate", "Value"] == pytest.approx(t["event"].mean())


def test_contract_lifetimes_are_the_true_dropouts(small):
    churn = rs.churn_study(small, "contract", time_unit="D")
    c = small.customers
    dropped = c["dropout_date"].notna()
    assert churn.table["event"].tolist() == dropped.astype(int).tolist()
    stop = c["dropout_date"].fillna(END + pd.Timedelta(days=1))
    np.testing.assert_allclose(churn.table["duration"], (stop - c["acquisition_date"]).dt.days)
    assert "dropout_date" in churn.describe() and "true dropout" in rs.churn_table(churn).iloc[0, 0]


def test_p_alive_definition_uses_the_bg_nbd_flags(small):
    churn = rs.churn_study(small, "p_alive", time_unit="W")
    p = churn.labels.labels_["p_alive"].reindex(churn.table.index)
    assert churn.table["event"].tolist() == (p < 0.5).astype(int).tolist()
    assert "P(alive)" in churn.describe()


def test_bad_definitions(sample):
    with pytest.raises(ValueError, match="churn_definition='churny'"):
        rs.churn_study(sample, "churny")
    with pytest.raises(ValueError, match="only the simulated case"):
        rs.churn_study(sample, "contract")


# --------------------------------------------------------------------------- cohorts and survival

def test_cohort_table_recomputed(retail):
    cohorts = rs.cohort_study(retail, period="M")
    table = rs.cohort_table(cohorts)
    tx = retail.transactions
    month = tx["date"].dt.to_period("M")
    cohort = month.groupby(tx["customer_id"]).transform("min")
    jan = tx[(cohort == pd.Period("2023-01", "M")).to_numpy()]
    size = jan["customer_id"].nunique()
    active_3 = jan[(jan["date"].dt.to_period("M") == pd.Period("2023-04", "M")).to_numpy()]["customer_id"].nunique()
    assert table.loc["2023-01", 3] == pytest.approx(100 * active_3 / size)
    # December 2023 is followed through December 2024 (complete): periods 0-12 are known, 13 is not
    assert table.loc["2023-12"].notna().sum() == 13 and np.isnan(table.loc["2023-12", 13])
    assert (table[0] == 100).all()


def test_group_retention_and_skips(retail, sample):
    grouped = rs.cohort_study(retail, period="M", group="acquisition_channel")
    table = rs.group_retention_table(grouped, lang="zh")
    assert list(table.index) == ["自然到店", "价格促销", "产品活动", "老客推荐"]
    assert table["客户数"].sum() == 20_000
    # deal-acquired customers come back least (the simulation's design)
    assert table["12月后留存率"].idxmin() == "价格促销"
    skipped = rs.cohort_study(sample, period="M", group="acquisition_channel")
    assert isinstance(skipped, rs.Skipped)
    shown = rs.group_retention_table(skipped)
    assert shown.shape == (1, 3) and "acquisition_cohort" in shown.iloc[0, 2]
    assert rp.plot_group_retention(skipped) is None and rp.plot_km(skipped) is None
    with pytest.raises(ValueError, match="period='D'"):
        rs.cohort_study(sample, period="D")


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
    survival = rs.survival_study(retail_churn, "acquisition_channel")
    table = rs.km_table(survival)
    t = retail_churn.table
    counts = t.groupby("acquisition_channel")["event"].agg(["size", "sum"])
    assert table["Customers"].tolist() == counts["size"].tolist()
    assert table["Churned"].tolist() == counts["sum"].tolist()
    referral = t[t["acquisition_channel"] == "referral"]
    median = _km_median(referral["duration"].to_numpy(), referral["event"].to_numpy())
    assert table.loc["referral", "Median lifetime (weeks)"] == pytest.approx(median)
    assert table["Observed churn"].sum() == pytest.approx(table["Expected under equal hazards"].sum())
    assert survival.logrank.p_value < 1e-10


def test_cox_tables(retail_churn):
    cox = rs.cox_study(retail_churn)
    table = rs.cox_table(cox)
    assert list(table.index) == ["Acquisition channel: price promotion (vs organic)",
                                 "Acquisition channel: product event (vs organic)",
                                 "Acquisition channel: referral (vs organic)", "Region: R2 (vs R1)",
                                 "Region: R3 (vs R1)", "Region: R4 (vs R1)", "Loyalty card member",
                                 "Retention programme"]
    hr = table.loc["Retention programme"]
    assert hr["Hazard ratio"] == pytest.approx(np.exp(hr["Coefficient"]))
    assert hr["95% CI lower"] == pytest.approx(np.exp(hr["Coefficient"] - 1.959964 * hr["Standard error"]), rel=1e-5)
    assert 0.8 < hr["Hazard ratio"] < 0.95 and hr["p-value"] < 1e-6
    assert table.loc["Acquisition channel: price promotion (vs organic)", "Hazard ratio"] > 1.3
    fit = rs.cox_fit_table(cox)
    assert fit.loc["Concordance (Harrell's C)", "Value"] == pytest.approx(cox.concordance_)
    ph = rs.ph_table(cox, lang="zh")
    assert ph.index[-1] == "整体检验"
    drifting = ph["p 值"] < 0.05
    assert (ph.loc[drifting, "结论"] == "风险比随时间漂移（p < 0.05）").all()
    assert (ph.loc[~drifting, "结论"] == "无证据违背比例风险假设").all()


def test_cox_sample_fits_a_seeded_subsample_above_its_size(retail_churn):
    full = rs.cox_study(retail_churn)
    assert full.n_ == len(retail_churn.table) == 20_000 < rs.COX_SAMPLE  # the bundled case is fitted whole
    pd.testing.assert_series_equal(full.params_, rs.cox_study(retail_churn, sample=None).params_)
    sub = rs.cox_study(retail_churn, sample=5000, seed=1)
    assert sub.n_ == 5000
    pd.testing.assert_series_equal(sub.params_, rs.cox_study(retail_churn, sample=5000, seed=1).params_)
    # the same population: the subsample's estimates lie within a few of their standard errors
    z = (sub.params_ - full.params_) / sub.standard_errors_
    assert (z.abs() < 4).all() and not np.allclose(sub.params_, full.params_)
    with pytest.raises(ValueError, match="sample"):
        rs.cox_study(retail_churn, sample=0)


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
    table = rs.programme_table(programme)
    true = table[table["Data"] == "true lifetimes (simulation)"].set_index("Measure")
    for measure in ("Difference in retention (Wald)", "Difference in retention (Newcombe)",
                    "Survival difference at one year (Kaplan–Meier)", "Hazard ratio of churn (adjusted Cox)"):
        row = true.loc[measure]
        assert row["95% CI lower"] < row["True value (simulation)"] < row["95% CI upper"], measure
        assert row["Interval covers the truth"] == "yes"
    assert true.loc["Hazard ratio of churn (adjusted Cox)", "True value (simulation)"] == 0.7
    # without the frailty the hazard ratio is attenuated towards 1
    assert true.loc["Hazard ratio of churn (unadjusted Cox)", "95% CI lower"] > 0.7
    assert true.loc["Odds ratio of retention (adjusted logistic regression)", "95% CI lower"] > 1
    observed = table[table["Data"] == "observed: inactivity"].set_index("Measure")
    assert observed.loc["Hazard ratio of churn (adjusted Cox)", "95% CI upper"] < 1
    assert observed.loc["Difference in retention (Newcombe)", "95% CI lower"] > 0
    assert observed.loc["Odds ratio of retention (adjusted logistic regression)", "Method"] == \
        "adjusted for the other attributes"
    assert true.loc["Hazard ratio of churn (adjusted Cox)", "Method"] == "adjusted for the true dropout rate"
    assert programme.observed.covariates == ["acquisition_channel", "region", "member"]
    zh = rs.programme_table(programme, lang="zh")
    assert "区间覆盖真值" in zh.columns and "真实寿命（模拟）" in set(zh["数据口径"])


def test_programme_is_skipped_without_the_column(sample):
    churn = rs.churn_study(sample)
    skipped = rs.programme_study(sample, churn)
    assert isinstance(skipped, rs.Skipped) and "retention_programme" in skipped.reason()
    assert "retention_programme" in rs.programme_table(skipped, lang="zh").iloc[0, 2]
    assert rp.plot_programme(skipped) is None


# --------------------------------------------------------------------------- value of retention

def test_reichheld_grid_and_pivot():
    table = rs.reichheld_study(margin_growth=0.07, discount_rate=0.12)
    assert sorted(table["margin_growth"].unique()) == [0.0, 0.07, 0.10]
    assert sorted(table["discount_rate"].unique()) == [0.05, 0.12, 0.15]
    pivot = rs.reichheld_pivot(table)
    assert pivot.shape == (5, 9)
    # no growth, no acquisition cost, 20 years: profit is the expected number of customers in the base
    base = (1 - 0.8**20) / 0.2
    improved = (1 - 0.85**20) / 0.15
    assert pivot.loc["80%", "margin growth 0%, acquisition cost 0"] == pytest.approx(100 * (improved / base - 1))
    # a base that makes a loss has no percentage
    assert pivot.isna().to_numpy().sum() == (~table.loc[np.isclose(table["discount_rate"], 0.12),
                                                         "base_profitable"]).sum()


def test_firm_economics_uses_the_data_where_it_can(small, sample):
    econ = rs.firm_economics(small, period="Q")
    assert econ.margin_rate is None and econ.acquisition_from_data
    assert econ.economics.acquisition_cost_ == pytest.approx(small.customers["acquisition_cost"].mean())
    log = rs.firm_economics(sample, period="M", margin=0.25, acquisition_cost=12.0, discount_rate=0.08)
    assert log.margin_rate == 0.25 and not log.acquisition_from_data
    assert log.economics.acquisition_cost_ == 12.0
    assert log.economics.discount_rate_ == pytest.approx(1.08 ** (1 / 12) - 1)
    table = rs.economics_table(log)
    assert table.loc["Margin", "Value"] == "25% of sales"
    assert table.loc["Base profit increase (%)", "Value"] == pytest.approx(log.economics.profit_increase_pct_)
    curve = rs.profit_curve_table(log)
    assert curve.index[0] == pytest.approx(0.05) and curve["CLV"].is_monotonic_increasing
    assert "outside" in log.describe() or "inside" in log.describe()
    short = rs.firm_economics(sample, period="Y")
    assert isinstance(short, rs.Skipped) and "at least 3" in short.reason()
    assert rp.plot_retention_profit(short) is None


# --------------------------------------------------------------------------- churn prediction

def test_churn_prediction_windows_and_targets(small):
    pred = rs.churn_prediction(small, inactivity_days=120, seed=3, n_repeats=2)
    assert pred.calibration_end == END - pd.Timedelta(days=120)
    assert pred.train_calibration_end == END - pd.Timedelta(days=240)
    tx = small.transactions
    acquired = tx.groupby("customer_id")["date"].min()
    assert pred.n_train == int((acquired <= pred.train_calibration_end).sum())
    assert pred.n_test == int((acquired <= pred.calibration_end).sum())
    later = tx[tx["date"] > pred.calibration_end]["customer_id"].unique()
    test_ids = acquired[acquired <= pred.calibration_end].index
    expected_rate = 1 - np.isin(test_ids, later).mean()
    metrics = rs.churn_metrics_table(pred)
    assert metrics["Churn rate (test)"].iloc[0] == pytest.approx(expected_rate)
    assert (metrics["ROC AUC"] > 0.75).all()
    assert metrics["Top-decile lift"].max() <= 1 / expected_rate + 1e-9
    importance = rs.importance_table(pred, lang="zh")
    assert "距最后一次购买的时长" in set(importance["特征"])
    assert "Training: features from purchases up to" in pred.describe()
    again = rs.churn_prediction(small, inactivity_days=120, seed=3, n_repeats=2)
    pd.testing.assert_frame_equal(again.result.metrics_, pred.result.metrics_)
    with pytest.raises(ValueError, match="too little history"):
        rs.churn_prediction(small, calibration_end="2023-06-30")


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
    case = rs.load_case(str(path), group="channel", observation_end="2024-12-31")
    pred = rs.churn_prediction(case, inactivity_days=150, n_repeats=1)
    assert "channel[late]" not in pred.result.features and "channel[web]" in pred.result.features
    assert pred.n_test > pred.n_train


# --------------------------------------------------------------------------- sBG with an independently fitted model

class _IndependentSBG:
    """The shifted-beta-geometric model fitted by maximum likelihood here, without cvm_lib.clv."""

    def fit(self, counts):
        counts = np.asarray(counts, dtype=float)
        lost = counts[:-1] - counts[1:]
        t = np.arange(1, len(counts))

        def negll(log_ab):
            a, b = np.exp(log_ab)
            log_p = special.betaln(a + 1, b + t - 1) - special.betaln(a, b)
            log_s = special.betaln(a, b + t[-1]) - special.betaln(a, b)
            return -(lost @ log_p + counts[-1] * log_s)

        res = optimize.minimize(negll, np.log([1.0, 1.0]), method="Nelder-Mead",
                                options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 5000})
        self.params_ = {"alpha": float(np.exp(res.x[0])), "beta": float(np.exp(res.x[1]))}
        return self

    def survival(self, t):
        a, b = self.params_["alpha"], self.params_["beta"]
        return np.exp(special.betaln(a, b + np.asarray(t, dtype=float)) - special.betaln(a, b))

    def retention_rate(self, t):
        a, b = self.params_["alpha"], self.params_["beta"]
        t = np.asarray(t, dtype=float)
        return (b + t - 1) / (a + b + t - 1)


def alpha_beta_mean(a, b):
    """Mean churn probability of those who survived t - 1 periods, t = 1..12."""
    t = np.arange(1, 13)
    return a / (a + b + t - 1)


@pytest.mark.parametrize(("cohort", "alpha", "beta"), [("regular", 0.704, 1.182), ("high_end", 0.668, 3.806)])
def test_sbg_study_reproduces_fader_hardie(cohort, alpha, beta):
    sbg = rs.sbg_study(cohort, discount_rate=0.10, model=_IndependentSBG())
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
    table = rs.sbg_tenure_table(sbg, lang="zh")
    assert table.loc[1, "DERL（折现期望剩余寿命）"] == pytest.approx(sbg.derl[0])
    assert table.loc[12, "DERL（折现期望剩余寿命）"] == pytest.approx(sbg.derl[11])
    np.testing.assert_allclose(table["存活客户的平均流失概率"], alpha_beta_mean(sbg.gamma, sbg.delta))
    assert rs.sbg_table(sbg).loc[8, "Window"] == "holdout (years 8–12)"


def test_sbg_study_with_the_library_model_matches_the_independent_fit():
    pytest.importorskip("cvm_lib.clv", reason="cvm_lib.clv is being written")
    from cvm_lib.clv import ShiftedBetaGeo  # noqa: F401  (the default model)

    library = rs.sbg_study("regular", discount_rate=0.10)
    independent = rs.sbg_study("regular", discount_rate=0.10, model=_IndependentSBG())
    assert library.gamma == pytest.approx(independent.gamma, rel=1e-4)
    assert library.delta == pytest.approx(independent.delta, rel=1e-4)
    np.testing.assert_allclose(library.projection["survival"], independent.projection["survival"], rtol=1e-4)
    np.testing.assert_allclose(library.derl, independent.derl, rtol=1e-4)


# --------------------------------------------------------------------------- key figures

def test_key_figures(retail, retail_churn, programme):
    survival = rs.survival_study(retail_churn, "acquisition_channel")
    cox = rs.cox_study(retail_churn)
    econ = rs.firm_economics(retail, period="M")
    sbg = rs.sbg_study("regular", model=_IndependentSBG())
    figures = rs.retention_figures(retail, retail_churn, survival=survival, cox=cox, economics=econ,
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
    zh = rs.retention_figures(retail, retail_churn, survival=survival, lang="zh")
    labels = {f["name"]: f["label"] for f in zh}
    assert labels["median_lifetime_referral"] == "中位寿命：老客推荐"
    reset()
    record_many(figures)  # every value is recordable: finite numbers, text, booleans or None
    assert len(recorded()) == len(figures)
    reset()


class _Labels:
    def describe(self, lang="en"):
        return "a stated definition"


def test_median_not_reached_is_recorded_as_none(small):
    frame = pd.DataFrame({"duration": [1.0, 2, 3, 4, 1, 2, 3, 4], "event": [0, 0, 1, 0, 1, 1, 1, 0],
                          "retained": 0, "g": ["x"] * 4 + ["y"] * 4})
    churn = rs.ChurnStudy("inactivity", _Labels(), frame, "W", [], END)
    survival = rs.survival_study(churn, "g")
    assert rs.km_table(survival).loc["x", "Median lifetime (weeks)"] == np.inf
    values = {f["name"]: f["value"] for f in rs.retention_figures(small, churn, survival=survival)}
    assert values["median_lifetime_x"] is None and values["median_lifetime_y"] == 3.0
    assert values["data"] == "retail_demo" and values["churn_definition"] == "a stated definition"


# --------------------------------------------------------------------------- figures

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_figure_renders_without_missing_glyphs(small, lang, tmp_path):
    plots.set_theme(lang)
    churn = rs.churn_study(small)
    pred = rs.churn_prediction(small, n_repeats=1)
    sbg = rs.sbg_study("regular", model=_IndependentSBG())
    makers = [
        lambda: rp.plot_cohort_heatmap(rs.cohort_study(small, period="M"), lang=lang),
        lambda: rp.plot_group_retention(rs.cohort_study(small, period="M", group="member"), lang=lang),
        lambda: rp.plot_km(rs.survival_study(churn, "acquisition_channel"), lang=lang),
        lambda: rp.plot_hazard_ratios(rs.cox_study(churn), lang=lang),
        lambda: rp.plot_sbg_projection(sbg, lang=lang),
        lambda: rp.plot_retention_by_tenure(sbg, lang=lang),
        lambda: rp.plot_reichheld(rs.reichheld_study(), lang=lang),
        lambda: rp.plot_retention_profit(rs.firm_economics(small), lang=lang),
        lambda: rp.plot_roc_calibration(pred, lang=lang),
        lambda: rp.plot_churn_lift(pred, lang=lang),
        lambda: rp.plot_importance(pred, lang=lang),
        lambda: rp.plot_programme(rs.programme_study(small, churn), lang=lang),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        for make in makers:
            fig = make()
            assert fig is not None
            fig.savefig(tmp_path / "f.png")
            titles = " ".join(t.get_text() for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label))
            titles += " " + (fig._suptitle.get_text() if fig._suptitle else "")
            assert any("\u4e00" <= ch <= "\u9fff" for ch in titles) == (lang == "zh"), titles
            plt.close(fig)
