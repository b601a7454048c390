"""Tests of indicator systems (definition, validation, weights, evaluation) and of the
per-unit CRM indicators computed from transactions, surveys and complaints."""

import copy

import numpy as np
import pandas as pd
import pytest
import yaml

from cvm_lib.datasets.simulate import simulate_retail
from cvm_lib.indicators import (
    COMPUTED_INDICATORS,
    DEFAULT_INDICATOR_SYSTEM,
    IndicatorSystemError,
    ahp,
    complaint_indicators,
    entropy_weights,
    load_indicator_system,
    survey_indicators,
    transaction_indicators,
    unit_indicators,
)

# --------------------------------------------------------------------------- hand-built data

HAND_LOG = pd.DataFrame({
    "customer_id": ["a", "a", "a", "b", "c", "c", "d", "d", "e", "e", "f"],
    "date": pd.to_datetime(["2023-02-10", "2023-11-05", "2024-03-01", "2023-06-01", "2024-05-05", "2024-05-05",
                            "2022-12-20", "2024-01-15", "2023-07-07", "2024-12-31", "2025-01-05"]),
    "amount": [10.0, 20.0, 30.0, 5.0, 40.0, 10.0, 7.0, 9.0, 12.0, 8.0, 100.0],
    "cost": [6.0, 12.0, 15.0, 3.0, 30.0, 5.0, 4.0, 5.0, 6.0, 4.0, 50.0],
})
HAND_HOME = pd.DataFrame({"customer_id": list("abcdef"), "store": ["S1", "S1", "S1", "S2", "S2", "S2"]})


@pytest.fixture(scope="module")
def retail():
    return simulate_retail(3000, seed=1)


@pytest.fixture(scope="module")
def retail_values(retail):
    stores = sorted(retail.customers["store"].unique())
    rng = np.random.default_rng(7)
    return pd.DataFrame({"market_share": rng.uniform(0.02, 0.2, len(stores)),
                         "employee_satisfaction": rng.uniform(3.0, 4.5, len(stores))},
                        index=pd.Index(stores, name="store"))


@pytest.fixture(scope="module")
def retail_table(retail, retail_values):
    return unit_indicators(retail.transactions, customers=retail.customers, survey=retail.survey,
                           values=retail_values, period_start="2023-07-01", period_end="2024-06-30")


# --------------------------------------------------------------------------- transaction indicators

def test_transaction_indicators_hand_log_window():
    out = transaction_indicators(HAND_LOG, "store", customers=HAND_HOME, period_start="2024-01-01",
                                 period_end="2024-12-31")
    s1, s2 = out.loc["S1"], out.loc["S2"]
    # S1: previous year a, b; this year a, c (c new); retained a
    assert (s1["active_customers"], s1["new_customers"], s1["retained_customers"]) == (2, 1, 1)
    assert s1["retention_rate"] == 0.5 and s1["churn_rate"] == 0.5
    assert s1["revenue"] == 80.0 and s1["transactions"] == 3
    assert s1["revenue_per_customer"] == 40.0 and s1["purchases_per_customer"] == 1.5
    assert s1["gross_margin"] == 30.0 and s1["gross_margin_rate"] == 0.375 and s1["customer_profitability"] == 15.0
    # S2: d's 2022 purchase is before the previous window; f buys after the period (ignored)
    assert (s2["active_customers"], s2["new_customers"], s2["retained_customers"]) == (2, 0, 1)
    assert s2["retention_rate"] == 1.0
    assert s2["revenue"] == 17.0 and s2["customer_profitability"] == 4.0
    # the same with the unit column in the log itself
    with_store = HAND_LOG.assign(store=HAND_LOG["customer_id"].map(HAND_HOME.set_index("customer_id")["store"]))
    pd.testing.assert_frame_equal(transaction_indicators(with_store, period_start="2024-01-01",
                                                         period_end="2024-12-31"), out)


def test_transaction_indicators_default_period_is_last_year_of_log():
    out = transaction_indicators(HAND_LOG, None)  # period 2024-01-06 .. 2025-01-05
    assert out.index.tolist() == ["all"]
    row = out.loc["all"]
    # active: a (03-01), c, d (01-15), e, f; new: c and f; previous window 2023-01-06..2024-01-05: a, b, e
    assert (row["active_customers"], row["new_customers"], row["retained_customers"]) == (5, 2, 2)
    assert row["retention_rate"] == pytest.approx(2 / 3)


