"""Tests of the CRM indicator study: the YAML indicator system, path resolution, the
teaching case (and user files), the study tables, the key figures (recomputed
independently on the synthetic case) and the study figures."""

import copy
from fractions import Fraction
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from scipy import stats  # noqa: E402

from cvm_lib import plots  # noqa: E402
from cvm_lib.datasets import load_dataset  # noqa: E402
from cvm_lib.datasets.simulate import simulate_retail  # noqa: E402
from cvm_lib.indicators import (  # noqa: E402
    DEFAULT_INDICATOR_SYSTEM,
    IndicatorSystemError,
    load_case,
    load_indicator_system,
    unit_indicators,
)
from cvm_lib.indicators import study as crm  # noqa: E402
from cvm_lib.plots import indicators as crm_plots  # noqa: E402
from cvm_lib.results import record_many, recorded, reset  # noqa: E402

YAML_PATH = "studies/indicator_systems/balanced_scorecard.yaml"
PROJECT = crm.project_root()
PERIOD = {"period_start": "2023-07-01", "period_end": "2024-06-30"}
ITEMS = [f"sat_{i}" for i in range(1, 6)]
SAATY_RI = {3: 0.58, 4: 0.90, 5: 1.12}


@pytest.fixture(scope="module")
def case():
    return load_case("retail_demo", 2024)


@pytest.fixture(scope="module")
def system():
    return load_indicator_system(PROJECT / YAML_PATH)


@pytest.fixture(scope="module")
def table(case, system):
    return crm.indicator_table(case, system, **PERIOD)


@pytest.fixture(scope="module")
def evaluation(system, table):
    return system.evaluate(table)


# --------------------------------------------------------------------------- the YAML indicator system

def test_yaml_file_is_the_built_in_default(system):
    raw = yaml.safe_load((PROJECT / YAML_PATH).read_text(encoding="utf-8"))
    assert raw == DEFAULT_INDICATOR_SYSTEM
    default = load_indicator_system()
    assert system.to_dict() == default.to_dict()
    assert system.indicator_ids == default.indicator_ids
    data = pd.DataFrame(np.random.default_rng(3).uniform(1, 2, (5, len(default.indicator_ids))),
                        columns=default.indicator_ids)
    pd.testing.assert_frame_equal(system.weights(data), default.weights(data))
    for lang in ("en", "zh"):
        pd.testing.assert_frame_equal(crm.system_table(system, lang=lang), crm.system_table(default, lang=lang))


def test_yaml_file_has_chinese_labels_for_every_dimension_and_indicator(system):
    assert all(d.label_zh and d.label_zh != d.label for d in system.dimensions)
    zh = crm.system_table(system, lang="zh")
    assert zh["指标"].tolist()[:2] == ["客户保持能力：保持率", "客户获取能力：新客户数"]
    assert zh["指标方向"].str.startswith("成本型").sum() == 2  # complaint rate and resolution days
    assert set(zh.loc[zh["编号"].isin(["market_share", "employee_satisfaction"]), "数据来源"]) == {"外部提供"}


