"""Seeded simulators of the teaching-case data, with their documented truth.

No public data exist for most of the cases, so each is simulated from a stated model
whose parameters (the *truth*) are returned alongside the data. The small CSV files in
``data/cases/`` are exactly what :func:`write_case_data` writes with the default seeds;
``tests/test_cases.py`` checks that the committed files equal a fresh simulation.

Units: money in yuan (元) for the supermarket and the gold-tier retailer, in 10,000 yuan
(万元) per year for the bank, in 10,000 yuan per month for the brewer; dates are calendar
days; shares are fractions in [0, 1].
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["simulate_supermarket", "simulate_bank", "simulate_gold_tier", "simulate_brewer",
           "simulate_crm_programme", "write_case_data", "TRUTH", "CASE_FILES"]

#: Default seeds, one per case.
SEEDS = {"supermarket": 2024, "bank_nine_grid": 7, "gold_tier": 11, "brewer": 5, "crm_programme": 3}

#: The parameters the simulators plant (for teachers and tests).
TRUTH = {
    "supermarket": {"members": 2000, "spend_lognormal_sigma": 1.1, "survey_n": 400,
                    "gold_nps_penalty": "gold members' recommendation score is 1.5 points lower on average",
                    "retention_prob": 0.78},
    "gold_tier": {"customers_start": {"gold": 150, "silver": 450, "bronze": 900},
                  "gold_defection_per_quarter": 0.12, "gold_downgrade_per_quarter": 0.04,
                  "silver_upgrade_per_quarter": 0.05,
                  "thresholds": {"gold": 3000, "silver": 1000, "bronze": 0}},
    "brewer": {"weibull_shape": 0.8, "baseline_scale_years": 6.0,
               "log_hazard_ratios": {"exclusive": -0.7, "on_time_10pts": -0.3, "marketing_support": -0.4,
                                     "log_volume": -0.25},
               "observation_end": "2024-12-31"},
}

#: Files of each case in ``data/cases/``.
CASE_FILES = {
    "supermarket": ["supermarket_members.csv", "supermarket_survey.csv"],
    "bank_nine_grid": ["bank_clients.csv"],
    "gold_tier": ["gold_tier_spend.csv"],
    "brewer": ["brewer_distributors.csv", "brewer_orders.csv"],
    "crm_programme": ["crm_branches.csv", "crm_ahp_judgements.csv", "crm_survey_counts.csv",
                      "crm_factor_weights.csv"],
}


def simulate_supermarket(seed: int = SEEDS["supermarket"]) -> dict[str, pd.DataFrame]:
    """A supermarket's 2,000 card members over 2023-2024 and a 400-member survey.

    Spend is lognormal (σ = 1.1); tiers follow the card rules on 2024 spend (gold ≥ 8,000
    yuan, silver ≥ 3,000, else regular); 78 % of the members who bought in 2023 buy again
    in 2024. The survey's five satisfaction items (1-5) share one latent satisfaction, so
    the scale is reliable; the 0-10 recommendation score follows the same latent value,
    1.5 points lower for gold members (the card gives them too little).
    """
    rng = np.random.default_rng(seed)
    n = TRUTH["supermarket"]["members"]
    ids = [f"M{i:04d}" for i in range(1, n + 1)]
    join_year = rng.choice([2019, 2020, 2021, 2022, 2023, 2024], size=n, p=[0.1, 0.12, 0.15, 0.18, 0.2, 0.25])
    level = rng.lognormal(mean=7.6, sigma=TRUTH["supermarket"]["spend_lognormal_sigma"], size=n)
    spend_prev = np.where(join_year <= 2023, level * rng.lognormal(0, 0.25, n), 0.0)
    stays = rng.random(n) < TRUTH["supermarket"]["retention_prob"]
    spend = np.where((join_year == 2024) | stays, level * rng.lognormal(0.03, 0.25, n), 0.0)
    visits = np.where(spend > 0, np.maximum(1, rng.poisson(np.sqrt(spend) / 2.5)), 0)
    margin = spend * rng.uniform(0.12, 0.22, n)
    tier = np.where(spend >= 8000, "gold", np.where(spend >= 3000, "silver", "regular"))
    members = pd.DataFrame({"member_id": ids, "join_year": join_year, "tier": tier,
                            "spend_2023": spend_prev.round(2), "spend_2024": spend.round(2),
                            "visits_2024": visits, "gross_margin_2024": margin.round(2)})
    active = members.index[members["spend_2024"] > 0]
    sample = np.sort(rng.choice(active, size=TRUTH["supermarket"]["survey_n"], replace=False))
    latent = rng.normal(0, 1, len(sample))
    items = {f"q{k}": np.clip(np.rint(3.4 + 0.9 * latent + rng.normal(0, 0.6, len(sample))), 1, 5).astype(int)
             for k in range(1, 6)}
    gold = members.loc[sample, "tier"].to_numpy() == "gold"
    rec = np.clip(np.rint(7.4 + 1.6 * latent - 1.5 * gold + rng.normal(0, 1.0, len(sample))), 0, 10).astype(int)
    survey = pd.DataFrame({"member_id": members.loc[sample, "member_id"].to_numpy(), **items, "recommend": rec})
    return {"supermarket_members.csv": members, "supermarket_survey.csv": survey}


def simulate_bank(seed: int = SEEDS["bank_nine_grid"]) -> dict[str, pd.DataFrame]:
    """300 corporate clients of a bank branch: one year's revenue, risk and business indicators.

    Revenue (万元) is lognormal; economic capital is 0.4-1.6 times revenue (riskier
    clients tie up more capital); operating cost is revenue × cost-income ratio; expected
    loss 2-12 % of revenue. Clients with a latent "relationship depth" hold more
    products, transact more, pay more fees, give the bank more of their wallet and cost
    less per yuan of revenue.
    """
    rng = np.random.default_rng(seed)
    n = 300
    depth = rng.normal(0, 1, n)
    revenue = rng.lognormal(4.3 + 0.35 * depth, 0.8, n)
    capital = revenue * rng.uniform(0.4, 1.6, n) * np.exp(-0.15 * depth)
    cost_income = np.clip(0.45 - 0.06 * depth + rng.normal(0, 0.07, n), 0.18, 0.8)
    expected_loss = revenue * rng.uniform(0.02, 0.12, n)
    products = np.clip(np.rint(4 + 1.6 * depth + rng.normal(0, 1.2, n)), 1, 12).astype(int)
    transactions = np.maximum(1, rng.poisson(np.exp(3.4 + 0.45 * depth + 0.2 * np.log(revenue / 50))))
    fee_share = np.clip(0.18 + 0.06 * depth + rng.normal(0, 0.05, n), 0.01, 0.7)
    wallet = np.clip(0.3 + 0.12 * depth + rng.normal(0, 0.08, n), 0.03, 0.95)
    rev_growth = 0.05 + 0.06 * depth + rng.normal(0, 0.12, n)
    client_growth = 0.06 + rng.normal(0, 0.1, n) + 0.3 * (rev_growth - 0.05)
    clients = pd.DataFrame({
        "client_id": [f"C{i:03d}" for i in range(1, n + 1)],
        "industry": rng.choice(["制造 manufacturing", "批发零售 trade", "建筑 construction", "科技 technology",
                                "物流 logistics"], size=n),
        "revenue": revenue.round(2), "fee_income": (revenue * fee_share).round(2),
        "operating_cost": (revenue * cost_income).round(2), "expected_loss": expected_loss.round(2),
        "economic_capital": capital.round(2), "products_held": products, "products_offered": 12,
        "monthly_transactions": transactions, "wallet_share": wallet.round(3),
        "revenue_growth": rev_growth.round(3), "client_growth": client_growth.round(3)})
    return {"bank_clients.csv": clients}


def simulate_gold_tier(seed: int = SEEDS["gold_tier"]) -> dict[str, pd.DataFrame]:
    """Quarterly spend of a retailer's customers over eight quarters (2023-2024).

    Each quarter 12 % of gold customers defect to a competitor (no spend afterwards) and
    4 % drop to silver; 5 % of silver customers (and a stream of new big spenders)
    move up, sized so that the gold tier keeps about 150 customers. Tiers follow spend:
    gold ≥ 3,000 yuan a quarter, silver ≥ 1,000, bronze below. Spend is drawn within the
    tier's band, so the tier of a row is exactly the planted state.
    """
    rng = np.random.default_rng(seed)
    t = TRUTH["gold_tier"]
    quarters = pd.period_range("2023Q1", "2024Q4", freq="Q")
    state: dict[str, str] = {}
    next_id = 1

    def new(tier: str, k: int) -> None:
        nonlocal next_id
        for _ in range(k):
            state[f"K{next_id:05d}"] = tier
            next_id += 1

    for tier, k in t["customers_start"].items():
        new(tier, k)
    bands = {"gold": (3000, 9000), "silver": (1000, 2999), "bronze": (80, 999)}
    rows = []
    for i, q in enumerate(quarters):
        if i:
            moves = {}
            gold = [c for c, s in state.items() if s == "gold"]
            silver = [c for c, s in state.items() if s == "silver"]
            bronze = [c for c, s in state.items() if s == "bronze"]
            u = rng.random(len(gold))
            for c, x in zip(gold, u):
                if x < t["gold_defection_per_quarter"]:
                    moves[c] = None
                elif x < t["gold_defection_per_quarter"] + t["gold_downgrade_per_quarter"]:
                    moves[c] = "silver"
            up = rng.random(len(silver))
            for c, x in zip(silver, up):
                if x < t["silver_upgrade_per_quarter"]:
                    moves[c] = "gold"
                elif x > 0.94:
                    moves[c] = "bronze"
            for c, x in zip(bronze, rng.random(len(bronze))):
                if x < 0.06:
                    moves[c] = "silver"
                elif x > 0.95:
                    moves[c] = None
            for c, s in moves.items():
                if s is None:
                    del state[c]
                else:
                    state[c] = s
            size = t["customers_start"]
            gap_gold = size["gold"] - sum(s == "gold" for s in state.values())
            new("gold", max(0, gap_gold + int(rng.integers(-3, 4))))
            new("silver", max(0, size["silver"] - sum(s == "silver" for s in state.values()) + int(rng.integers(-10, 11))))
            new("bronze", max(0, size["bronze"] - sum(s == "bronze" for s in state.values()) + int(rng.integers(-20, 21))))
        for c, s in state.items():
            lo, hi = bands[s]
            rows.append((c, str(q), round(float(np.exp(rng.uniform(np.log(lo), np.log(hi)))), 2)))
    spend = pd.DataFrame(rows, columns=["customer_id", "quarter", "spend"]).sort_values(
        ["quarter", "customer_id"], kind="stable").reset_index(drop=True)
    return {"gold_tier_spend.csv": spend}


def simulate_brewer(seed: int = SEEDS["brewer"]) -> dict[str, pd.DataFrame]:
    """A brewer's 400 distributors 2015-2024: relationships, their drivers and monthly orders.

    Relationship length follows a Weibull proportional-hazards model (shape 0.8, so the
    hazard falls with relationship age; scale 6 years at the reference distributor) with
    the log hazard ratios in ``TRUTH["brewer"]``: an exclusive contract −0.7, every 10
    points of on-time delivery −0.3, marketing support −0.4, log annual volume −0.25.
    A distributor orders every month while the relationship lasts; in its last nine
    months the orders shrink and months are skipped (the relationship weakens).
    Relationships still running on 2024-12-31 are censored.
    """
    rng = np.random.default_rng(seed)
    t = TRUTH["brewer"]
    n = 400
    end = pd.Timestamp(t["observation_end"])
    start = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3650, n), unit="D")
    start = start.to_period("M").to_timestamp()
    exclusive = (rng.random(n) < 0.4).astype(int)
    on_time = np.clip(rng.beta(8, 2, n), 0.4, 1.0).round(3)
    support = (rng.random(n) < 0.5).astype(int)
    volume = rng.lognormal(np.log(600), 0.7, n).round(1)  # kilolitres a year
    b = t["log_hazard_ratios"]
    lp = (b["exclusive"] * exclusive + b["on_time_10pts"] * (on_time - 0.8) * 10 + b["marketing_support"] * support
          + b["log_volume"] * (np.log(volume) - np.log(600)))
    k, lam = t["weibull_shape"], t["baseline_scale_years"]
    years = lam * (-np.log(rng.random(n)) / np.exp(lp)) ** (1 / k)
    stop = start + pd.to_timedelta(np.round(years * 365.25), unit="D")
    ended = stop <= end
    region = rng.choice(["华北 North", "华东 East", "华南 South", "西部 West"], size=n)
    ids = [f"D{i:03d}" for i in range(1, n + 1)]
    distributors = pd.DataFrame({
        "distributor_id": ids, "region": region, "start_date": start.strftime("%Y-%m-%d"),
        "end_date": np.where(ended, stop.strftime("%Y-%m-%d"), ""), "ended": ended.astype(int),
        "exclusive": exclusive, "on_time_delivery": on_time, "marketing_support": support,
        "annual_volume_kl": volume})
    rows = []
    for i in range(n):
        last = min(stop[i], end)
        months = pd.date_range(start[i] + pd.Timedelta(days=int(rng.integers(3, 25))), last, freq="MS")
        base = volume[i] / 12 * 0.55  # 10,000 yuan per month (5,500 yuan per kilolitre)
        for m in months:
            left = (stop[i] - m).days / 30.44
            weak = left < 9
            if weak and rng.random() < 0.45:
                continue
            amount = base * rng.lognormal(0, 0.15) * (max(left, 0.5) / 9 if weak else 1.0)
            day = m + pd.Timedelta(days=int(rng.integers(0, 27)))
            if day <= end:
                rows.append((ids[i], day.strftime("%Y-%m-%d"), round(float(amount), 2)))
    orders = pd.DataFrame(rows, columns=["distributor_id", "date", "amount"])
    return {"brewer_distributors.csv": distributors, "brewer_orders.csv": orders}


def simulate_crm_programme(seed: int = SEEDS["crm_programme"]) -> dict[str, pd.DataFrame]:
    """Six branches of a retail bank's CRM programme: indicators, AHP judgements, survey counts.

    The indicators cover the six goals of the programme (retention, acquisition, market
    share, customer satisfaction, customer profitability, employee satisfaction), drawn
    around plausible levels. The AHP matrix holds the head office's pairwise judgements on
    Saaty's 1-9 scale (near-consistent). The survey counts give, per branch and service
    factor, how many customers chose each of four grades; the factor weights are given.
    """
    rng = np.random.default_rng(seed)
    branches = ["北京 Beijing", "上海 Shanghai", "广州 Guangzhou", "成都 Chengdu", "武汉 Wuhan", "西安 Xi'an"]
    quality = np.array([0.6, 0.9, 0.3, -0.2, 0.0, -0.6])
    ind = pd.DataFrame({
        "branch": branches,
        "retention_rate": np.clip(0.78 + 0.05 * quality + rng.normal(0, 0.02, 6), 0, 1).round(3),
        "new_customers": np.rint(1200 + 300 * rng.normal(0, 1, 6) + 150 * quality).astype(int),
        "market_share": np.clip(0.12 + 0.03 * rng.normal(0, 1, 6), 0.02, 0.4).round(3),
        "satisfaction": np.clip(0.72 + 0.06 * quality + rng.normal(0, 0.02, 6), 0, 1).round(3),
        "profit_per_customer": (820 + 120 * quality + rng.normal(0, 60, 6)).round(1),
        "employee_satisfaction": np.clip(3.6 + 0.3 * quality + rng.normal(0, 0.15, 6), 1, 5).round(2)})
    crit = ["retention_rate", "new_customers", "market_share", "satisfaction", "profit_per_customer",
            "employee_satisfaction"]
    # head office judgements (row criterion vs column criterion), Saaty scale
    upper = {(0, 1): 3, (0, 2): 4, (0, 3): 2, (0, 4): 2, (0, 5): 5,
             (1, 2): 2, (1, 3): 1 / 2, (1, 4): 1 / 2, (1, 5): 2,
             (2, 3): 1 / 3, (2, 4): 1 / 3, (2, 5): 2,
             (3, 4): 1, (3, 5): 3,
             (4, 5): 3}
    m = np.ones((6, 6))
    for (i, j), v in upper.items():
        m[i, j], m[j, i] = v, 1 / v
    ahp = pd.DataFrame(m.round(4), index=crit, columns=crit).rename_axis("criterion").reset_index()
    factors = ["产品 products", "服务 service", "价格 price", "网点环境 branch environment", "数字渠道 digital"]
    grades = ["very_satisfied", "satisfied", "neutral", "dissatisfied"]
    rows = []
    for b, qb in zip(branches, quality):
        for f in factors:
            p = np.exp(np.array([0.3, 0.8, 0.2, -0.6]) + qb * np.array([0.8, 0.3, -0.3, -0.8]) + rng.normal(0, 0.2, 4))
            counts = rng.multinomial(200, p / p.sum())
            rows.append({"branch": b, "factor": f, **dict(zip(grades, counts.tolist()))})
    survey = pd.DataFrame(rows)
    weights = pd.DataFrame({"factor": factors, "weight": [0.25, 0.3, 0.2, 0.1, 0.15]})
    return {"crm_branches.csv": ind, "crm_ahp_judgements.csv": ahp, "crm_survey_counts.csv": survey,
            "crm_factor_weights.csv": weights}


SIMULATORS = {"supermarket": simulate_supermarket, "bank_nine_grid": simulate_bank, "gold_tier": simulate_gold_tier,
              "brewer": simulate_brewer, "crm_programme": simulate_crm_programme}


def write_case_data(folder: str | Path) -> list[Path]:
    """Write every simulated case file (default seeds) into ``folder``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for simulate in SIMULATORS.values():
        for name, frame in simulate().items():
            path = folder / name
            frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", float_format="%.10g")
            written.append(path)
    return written