def test_transaction_indicators_per_calendar_period():
    out = transaction_indicators(HAND_LOG, None, freq="Y")
    assert [str(p) for p in out.index] == ["2022", "2023", "2024", "2025"]
    assert out["active_customers"].tolist() == [1, 3, 4, 1]
    assert out["new_customers"].tolist() == [1, 3, 1, 1]
    assert out["retained_customers"].tolist() == [0, 0, 2, 0]
    assert np.isnan(out["retention_rate"].iloc[0])
    assert out["retention_rate"].iloc[1:].tolist() == pytest.approx([0.0, 2 / 3, 0.0])
    by_store = transaction_indicators(HAND_LOG, "store", customers=HAND_HOME, freq="Y")
    assert by_store.index.names == ["store", "period"]
    assert by_store.loc[("S1", pd.Period("2024", "Y")), "retention_rate"] == 0.5


def test_transaction_indicators_errors():
    with pytest.raises(ValueError, match="customers="):
        transaction_indicators(HAND_LOG, "store")
    with pytest.raises(ValueError, match="without a 'store'"):
        transaction_indicators(HAND_LOG, "store", customers=HAND_HOME.iloc[:3])
    with pytest.raises(ValueError, match="after period_end"):
        transaction_indicators(HAND_LOG, None, period_start="2024-06-01", period_end="2024-01-01")
    with pytest.raises(ValueError, match="datetime"):
        transaction_indicators(HAND_LOG.assign(date=HAND_LOG["date"].astype(str)), None)


def test_transaction_indicators_on_simulated_retail_recomputed_independently(retail):
    tx, customers = retail.transactions, retail.customers
    out = transaction_indicators(tx, "store", customers=customers, period_start="2024-01-01",
                                 period_end="2024-12-31")
    assert len(out) == customers["store"].nunique()
    assert out["retention_rate"].between(0, 1).all()
    home = tx.merge(customers[["customer_id", "store"]], on="customer_id")
    current = home[(home["date"] >= "2024-01-01") & (home["date"] <= "2024-12-31")]
    previous = home[(home["date"] >= "2022-12-31") & (home["date"] <= "2023-12-31")]
    for store in ["S01", "S07", "S12"]:
        now = set(current.loc[current["store"] == store, "customer_id"])
        before = set(previous.loc[previous["store"] == store, "customer_id"])
        assert out.loc[store, "active_customers"] == len(now)
        assert out.loc[store, "retention_rate"] == pytest.approx(len(now & before) / len(before))
        assert out.loc[store, "revenue"] == pytest.approx(current.loc[current["store"] == store, "amount"].sum())
    assert out["revenue"].sum() == pytest.approx(current["amount"].sum())
    # everyone was acquired in 2023, so nobody is new in 2024
    assert (out["new_customers"] == 0).all()
    first_half = transaction_indicators(tx, "store", customers=customers, period_start="2023-01-01",
                                        period_end="2023-12-31")
    assert first_half["new_customers"].sum() == len(customers)


# --------------------------------------------------------------------------- survey and complaints

def test_survey_indicators_hand_data():
    survey = pd.DataFrame({"store": ["S1", "S1", "S1", "S2"], "sat_1": [5, 4, 1, 3], "sat_2": [3, 4, 2, 5],
                           "nps": [10, 6, 9, 7]})
    out = survey_indicators(survey)
    assert out.loc["S1", "respondents"] == 3
    assert out.loc["S1", "csat"] == pytest.approx(3 / 6)  # 5, 4, 4 of six answers
    assert out.loc["S1", "mean_satisfaction"] == pytest.approx(19 / 6)
    assert out.loc["S1", "nps"] == pytest.approx(100 * (2 / 3 - 1 / 3))
    assert out.loc["S2", "nps"] == 0.0 and out.loc["S2", "csat"] == 0.5
    strict = survey_indicators(survey, items=["sat_1"], top_box=1, nps_column=None)
    assert strict.loc["S1", "csat"] == pytest.approx(1 / 3) and "nps" not in strict.columns
    with pytest.raises(ValueError, match="lacks"):
        survey_indicators(survey, unit="region")
    with pytest.raises(ValueError, match="0..10"):
        survey_indicators(survey.assign(nps=[10, 6, 9, 12]))