def test_bad_yaml_files_give_errors_naming_the_file_and_place(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = copy.deepcopy(DEFAULT_INDICATOR_SYSTEM)
    spec["dimensions"][1]["indicators"].append("loyalty_index")
    (tmp_path / "unknown.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(IndicatorSystemError, match=r"unknown.yaml.*dimensions\[financial\].*loyalty_index"):
        load_indicator_system("unknown.yaml")
    spec = copy.deepcopy(DEFAULT_INDICATOR_SYSTEM)
    spec["dimensions"][1]["weighting"] = {"method": "given", "weights": {"revenue": 0.7, "revenue_per_customer": 0.7}}
    (tmp_path / "weights.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(IndicatorSystemError, match="bad weights"):
        load_indicator_system("weights.yaml")


# --------------------------------------------------------------------------- path resolution

@pytest.mark.parametrize("where", ["elsewhere", "notebooks"])
def test_relative_system_path_resolves_from_the_project_root(tmp_path, monkeypatch, where):
    monkeypatch.delenv("CVM_PROJECT_ROOT", raising=False)
    monkeypatch.chdir(tmp_path if where == "elsewhere" else PROJECT / "notebooks")
    system = load_indicator_system(YAML_PATH)
    assert system.to_dict() == DEFAULT_INDICATOR_SYSTEM
    assert crm.resolve_project_path(YAML_PATH) == PROJECT / YAML_PATH
    # the study's own loaders resolve it too
    assert crm.system_table(YAML_PATH).shape[0] == 10


def test_a_file_in_the_working_directory_wins_and_missing_files_name_the_given_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    local = tmp_path / YAML_PATH
    local.parent.mkdir(parents=True)
    spec = copy.deepcopy(DEFAULT_INDICATOR_SYSTEM)
    spec["name"] = "local copy"
    local.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    assert load_indicator_system(YAML_PATH).name == "local copy"
    assert crm.resolve_project_path(YAML_PATH) == local.relative_to(tmp_path)
    with pytest.raises(FileNotFoundError, match="'studies/indicator_systems/nope.yaml'"):
        load_indicator_system("studies/indicator_systems/nope.yaml")
    assert crm.resolve_project_path("/abs/nope.yaml").as_posix() == "/abs/nope.yaml"


def test_project_root_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CVM_PROJECT_ROOT", str(tmp_path))
    monkeypatch.chdir(PROJECT.parent)
    assert crm.project_root() == tmp_path.resolve()
    target = tmp_path / "systems" / "mine.yaml"
    target.parent.mkdir()
    target.write_text(yaml.safe_dump(DEFAULT_INDICATOR_SYSTEM, allow_unicode=True), encoding="utf-8")
    assert crm.resolve_project_path("systems/mine.yaml") == target.resolve()
    monkeypatch.delenv("CVM_PROJECT_ROOT")
    assert crm.project_root() == PROJECT
    assert (PROJECT / "cvm_lib" / "indicators" / "study.py").is_file()


# --------------------------------------------------------------------------- the teaching case

def test_load_case_returns_the_simulated_chain(case):
    assert case.synthetic and case.unit == "store" and case.name == "retail_demo"
    pd.testing.assert_frame_equal(case.transactions, load_dataset("retail_demo"))
    assert case.customers.columns.tolist() == ["customer_id", "store", "region", "member"]
    assert len(case.customers) == 20_000 and case.customers["store"].nunique() == 12
    assert {"store", "region", "nps", "membership_value", *ITEMS} <= set(case.survey.columns)
    assert "complaints" not in case.survey.columns
    assert case.complaints.columns.tolist() == ["customer_id", "store", "region", "complaints",
                                                "complaint_resolution_days"]
    assert len(case.survey) == len(case.complaints) == 6000
    assert case.items == ITEMS and case.item_label("sat_3", "zh") == "员工服务"
    # only card holders answer the membership question
    members = case.survey["customer_id"].map(case.customers.set_index("customer_id")["member"])
    assert (case.survey["membership_value"].notna() == members).all()


def test_synthetic_values_are_deterministic_documented_and_seeded(case):
    values = case.values
    assert values.index.tolist() == [f"S{i:02d}" for i in range(1, 13)] and values.index.name == "store"
    assert values["market_share"].between(0, 1).all() and values["employee_satisfaction"].between(1, 5).all()
    retail = simulate_retail(20_000, seed=2024)
    pd.testing.assert_frame_equal(crm.synthetic_values(retail, seed=2024), values)
    # the documented formula, with its own random stream
    rng = np.random.default_rng([2024, 404])
    u = pd.Series(retail.truth["store_effects"]).sort_index().to_numpy()
    share = 1 / (1 + np.exp(-(np.log(0.15 / 0.85) + u + rng.normal(0, 0.35, 12))))
    employee = np.clip(3.4 + 0.8 * u + rng.normal(0, 0.15, 12), 1, 5)
    np.testing.assert_allclose(values["market_share"], share.round(4))
    np.testing.assert_allclose(values["employee_satisfaction"], employee.round(2))
    other = crm.synthetic_values(retail, seed=7)
    assert not np.allclose(other["market_share"], values["market_share"])
    # the satisfaction effect drives employee satisfaction (service-profit chain)
    assert np.corrcoef(u, values["employee_satisfaction"])[0, 1] > 0.8


def test_synthetic_values_by_region_pool_the_stores():
    retail = simulate_retail(3000, seed=11)
    stores = crm.synthetic_values(retail, seed=5)
    regions = crm.synthetic_values(retail, seed=5, unit="region")
    assert regions.index.tolist() == ["R1", "R2", "R3", "R4"]
    home = retail.customers.set_index("customer_id")["store"]
    revenue = retail.transactions.groupby(retail.transactions["customer_id"].map(home))["amount"].sum()
    staff = np.maximum(8, np.round(retail.customers["store"].value_counts() / 50))
    region_of = pd.Series(retail.truth["store_region"])
    r1 = region_of.index[region_of == "R1"]
    expected_share = revenue[r1].sum() / (revenue[r1] / stores.loc[r1, "market_share"]).sum()
    expected_staff = (staff[r1] * stores.loc[r1, "employee_satisfaction"]).sum() / staff[r1].sum()
    assert regions.loc["R1", "market_share"] == pytest.approx(expected_share, abs=5e-5)
    assert regions.loc["R1", "employee_satisfaction"] == pytest.approx(expected_staff, abs=5e-3)


def test_region_case_evaluates_four_regions(system):
    region_case = load_case("retail_demo", 2024, unit="region", n_customers=4000)
    table = crm.indicator_table(region_case, system, **PERIOD)
    assert table.index.tolist() == ["R1", "R2", "R3", "R4"] and table.index.name == "region"
    assert table.notna().all().all()
    ranking = crm.ranking_table(system.evaluate(table), system, lang="zh")
    assert ranking.index.name == "区域" and len(ranking) == 4


def test_load_case_errors():
    with pytest.raises(ValueError, match="CDNOW log has neither"):
        load_case("cdnow")
    with pytest.raises(ValueError, match="survey_path apply to your own transaction file"):
        load_case("retail_demo", survey_path="survey.csv")
    with pytest.raises(ValueError, match="'store' or 'region'"):
        load_case("retail_demo", unit="city")
    with pytest.raises(ValueError, match="give customers_path"):
        load_case("my_log.csv")


def test_load_case_from_user_files_matches_the_same_data_in_memory(tmp_path, system):
    retail = simulate_retail(1500, seed=5)
    tx = retail.transactions[["customer_id", "date", "amount", "cost"]]
    tx.to_csv(tmp_path / "tx.csv", index=False)
    retail.customers[["customer_id", "store"]].to_csv(tmp_path / "customers.csv", index=False)
    survey = retail.survey.drop(columns=["complaints", "complaint_resolution_days"])
    survey.to_csv(tmp_path / "survey.csv", index=False)
    retail.survey[["store", "complaints", "complaint_resolution_days"]].to_csv(tmp_path / "complaints.csv",
                                                                                index=False)
    values = crm.synthetic_values(retail, seed=1)
    values.reset_index().to_excel(tmp_path / "values.xlsx", index=False)
    case = load_case(str(tmp_path / "tx.csv"), customers_path=str(tmp_path / "customers.csv"),
                     survey_path=str(tmp_path / "survey.csv"), complaints_path=str(tmp_path / "complaints.csv"),
                     values_path=str(tmp_path / "values.xlsx"))
    assert not case.synthetic and case.item_label("sat_3", "zh") == "sat_3"
    from_files = crm.indicator_table(case, system, **PERIOD)
    direct = unit_indicators(retail.transactions, customers=retail.customers, survey=retail.survey,
                             values=values, system=system, **PERIOD)
    pd.testing.assert_frame_equal(from_files, direct, check_exact=False, rtol=1e-9)
    # a survey file without the unit column is refused with a clear message
    survey.drop(columns=["store"]).to_csv(tmp_path / "no_unit.csv", index=False)
    with pytest.raises(ValueError, match="survey file has no 'store' column"):
        load_case(str(tmp_path / "tx.csv"), customers_path=str(tmp_path / "customers.csv"),
                  survey_path=str(tmp_path / "no_unit.csv"))
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        load_case(str(tmp_path / "tx.csv"), customers_path=str(tmp_path / "customers.csv"),
                  survey_path="missing.csv")


def test_a_system_needing_data_the_case_lacks_fails_clearly(case):
    spec = copy.deepcopy(DEFAULT_INDICATOR_SYSTEM)
    spec["dimensions"][0]["indicators"].append({"id": "share_of_wallet", "source": "value", "direction": "benefit"})
    spec["dimensions"][0]["weighting"] = {"method": "entropy"}
    with pytest.raises(IndicatorSystemError, match="missing data.*share_of_wallet.*values="):
        crm.indicator_table(case, spec, **PERIOD)


# --------------------------------------------------------------------------- indicators and evaluation

def test_indicator_table_by_store(case, table, system):
    assert table.columns.tolist() == system.indicator_ids and len(table) == 12
    assert (table["new_customers"] > 0).all()  # the default period includes acquisition
    assert table["retention_rate"].between(0, 1).all()
    s04 = case.survey[case.survey["store"] == "S04"]
    assert table.loc["S04", "csat"] == pytest.approx((s04[ITEMS].to_numpy() >= 4).mean())
    strict = crm.indicator_table(case, system, top_box=1, **PERIOD)
    assert strict.loc["S04", "csat"] == pytest.approx((s04[ITEMS].to_numpy() == 5).mean())
    labelled = crm.labelled_indicators(table, system, lang="zh")
    assert labelled.index.name == "门店" and labelled.columns[0] == "客户保持能力：保持率"
    np.testing.assert_array_equal(labelled.to_numpy(), table.to_numpy())


def _ahp(pairs, items):
    n = len(items)
    a = np.ones((n, n))
    for row, col, value in pairs:
        v = float(Fraction(str(value)))  # "1/2" as in the YAML file
        i, j = items.index(row), items.index(col)
        a[i, j], a[j, i] = v, 1 / v
    eigenvalues, vectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    w = np.abs(vectors[:, k].real)
    lam = float(eigenvalues[k].real)
    return pd.Series(w / w.sum(), index=items), lam, (lam - n) / (n - 1) / SAATY_RI[n]


def _independent_closeness(table):
    spec = DEFAULT_INDICATOR_SYSTEM
    dims = [d["id"] for d in spec["dimensions"]]
    dim_w, _, _ = _ahp(spec["weighting"]["pairwise"], dims)
    customer = spec["dimensions"][0]
    items = [i["id"] for i in customer["indicators"]]
    ahp_w, _, _ = _ahp(customer["weighting"]["pairwise"], items)
    x = table[items].to_numpy(float)
    z = (x - x.min(0)) / (x.max(0) - x.min(0))  # all customer indicators are benefits
    p = z / z.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = -np.nansum(np.where(p > 0, p * np.log(p), 0.0), axis=0) / np.log(len(x))
    entropy_w = (1 - e) / (1 - e).sum()
    combined = ahp_w.to_numpy() * entropy_w / (ahp_w.to_numpy() * entropy_w).sum()
    weights = dict(zip(items, dim_w["customer"] * combined, strict=True))
    weights.update({"revenue": dim_w["financial"] / 2, "revenue_per_customer": dim_w["financial"] / 2,
                    "complaint_rate": dim_w["internal_process"] / 2, "resolution_days": dim_w["internal_process"] / 2,
                    "employee_satisfaction": dim_w["learning_growth"]})
    cost = ["complaint_rate", "resolution_days"]
    columns = list(weights)
    v = table[columns].to_numpy(float)
    v = v / np.sqrt((v**2).sum(0)) * np.array([weights[c] for c in columns])
    is_cost = np.array([c in cost for c in columns])
    ideal = np.where(is_cost, v.min(0), v.max(0))
    anti = np.where(is_cost, v.max(0), v.min(0))
    d_plus, d_minus = np.sqrt(((v - ideal) ** 2).sum(1)), np.sqrt(((v - anti) ** 2).sum(1))
    return pd.Series(d_minus / (d_plus + d_minus), index=table.index), pd.Series(weights)


def test_evaluation_matches_an_independent_ahp_entropy_topsis(table, evaluation):
    closeness, weights = _independent_closeness(table)
    np.testing.assert_allclose(evaluation.weights["global_weight"].reindex(weights.index), weights, rtol=1e-9)
    np.testing.assert_allclose(evaluation.topsis.closeness.reindex(closeness.index), closeness, rtol=1e-9)


def test_ahp_tables(evaluation, system):
    consistency = crm.ahp_consistency_table(evaluation, system, lang="en")
    assert consistency["Level"].tolist() == ["Dimensions", "Customer"]
    _, lam, cr = _ahp(DEFAULT_INDICATOR_SYSTEM["weighting"]["pairwise"],
                      [d["id"] for d in DEFAULT_INDICATOR_SYSTEM["dimensions"]])
    assert consistency.loc[0, "λmax"] == pytest.approx(lam) and consistency.loc[0, "CR"] == pytest.approx(cr)
    assert consistency["Verdict"].str.startswith("consistent").all()
    weights = crm.ahp_weights_table(evaluation, system, lang="zh")
    assert weights.groupby("层次")["权重"].sum().to_numpy() == pytest.approx([1.0, 1.0])
    assert weights.loc[weights["层次"] == "维度层", "项目"].tolist()[0] == "客户维度"
    assert crm.worst_judgements_table(evaluation, system).empty  # every matrix passes
    assert len(crm.worst_judgements_table(evaluation, system, every_level=True, top=2)) == 4


def test_inconsistent_judgements_are_flagged_with_the_judgements_to_revise(table):
    spec = copy.deepcopy(DEFAULT_INDICATOR_SYSTEM)
    spec["weighting"]["pairwise"] = [["customer", "financial", 9], ["customer", "internal_process", "1/9"],
                                     ["customer", "learning_growth", 4], ["financial", "internal_process", 9],
                                     ["financial", "learning_growth", 3], ["internal_process", "learning_growth", 2]]
    system = load_indicator_system(spec)
    evaluation = system.evaluate(table)
    consistency = crm.ahp_consistency_table(evaluation, system, lang="zh")
    assert consistency.loc[0, "检验结论"].startswith("未通过") and consistency.loc[0, "CR"] > 0.1
    worst = crm.worst_judgements_table(evaluation, system, lang="en", top=3)
    assert len(worst) == 3 and set(worst["Level"]) == {"Dimensions"}
    figures = {f["name"]: f["value"] for f in crm.indicator_figures(crm.load_case("retail_demo", 2024,
                                                                                   n_customers=3000),
                                                                     evaluation, system)}
    assert figures["ahp_consistent"] is False and figures["ahp_cr"] > 0.1


def test_weights_table(evaluation, system):
    weights = crm.weights_table(evaluation, system, lang="en")
    assert weights["Global weight"].sum() == pytest.approx(1.0)
    customer = weights[weights["Dimension"] == "Customer"]
    assert customer["AHP weight"].sum() == pytest.approx(1) and customer["Entropy weight"].sum() == pytest.approx(1)
    combined = customer["AHP weight"] * customer["Entropy weight"]
    np.testing.assert_allclose(customer["Weight within dimension"], combined / combined.sum())
    assert weights.loc[weights["Dimension"] != "Customer", "AHP weight"].isna().all()
    np.testing.assert_allclose(weights["Global weight"],
                               weights["Weight within dimension"] * weights["Dimension weight"])


def test_ranking_scores_and_dimension_tables(evaluation, system):
    ranking = crm.ranking_table(evaluation, system, lang="en")
    assert ranking["TOPSIS closeness"].is_monotonic_decreasing
    assert ranking["TOPSIS rank"].tolist() == list(range(1, 13))
    assert ranking.index[0] == evaluation.topsis.closeness.idxmax()
    assert ranking.columns[-4:].tolist() == ["Customer", "Financial", "Internal process", "Learning and growth"]
    scores = crm.normalised_scores(evaluation, system, lang="zh")
    assert scores.index.tolist() == ranking.index.tolist() and scores.shape == (12, 10)
    assert scores.min().min() == 0 and scores.max().max() == 1
    # cost indicators: the unit with the fewest complaints per customer scores 1
    best = evaluation.data["complaint_rate"].idxmin()
    assert scores.loc[best, "投诉处理：客户投诉率"] == 1.0
    dims = crm.dimension_scores(evaluation, system, lang="en")
    assert dims.index.tolist() == ranking.index.tolist() and dims.to_numpy().max() <= 100


# --------------------------------------------------------------------------- survey tables

def test_fuzzy_by_unit_from_grade_frequencies(case):
    en = crm.fuzzy_by_unit(case)
    zh = crm.fuzzy_by_unit(case, lang="zh")
    assert zh.columns.tolist()[:5] == ["很满意", "满意", "一般", "不满意", "很不满意"]
    assert en.columns.tolist()[:5] == ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"]
    np.testing.assert_allclose(en.iloc[:, :5].sum(axis=1), 1.0)
    s06 = case.survey.loc[case.survey["store"] == "S06", ITEMS].to_numpy()
    shares = [(s06 == grade).mean() for grade in (5, 4, 3, 2, 1)]  # equal weights: pooled shares
    np.testing.assert_allclose(zh.loc["S06"].iloc[:5].to_numpy(float), shares)
    assert zh.loc["S06", "评价等级（最大隶属度）"] == ["很满意", "满意", "一般", "不满意", "很不满意"][int(np.argmax(shares))]
    assert zh.loc["S06", "模糊综合得分（1–5）"] == pytest.approx(s06.mean())
    # the principal-factor operator caps memberships at the item weights: another result
    min_max = crm.fuzzy_by_unit(case, operator="min-max")
    assert not np.allclose(min_max.iloc[:, :5].to_numpy(float), en.iloc[:, :5].to_numpy(float))
    with pytest.raises(ValueError, match="operator"):
        crm.fuzzy_by_unit(case, operator="average")


def test_reliability_tables_match_the_alpha_formula(case):
    result = crm.survey_reliability(case)
    x = case.survey[ITEMS].to_numpy(float)
    k = x.shape[1]
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    table = crm.reliability_table(result, lang="en")
    assert table.loc[0, "Cronbach's alpha"] == pytest.approx(alpha)
    assert table.loc[0, "95% CI lower"] < alpha < table.loc[0, "95% CI upper"]
    assert 0.8 <= alpha < 0.9 and table.loc[0, "Reliability"] == "good (≥ 0.8)"
    assert crm.reliability_table(result, lang="zh").loc[0, "信度评价"] == "良好（≥ 0.8）"
    items = crm.reliability_items_table(result, case, lang="zh")
    assert items.index.tolist() == ["商品质量与新鲜度", "价格与促销", "员工服务", "购物环境", "收银与排队"]
    rest = x[:, 1:].sum(axis=1)
    assert items.iloc[0, 0] == pytest.approx(np.corrcoef(x[:, 0], rest)[0, 1])


def test_nps_csat_table(case):
    table = crm.nps_csat_table(case, top_box=2, lang="en")
    assert table.index.tolist()[-1] == "All" and len(table) == 13 and table.index.name == "Store"
    s01 = case.survey[case.survey["store"] == "S01"]
    assert table.loc["S01", "NPS"] == pytest.approx(100 * ((s01["nps"] >= 9).mean() - (s01["nps"] <= 6).mean()))
    assert table.loc["All", "CSAT (top-box share)"] == pytest.approx((case.survey[ITEMS].to_numpy() >= 4).mean())
    shares = table[["Promoters (9–10)", "Passives (7–8)", "Detractors (0–6)"]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0)
    assert table["Survey respondents"].iloc[:-1].sum() == table.loc["All", "Survey respondents"]


def test_membership_value_distribution_shows_most_card_holders_see_little_value(case):
    table = crm.membership_value_table(case, lang="zh")
    assert table["回答"].tolist() == [1, 2, 3, 4, 5] and table["项目"].tolist()[0] == "1 几乎没有"
    answers = case.survey["membership_value"].dropna()
    assert table["持卡会员数"].sum() == len(answers)
    assert table["累计占比"].iloc[-1] == pytest.approx(1.0)
    assert table["累计占比"].iloc[1] == pytest.approx((answers <= 2).mean())
    assert table["累计占比"].iloc[1] > 0.6  # the finding of the teaching case
    no_question = crm.CaseData(case.transactions, case.customers, case.survey.drop(columns=["membership_value"]),
                               None, None, "store", "x", False)
    assert crm.membership_value_table(no_question).empty


# --------------------------------------------------------------------------- key figures

def test_indicator_figures_recomputed_independently(case, table, evaluation, system):
    figures = crm.indicator_figures(case, evaluation, system, top_box=2, lang="en")
    values = {f["name"]: f["value"] for f in figures}
    closeness, weights = _independent_closeness(table)
    assert values["units"] == 12
    assert values["best_unit"] == closeness.idxmax() and values["worst_unit"] == closeness.idxmin()
    assert values["best_closeness"] == pytest.approx(closeness.max())
    assert values["worst_closeness"] == pytest.approx(closeness.min())
    assert values["best_unit_composite"] == evaluation.composite.score.idxmax()
    assert values["rank_agreement"] == pytest.approx(stats.spearmanr(closeness, evaluation.composite.score
                                                                     .reindex(closeness.index))[0])
    assert values["top_indicator_weight"] == pytest.approx(weights.max())
    assert values["top_indicator"] == "Revenue, Revenue per active customer"  # equal weights tie
    _, lam, cr = _ahp(DEFAULT_INDICATOR_SYSTEM["weighting"]["pairwise"],
                      [d["id"] for d in DEFAULT_INDICATOR_SYSTEM["dimensions"]])
    assert values["ahp_lambda_max"] == pytest.approx(lam) and values["ahp_cr"] == pytest.approx(cr)
    assert values["ahp_consistent"] is True
    survey = case.survey
    x = survey[ITEMS].to_numpy(float)
    alpha = 5 / 4 * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert values["cronbach_alpha"] == pytest.approx(alpha)
    assert values["cronbach_alpha_ci_low"] < alpha < values["cronbach_alpha_ci_high"]
    assert values["nps"] == pytest.approx(100 * ((survey["nps"] >= 9).mean() - (survey["nps"] <= 6).mean()))
    assert values["csat"] == pytest.approx((x >= 4).mean())
    shares = [(x == g).mean() for g in (5, 4, 3, 2, 1)]
    assert values["fuzzy_grade"] == ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied",
                                     "Very dissatisfied"][int(np.argmax(shares))]
    assert values["fuzzy_score"] == pytest.approx(x.mean())
    assert values["best_fuzzy_unit"] == survey.groupby("store")[ITEMS].mean().mean(axis=1).idxmax()
    members = survey["membership_value"].dropna()
    assert values["membership_low_value_share"] == pytest.approx((members <= 2).mean())
    assert values["members_asked"] == len(members) == int(case.customers.set_index("customer_id")
                                                         .loc[survey["customer_id"], "member"].sum())
    headline = [f["name"] for f in figures if f.get("headline")]
    assert {"best_unit", "cronbach_alpha", "ahp_cr", "nps", "membership_low_value_share"} <= set(headline)


def test_indicator_figures_in_chinese_and_recordable(case, evaluation, system):
    en = crm.indicator_figures(case, evaluation, system, lang="en")
    zh = crm.indicator_figures(case, evaluation, system, lang="zh")
    assert [f["name"] for f in en] == [f["name"] for f in zh]
    assert all(e["label"] != z["label"] for e, z in zip(en, zh, strict=True))
    by_name = {f["name"]: f for f in zh}
    assert by_name["fuzzy_grade"]["value"] in crm.grade_labels("zh")
    assert by_name["top_indicator"]["value"] == "销售额、客均销售额"
    assert by_name["best_unit"]["label"] == "TOPSIS 排名第一的门店"
    reset()
    record_many(zh)  # no NaN, only plain values
    assert len(recorded()) == len(zh)
    reset()


# --------------------------------------------------------------------------- figures

def test_study_figures_render_in_both_languages(case, evaluation, system, tmp_path):
    for lang in ("en", "zh"):
        plots.set_theme(lang)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
            figures = [
                crm_plots.plot_weights(crm.weights_table(evaluation, system, lang=lang), lang=lang),
                crm_plots.plot_ranking(crm.ranking_table(evaluation, system, lang=lang), lang=lang),
                crm_plots.plot_fuzzy_grades(crm.fuzzy_by_unit(case, lang=lang), lang=lang),
                crm_plots.plot_nps(crm.nps_csat_table(case, lang=lang), lang=lang),
                crm_plots.plot_membership_value(crm.membership_value_table(case, lang=lang), lang=lang),
                crm_plots.plot_indicator_heatmap(crm.normalised_scores(evaluation, system, lang=lang), lang=lang),
                crm_plots.plot_dimension_radar(crm.dimension_scores(evaluation, system, lang=lang), lang=lang),
            ]
            titles = []
            for fig in figures:
                fig.savefig(tmp_path / "f.png")
                titles += [ax.get_title() for ax in fig.axes]
                plt.close(fig)
        joined = " ".join(titles)
        if lang == "zh":
            assert "模糊综合评价" in joined and "会员卡" in joined and "综合权重" in joined
        else:
            assert "Fuzzy comprehensive evaluation" in joined and "membership card" in joined
    empty = crm_plots.plot_membership_value(crm.membership_value_table(
        crm.CaseData(case.transactions, case.customers, case.survey.drop(columns=["membership_value"]), None, None,
                     "store", "x", False)))
    assert "no membership-value question" in empty.axes[0].texts[0].get_text()
    plt.close(empty)