def test_complaint_indicators_hand_data():
    table = pd.DataFrame({"store": ["S1", "S1", "S1", "S2", "S2"], "complaints": [0, 2, 1, 1, 0],
                          "complaint_resolution_days": [np.nan, 3.0, 6.0, 10.0, np.nan]})
    out = complaint_indicators(table)
    assert out.loc["S1", "complaints"] == 3 and out.loc["S1", "complaint_rate"] == 1.0
    assert out.loc["S1", "complainant_share"] == pytest.approx(2 / 3)
    assert out.loc["S1", "resolution_days"] == pytest.approx((2 * 3 + 1 * 6) / 3)  # complaint-weighted
    assert out.loc["S2", "complaint_rate"] == 0.5 and out.loc["S2", "resolution_days"] == 10.0
    per_complaint = pd.DataFrame({"store": ["S1", "S1", "S2"], "days": [1.0, 3.0, 2.0]})
    rates = complaint_indicators(per_complaint, count_column=None, resolution_column="days",
                                 customers_per_unit=pd.Series({"S1": 10, "S2": 4}))
    assert rates["complaint_rate"].tolist() == [0.2, 0.25] and rates["resolution_days"].tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match="customers_per_unit"):
        complaint_indicators(per_complaint, count_column=None, resolution_column="days")


def test_survey_indicators_on_simulated_retail_recomputed_independently(retail):
    survey = retail.survey
    out = survey_indicators(survey, "store")
    for store, group in survey.groupby("store"):
        promoters = (group["nps"] >= 9).mean()
        detractors = (group["nps"] <= 6).mean()
        assert out.loc[store, "nps"] == pytest.approx(100 * (promoters - detractors))
        items = group[[f"sat_{i}" for i in range(1, 6)]].to_numpy()
        assert out.loc[store, "csat"] == pytest.approx((items >= 4).mean())
        assert out.loc[store, "respondents"] == len(group)
    assert out["nps"].between(-100, 100).all() and out["csat"].between(0, 1).all()
    regions = survey_indicators(survey, "region")
    assert regions["respondents"].sum() == len(survey)


# --------------------------------------------------------------------------- indicator systems

def test_default_system_follows_the_balanced_scorecard():
    system = load_indicator_system()
    assert [d.id for d in system.dimensions] == ["customer", "financial", "internal_process", "learning_growth"]
    customer = system.dimensions[0]
    assert [i.id for i in customer.indicators] == ["retention_rate", "new_customers", "market_share", "csat",
                                                   "customer_profitability"]
    sources = {i.id: i.source for i in system.indicators}
    assert sources["market_share"] == "value" and sources["employee_satisfaction"] == "value"
    assert sources["retention_rate"] == "transactions" and sources["csat"] == "survey"
    assert sources["complaint_rate"] == "complaints" and sources["resolution_days"] == "complaints"
    assert not system.benefit["complaint_rate"] and not system.benefit["resolution_days"]
    assert system.to_frame().loc[0, "label_zh"] == "客户保持能力：保持率"
    # the default AHP judgements are consistent
    weights = system.weights(pd.DataFrame(np.random.default_rng(0).uniform(1, 2, (4, 10)),
                                          columns=system.indicator_ids))
    assert weights["global_weight"].sum() == pytest.approx(1.0)
    assert "customer" in system.summary()


def test_yaml_round_trip(tmp_path):
    path = tmp_path / "crm.yaml"
    path.write_text(yaml.safe_dump(DEFAULT_INDICATOR_SYSTEM, allow_unicode=True, sort_keys=False), encoding="utf-8")
    from_file = load_indicator_system(path)
    default = load_indicator_system(DEFAULT_INDICATOR_SYSTEM)
    assert from_file.indicator_ids == default.indicator_ids
    assert from_file.to_dict() == default.to_dict()
    data = pd.DataFrame(np.random.default_rng(1).uniform(1, 2, (5, 10)), columns=default.indicator_ids)
    pd.testing.assert_frame_equal(from_file.weights(data), default.weights(data))


def _system_with(**changes):
    spec = copy.deepcopy(DEFAULT_INDICATOR_SYSTEM)
    for path, value in changes.items():
        target = spec
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value
    return spec


@pytest.mark.parametrize("changes, message", [
    ({"dimensions__1__indicators": ["revenue", "loyalty_index"]}, "unknown indicator 'loyalty_index'"),
    ({"dimensions__1__indicators": [{"id": "revenue", "source": "erp"}, "revenue_per_customer"]}, "source 'erp'"),
    ({"dimensions__1__indicators": [{"id": "revenue", "direction": "up"}, "revenue_per_customer"]},
     "'benefit' or 'cost'"),
    ({"dimensions__3__indicators": [{"id": "staff_morale", "source": "value"}]}, "needs 'direction"),
    ({"dimensions__3__indicators": [{"id": "revenue"}]}, "appears in dimensions"),
    ({"dimensions__1__indicators": [{"id": "nps", "source": "transactions"}]}, "computed from survey"),
    ({"dimensions__1__indicator": ["revenue"]}, "unknown field"),
    ({"dimensions__1__weighting": {"method": "given", "weights": {"revenue": 0.7, "revenue_per_customer": 0.7}}},
     "sum to 1"),
    ({"dimensions__1__weighting": {"method": "given", "weights": {"revenue": 1.0}}}, "missing"),
    ({"dimensions__1__weighting": {"method": "ahp", "matrix": [[1, 3], [3, 1]]}}, "not reciprocal"),
    ({"dimensions__1__weighting": {"method": "ahp", "pairwise": [["revenue", "profit", 2]]}}, "not among"),
    ({"dimensions__1__weighting": {"method": "ahp", "pairwise": []}}, "pairwise"),
    ({"dimensions__1__weighting": {"method": "topsis"}}, "weighting method"),
    ({"weighting": {"method": "entropy"}}, "within a dimension only"),
    ({"weighting": {"method": "given", "weights": {"customer": 0.5, "financial": 0.5}}}, "missing"),
    ({"colour": "blue"}, "unknown top-level"),
    ({"dimensions": []}, "non-empty"),
])
def test_indicator_system_validation_errors(changes, message):
    with pytest.raises(IndicatorSystemError, match=message):
        load_indicator_system(_system_with(**changes))


def test_require_consistency_rejects_inconsistent_judgements_and_errors_name_the_place():
    judgements = [["customer", "financial", 9], ["customer", "internal_process", "1/9"],
                  ["customer", "learning_growth", 1], ["financial", "internal_process", 9],
                  ["financial", "learning_growth", "1/9"], ["internal_process", "learning_growth", 9]]
    lenient = load_indicator_system(_system_with(weighting={"method": "ahp", "pairwise": judgements}))
    data = pd.DataFrame(np.random.default_rng(2).uniform(1, 2, (4, 10)), columns=lenient.indicator_ids)
    assert not lenient.evaluate(data).ahp["dimensions"].consistent
    with pytest.raises(IndicatorSystemError, match=r"^weighting: AHP judgements are inconsistent"):
        load_indicator_system(_system_with(weighting={"method": "ahp", "pairwise": judgements,
                                                      "require_consistency": True}))
    with pytest.raises(IndicatorSystemError, match=r"^dimensions\[financial\].indicators\[bogus\]"):
        load_indicator_system(_system_with(dimensions__1__indicators=["revenue", "bogus"]))


def test_load_indicator_system_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_indicator_system(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("dimensions: [unclosed", encoding="utf-8")
    with pytest.raises(IndicatorSystemError, match="not valid YAML"):
        load_indicator_system(bad)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("dimensions:\n  - id: c\n    indicators: [zzz]\n", encoding="utf-8")
    with pytest.raises(IndicatorSystemError, match="wrong.yaml.*unknown indicator 'zzz'"):
        load_indicator_system(wrong)


def test_check_data_reports_missing_indicators_and_values():
    system = load_indicator_system()
    data = pd.DataFrame(np.ones((3, 10)), columns=system.indicator_ids, index=["S1", "S2", "S3"])
    with pytest.raises(IndicatorSystemError, match=r"missing data for 1 indicator.*'market_share' \(source: value, "
                                                   r"supply it with values="):
        system.check_data(data.drop(columns="market_share"))
    with pytest.raises(IndicatorSystemError, match=r"missing data.*'csat': \['S2'\]"):
        system.check_data(data.assign(csat=[0.5, np.nan, 0.6]))
    with pytest.raises(IndicatorSystemError, match="at least 2 units"):
        system.check_data(data.iloc[:1])
    with pytest.raises(IndicatorSystemError, match="need the units' data"):
        system.weights()


def test_weights_given_ahp_and_entropy_methods():
    spec = {"weighting": {"method": "given", "weights": {"loyalty": 0.7, "service": 0.3}},
            "dimensions": [
                {"id": "loyalty", "weighting": {"method": "ahp", "pairwise": [["retention_rate", "nps", 3]]},
                 "indicators": ["retention_rate", "nps"]},
                {"id": "service", "weighting": {"method": "entropy"},
                 "indicators": ["complaint_rate", "resolution_days", "csat"]}]}
    system = load_indicator_system(spec)
    data = pd.DataFrame({"retention_rate": [0.3, 0.5, 0.4, 0.6], "nps": [10, -5, 20, 35],
                         "complaint_rate": [0.2, 0.3, 0.25, 0.1], "resolution_days": [5.0, 7.5, 6.0, 4.0],
                         "csat": [0.6, 0.5, 0.7, 0.8]}, index=["S1", "S2", "S3", "S4"])
    weights = system.weights(data)
    assert weights.loc["retention_rate", "local_weight"] == pytest.approx(0.75)
    assert weights.loc["retention_rate", "global_weight"] == pytest.approx(0.7 * 0.75)
    expected = entropy_weights(data[["complaint_rate", "resolution_days", "csat"]], [False, False, True],
                               normalise="min-max").weights
    np.testing.assert_allclose(weights.loc[expected.index, "local_weight"], expected)
    np.testing.assert_allclose(weights.loc[expected.index, "global_weight"], 0.3 * expected)
    np.testing.assert_allclose(weights["global_weight"], weights["dimension_weight"] * weights["local_weight"])
    assert weights["global_weight"].sum() == pytest.approx(1.0)
    result = system.evaluate(data)
    # S4 is best on every indicator: first in both rankings, composite 100, TOPSIS closeness 1
    assert result.ranking.index[0] == "S4"
    assert result.composite.score["S4"] == pytest.approx(100.0)
    assert result.topsis.closeness["S4"] == pytest.approx(1.0)
    assert result.topsis.rank["S4"] == 1


# --------------------------------------------------------------------------- full pipeline on simulated data

def test_unit_indicators_and_evaluation_on_simulated_retail(retail, retail_table):
    system = load_indicator_system()
    table = retail_table
    assert len(table) == 12 and table.index.name == "store"
    assert table["retention_rate"].between(0, 1).all()
    assert (table["new_customers"] > 0).all()
    assert set(system.indicator_ids) <= set(table.columns)
    assert set(COMPUTED_INDICATORS) <= set(table.columns)  # every computed indicator is available
    result = system.evaluate(table)
    ranking = result.ranking
    assert sorted(ranking["rank"]) == list(range(1, 13))
    assert ranking["score"].is_monotonic_decreasing
    assert result.topsis.closeness.between(0, 1).all()
    assert sorted(result.topsis.rank) == list(range(1, 13))
    # global weights: AHP dimension weights × combined local weights
    dimension = ahp({("customer", "financial"): 2, ("customer", "internal_process"): 3,
                     ("customer", "learning_growth"): 4, ("financial", "internal_process"): 2,
                     ("financial", "learning_growth"): 3, ("internal_process", "learning_growth"): 2}).weights
    for dim, total in result.weights.groupby("dimension")["global_weight"].sum().items():
        assert total == pytest.approx(dimension[dim])
    assert result.weights["global_weight"].sum() == pytest.approx(1.0)
    assert result.ahp["dimensions"].consistent and result.ahp["customer"].consistent
    assert "customer" in result.entropy
    # restricting to the system gives exactly its indicators in order
    restricted = unit_indicators(retail.transactions, customers=retail.customers, survey=retail.survey,
                                 values=table[["market_share", "employee_satisfaction"]], system=system,
                                 period_start="2023-07-01", period_end="2024-06-30")
    assert list(restricted.columns) == system.indicator_ids
    with pytest.raises(IndicatorSystemError, match="market_share"):
        unit_indicators(retail.transactions, customers=retail.customers, survey=retail.survey, system=system)


def test_unit_indicators_by_region_and_value_clash(retail):
    by_region = unit_indicators(retail.transactions, unit="region", customers=retail.customers,
                                survey=retail.survey)
    assert by_region.index.tolist() == sorted(retail.customers["region"].unique())
    assert by_region["respondents"].sum() == len(retail.survey)
    clash = pd.DataFrame({"nps": [1.0] * 4}, index=by_region.index)
    with pytest.raises(ValueError, match="two sources"):
        unit_indicators(retail.transactions, unit="region", customers=retail.customers, survey=retail.survey,
                        values=clash)
