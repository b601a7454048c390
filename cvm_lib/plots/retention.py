"""Figures of the retention study (``notebooks/03_retention.ipynb``).

One figure per call, labelled in ``lang``; the input is a result of
:mod:`cvm_lib.retention.study`. Where a generic figure of :mod:`cvm_lib.plots` fits
(heatmap, survival curves, forest plot, lines, lift chart) it is used with the study's
labels; the others (sBG projection against the actuals, retention by tenure, the
Reichheld grid, the retention → profit curve, ROC and calibration, permutation
importance) are drawn here. A section that was skipped (:class:`~cvm_lib.retention.study.Skipped`)
gives ``None`` and draws nothing: its table states the reason. Call
:func:`cvm_lib.plots.set_theme` first so that Chinese labels render.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from cvm_lib.plots import PALETTE, plot_forest, plot_heatmap, plot_lift, plot_lines, plot_survival
from cvm_lib.retention import study as rs

__all__ = ["plot_cohort_heatmap", "plot_group_retention", "plot_km", "plot_hazard_ratios", "plot_sbg_projection",
           "plot_retention_by_tenure", "plot_reichheld", "plot_retention_profit", "plot_roc_calibration",
           "plot_churn_lift", "plot_importance", "plot_programme"]

_TITLES: dict[str, tuple[str, str]] = {
    "cohort_heatmap": ("Retention by acquisition cohort (% of the cohort buying in the period)",
                       "各获客同期群的留存率（该期有购买的客户占同期群的百分比）"),
    "group_retention": ("Retention curves by {group} (cohorts pooled)", "按{group}分组的留存曲线（同期群合并）"),
    "retention_share": ("Share of the cohort buying in the period", "该期有购买的客户占比"),
    "km": ("Kaplan–Meier survival by {group} (log-rank χ² = {chi2:.1f}, {p})",
           "按{group}分组的 Kaplan–Meier 生存曲线（log-rank χ² = {chi2:.1f}，{p}）"),
    "time_since_first": ("Time since first purchase ({unit})", "首次购买后的时间（{unit}）"),
    "time_since_acquisition": ("Time since acquisition ({unit})", "获取后的时间（{unit}）"),
    "forest": ("Hazard ratios of churn with 95% intervals (concordance {c:.3f})",
               "流失风险比及 95% 置信区间（一致性指数 {c:.3f}）"),
    "forest_x": ("Hazard ratio (< 1: churns later, > 1: churns sooner; log scale)",
                 "风险比（< 1：流失更晚，> 1：流失更早；对数刻度）"),
    "sbg": ("sBG fitted to years 0–{fit}, projected to year {last}: {cohort} customers",
            "sBG 模型用第0–{fit}年估计并预测至第{last}年：{cohort}"),
    "sbg_y": ("% of the cohort still customers", "仍为客户的比例（%）"),
    "actual": ("actual", "实际"), "sbg_line": ("sBG", "sBG 模型"), "fit_window": ("fit", "估计样本"),
    "holdout_window": ("holdout", "检验样本"),
    "tenure_title": ("Retention rises with tenure: the high-churn customers leave first ({cohort})",
                     "留存率随客龄上升：高流失倾向的客户先流失（{cohort}）"),
    "tenure_y": ("Retention rate (share renewing)", "留存率（续约比例）"),
    "reichheld": ("Profit increase from 5 more points of retention (%), discount rate {d:.0%}; "
                  "framed: inside Reichheld's 25–95%",
                  "留存率提高5个百分点带来的利润增长（%），折现率 {d:.0%}；加框：处于 Reichheld 的 25%–95% 区间"),
    "reichheld_x": ("Margin growth per year / acquisition cost (in first-year margins)",
                    "年利润增长率 / 获客成本（以首年利润为单位）"),
    "profit_title": ("What retention is worth: the firm's economics at other retention rates",
                     "留存的价值：按本企业数据计算不同留存率下的价值"),
    "annual_retention_x": ("Annual retention (%)", "年留存率（%）"),
    "clv_y": ("CLV per customer", "每位客户的 CLV"),
    "profit_y": ("Base profit per {unit} (steady state)", "客户群每{unit}利润（稳态）"),
    "firm_point": ("the firm: {r:.0%}", "本企业：{r:.0%}"), "plus_point": ("+5 points: {pct:+.1f}%",
                                                                          "+5 个百分点：{pct:+.1f}%"),
    "roc": ("ROC curve (test window)", "ROC 曲线（测试窗口）"),
    "fpr": ("False-positive rate", "误报率"), "tpr": ("True-positive rate (churners found)", "命中率（识别出的流失客户）"),
    "calibration": ("Calibration (deciles of the predicted probability)", "校准（按预测概率十分位分组）"),
    "predicted": ("Mean predicted churn probability", "平均预测流失概率"),
    "observed_rate": ("Observed churn rate", "实际流失率"),
    "lift": ("Churn models on the test window: cumulative gain and lift", "测试窗口上的流失模型：累计增益与提升度"),
    "importance": ("Permutation importance on the test window", "测试窗口上的置换重要性"),
    "importance_x": ("Drop in ROC AUC when the feature is shuffled", "打乱该特征后 ROC AUC 的下降"),
    "programme": ("Survival by programme arm, {view}\n({adjusted}hazard ratio {hr:.2f}, 95% CI {lo:.2f}–{up:.2f})",
                  "按是否参与保持计划的生存曲线，{view}\n（{adjusted}风险比 {hr:.2f}，95% 置信区间 {lo:.2f}–{up:.2f}）"),
    "adjusted": ("adjusted ", "调整后"),
    "horizon": ("one year", "一年"),
}


def _t(key: str, lang: str, **values: Any) -> str:
    english, chinese = _TITLES[key]
    return (chinese if lang == "zh" else english).format(**values)


def _ordered_labels(values: pd.Series, levels: list, name: Any) -> pd.Categorical:
    """Labels of ``values`` as a categorical in the order of ``levels``, so that colours follow
    the data's order (not the alphabetical order of the translated labels)."""
    labels = [name(v) for v in levels]
    return pd.Categorical([name(v) for v in values], categories=list(dict.fromkeys(labels)))


def _skipped(result: Any) -> bool:
    return result is None or isinstance(result, rs.Skipped)


def _p_text(p: float, lang: str) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


# --------------------------------------------------------------------------- cohorts and survival

def plot_cohort_heatmap(cohorts: Any, *, lang: str = "en", max_periods: int = 24) -> plt.Figure | None:
    """Cohort × periods-since-acquisition retention (%), from :func:`~cvm_lib.retention.study.cohort_study`.

    Period 0 (100% by definition) is left out; at most ``max_periods`` periods are shown.
    """
    if _skipped(cohorts):
        return None
    table = rs.cohort_table(cohorts, lang)
    table = table.loc[:, [c for c in table.columns if 1 <= c <= max_periods]]
    fig = plot_heatmap(table, title=_t("cohort_heatmap", lang), xlabel=table.columns.name, ylabel=table.index.name,
                       fmt=".0f", cmap="Blues", lang=lang)
    rows, cols = table.shape
    fig.set_size_inches(min(14.0, 0.55 * cols + 2.8), min(9.0, max(3.2, 0.38 * rows + 1.6)))
    for label in fig.axes[0].texts:
        label.set_fontsize(8 if cols > 12 else 10)
    fig.tight_layout()
    return fig


def plot_group_retention(cohorts: Any, *, lang: str = "en") -> plt.Figure | None:
    """Pooled retention curve per group (share of the cohorts buying k periods after acquisition)."""
    if _skipped(cohorts):
        return None
    curves = cohorts.curves_
    curves = curves[curves["period"] >= 1]
    group_name = rs.text(cohorts.by, lang)
    in_title = group_name.lower() if lang == "en" else group_name
    frame = pd.DataFrame({"x": curves["period"].to_numpy(), "y": curves["rate"].to_numpy(),
                          group_name: [rs.value_label(cohorts.by, g, lang) for g in curves["group"]]})
    unit = rs.text(cohorts.period, lang)
    fig = plot_lines(frame, x="x", y="y", group=group_name, lang=lang,
                     title=_t("group_retention", lang, group=in_title),
                     xlabel=rs.text("periods_since", lang, unit=unit), ylabel=_t("retention_share", lang))
    ax = fig.axes[0]
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_ylim(bottom=0)
    return fig


def _time_label(time_unit: str, contract: bool, lang: str) -> str:
    unit = rs.text(time_unit, lang)
    return _t("time_since_acquisition" if contract else "time_since_first", lang, unit=unit)


def plot_km(survival: Any, *, lang: str = "en") -> plt.Figure | None:
    """Kaplan-Meier curves by group with 95% bands and the log-rank test in the title."""
    if _skipped(survival):
        return None
    contract = survival.definition == "contract"
    curves = survival.km.curves_.copy()
    curves["group"] = _ordered_labels(curves["group"], survival.km.groups_,
                                      lambda g: rs.value_label(survival.group, g, lang))
    test = survival.logrank
    group_name = rs.text(survival.group, lang)
    title = _t("km", lang, group=group_name.lower() if lang == "en" else group_name, chi2=test.statistic,
               p=_p_text(test.p_value, lang))
    return plot_survival(curves, title=title, xlabel=_time_label(survival.time_unit, contract, lang), lang=lang)


def plot_hazard_ratios(cox: Any, *, lang: str = "en") -> plt.Figure:
    """Forest plot of the Cox hazard ratios (first covariate on top)."""
    table = rs.cox_table(cox, lang)
    forest = pd.DataFrame({"estimate": table.iloc[:, 0].to_numpy(), "lower": table.iloc[:, 1].to_numpy(),
                           "upper": table.iloc[:, 2].to_numpy()}, index=table.index)[::-1]
    fig = plot_forest(forest, title=_t("forest", lang, c=cox.concordance_), xlabel=_t("forest_x", lang), lang=lang)
    fig.set_size_inches(10, max(2.8, 0.42 * len(forest) + 1.4))
    ax = fig.axes[0]
    low = min(float(forest["lower"].min()), 1.0) / 1.08
    high = max(float(forest["upper"].max()), 1.0) * 1.08
    ax.set_xlim(low, high)
    nice = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.0,
                     10.0])
    ticks = nice[(nice >= low) & (nice <= high)]
    ax.xaxis.set_minor_locator(plt.NullLocator())
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- sBG

def plot_sbg_projection(sbg: Any, *, lang: str = "en") -> plt.Figure | None:
    """Actual % still customers (markers) against the sBG fit and projection (line); the
    holdout years are shaded."""
    if _skipped(sbg):
        return None
    p = sbg.projection
    years = p.index.to_numpy()
    colors = sns.color_palette(PALETTE)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.axvspan(sbg.fit_years + 0.5, years.max() + 0.5, color="grey", alpha=0.12, lw=0)
    ax.plot(years, 100 * p["survival"], color=colors[0], lw=2, label=_t("sbg_line", lang))
    ax.plot(years, 100 * p["observed_survival"], "o", color=colors[3], label=_t("actual", lang))
    top = 100
    ax.text(sbg.fit_years / 2, top * 0.97, _t("fit_window", lang), ha="center", va="top", color="dimgrey")
    ax.text((sbg.fit_years + 0.5 + years.max() + 0.5) / 2, top * 0.97, _t("holdout_window", lang), ha="center",
            va="top", color="dimgrey")
    ax.set_xlim(-0.5, years.max() + 0.5)
    ax.set_ylim(0, 102)
    ax.set_xlabel(rs.text("year", lang))
    ax.set_ylabel(_t("sbg_y", lang))
    ax.set_title(_t("sbg", lang, fit=sbg.fit_years, last=int(years.max()), cohort=rs.text(sbg.cohort, lang)))
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.88))
    fig.tight_layout()
    return fig


def plot_retention_by_tenure(sbg: Any, *, lang: str = "en") -> plt.Figure | None:
    """Retention rate by tenure: actual renewals (markers) and the sBG's rising curve."""
    if _skipped(sbg):
        return None
    t = sbg.tenure
    colors = sns.color_palette(PALETTE)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    tenure = t.index.to_numpy()
    ax.axvspan(sbg.fit_years + 0.5, tenure.max() + 0.5, color="grey", alpha=0.12, lw=0)
    ax.plot(tenure, t["retention_rate"], color=colors[0], lw=2, label=_t("sbg_line", lang))
    ax.plot(tenure, t["observed_retention"], "o", color=colors[3], label=_t("actual", lang))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlim(0.5, tenure.max() + 0.5)
    ax.set_xlabel(rs.text("tenure", lang))
    ax.set_ylabel(_t("tenure_y", lang))
    ax.set_title(_t("tenure_title", lang, cohort=rs.text(sbg.cohort, lang)))
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- value of retention

def plot_reichheld(table: pd.DataFrame, *, lang: str = "en") -> plt.Figure:
    """Heatmap of the profit increase from 5 more points of retention at the study's discount
    rate (table of :func:`~cvm_lib.retention.study.reichheld_study`); cells inside
    Reichheld's 25–95% are framed, cells whose base makes a loss are blank."""
    d = table.attrs.get("study_discount_rate", 0.10)
    part = table[np.isclose(table["discount_rate"], d)]
    values = part.pivot_table(index="base_retention", columns=["margin_growth", "acquisition_cost"],
                              values="profit_increase_pct", dropna=False, sort=True)
    values.index = pd.Index([f"{r:.0%}" for r in values.index], name=rs.text("base_retention", lang))
    values.columns = pd.Index([f"{g:.0%} / {ac:g}" for g, ac in values.columns])
    annotations = values.map(lambda v: "" if not np.isfinite(v) else f"{v:.0f}")
    # colours saturate at 100% so that a near-break-even outlier does not wash out the rest
    fig = plot_heatmap(values.clip(upper=100.0), title=_t("reichheld", lang, d=d), xlabel=_t("reichheld_x", lang),
                       ylabel=values.index.name, cmap="YlGn", annotations=annotations, lang=lang)
    fig.set_size_inches(11, 4.6)
    ax = fig.axes[0]
    inside = (values >= 25) & (values <= 95)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if inside.iat[i, j]:
                ax.add_patch(plt.Rectangle((j + 0.04, i + 0.06), 0.92, 0.88, fill=False, lw=1.8, ec="#c0392b"))
    plt.setp(ax.get_xticklabels(), rotation=0)
    fig.tight_layout()
    return fig


def plot_retention_profit(study: Any, *, lang: str = "en") -> plt.Figure | None:
    """CLV (left) and steady-state customer-base profit (right) against annual retention,
    with the firm's retention and the +5-point scenario marked."""
    if _skipped(study):
        return None
    econ = study.economics
    curve = econ.curve_
    v = econ.values_
    colors = sns.color_palette(PALETTE)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    x = 100 * curve["annual_retention"].to_numpy()
    points_x = 100 * v["annual_retention"].to_numpy()
    unit = rs.text(econ.period, lang).rstrip("s") if lang == "en" else rs.text(econ.period, lang)
    for ax, column, ylabel, pct in ((axes[0], "clv", _t("clv_y", lang), econ.clv_increase_pct_),
                                    (axes[1], "base_profit", _t("profit_y", lang, unit=unit),
                                     econ.profit_increase_pct_)):
        ax.plot(x, curve[column], color=colors[0], lw=2)
        y = v[column].to_numpy()
        ax.plot(points_x[:1], y[:1], "o", color=colors[3], ms=8,
                label=_t("firm_point", lang, r=float(v["annual_retention"].iloc[0])))
        ax.plot(points_x[1:], y[1:], "s", color=colors[2], ms=8, label=_t("plus_point", lang, pct=pct))
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlabel(_t("annual_retention_x", lang))
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper left")
    fig.suptitle(_t("profit_title", lang))
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- churn prediction

def _model_names(series: pd.Series, lang: str) -> list[str]:
    return [rs.text(name, lang) for name in series]


def plot_roc_calibration(prediction: Any, *, lang: str = "en") -> plt.Figure:
    """ROC curves (left, AUC in the legend) and calibration (right) of the churn models."""
    res = prediction.result
    colors = sns.color_palette(PALETTE)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4))
    for (name, roc), color in zip(res.roc_.groupby("model", sort=False), colors, strict=False):
        left.plot(roc["fpr"], roc["tpr"], color=color, lw=2,
                  label=f"{rs.text(name, lang)} (AUC {res.auc_[name]:.3f})")
    left.plot([0, 1], [0, 1], ls="--", color="grey", lw=1)
    left.set_xlabel(_t("fpr", lang))
    left.set_ylabel(_t("tpr", lang))
    left.set_title(_t("roc", lang))
    left.legend(loc="lower right")
    for (name, cal), color in zip(res.calibration_.groupby("model", sort=False), colors, strict=False):
        right.plot(cal["mean_predicted"], cal["observed_rate"], "o-", color=color, label=rs.text(name, lang))
    right.plot([0, 1], [0, 1], ls="--", color="grey", lw=1)
    right.set_xlim(0, 1)
    right.set_ylim(0, 1)
    right.set_xlabel(_t("predicted", lang))
    right.set_ylabel(_t("observed_rate", lang))
    right.set_title(_t("calibration", lang))
    right.legend(loc="upper left")
    fig.tight_layout()
    return fig


def plot_churn_lift(prediction: Any, *, lang: str = "en") -> plt.Figure:
    """Cumulative gain and cumulative lift by decile of the churn score (generic lift chart)."""
    lift = prediction.result.lift_
    model = rs.text("model", lang)
    table = pd.DataFrame({"share_targeted": lift["cumulative_customers_share"].to_numpy(),
                          "gain": lift["gain"].to_numpy(), "lift": lift["cumulative_lift"].to_numpy(),
                          model: _model_names(lift["model"], lang)})
    fig = plot_lift(table, group=model, title=_t("lift", lang), lang=lang)
    for ax in fig.axes:
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    fig.axes[0].yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    return fig


def plot_importance(prediction: Any, *, lang: str = "en", top: int = 10) -> plt.Figure:
    """Permutation importance (drop in test ROC AUC, ± one standard deviation) of the ``top``
    features of the best model, for every model."""
    imp = prediction.result.permutation_importance_
    best = prediction.best_model_
    order = imp[imp["model"] == best].sort_values("importance_mean", ascending=False, kind="stable")["feature"]
    features = list(order.iloc[:top])
    models = list(dict.fromkeys(imp["model"]))
    colors = sns.color_palette(PALETTE)
    fig, ax = plt.subplots(figsize=(9, max(3.2, 0.42 * len(features) * len(models) / 1.6 + 1.2)))
    height = 0.8 / len(models)
    y = np.arange(len(features))
    for k, (name, color) in enumerate(zip(models, colors, strict=False)):
        part = imp[imp["model"] == name].set_index("feature").reindex(features)
        ax.barh(y + (k - (len(models) - 1) / 2) * height, part["importance_mean"], height=height,
                xerr=part["importance_std"], color=color, label=rs.text(name, lang), capsize=2)
    ax.set_yticks(y, [rs.feature_label(f, lang) for f in features])
    ax.invert_yaxis()
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel(_t("importance_x", lang))
    ax.set_title(_t("importance", lang))
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- programme effect

def plot_programme(programme: Any, *, lang: str = "en") -> plt.Figure | None:
    """Kaplan-Meier curves of the two programme arms (the true lifetimes for the simulated
    case, else the study's churn definition), one year marked, hazard ratio in the title."""
    if _skipped(programme):
        return None
    effect = programme.true if programme.true is not None else programme.observed
    view = rs.text("view_true", lang) if programme.true is not None else rs.text(
        "view_observed", lang, definition=rs.text(programme.definition, lang))
    curves = effect.km_.curves_.copy()
    curves["group"] = _ordered_labels(curves["group"], ["treated", "control"], lambda g: rs.text(g, lang))
    h = effect.hazard_ratio_
    contract = programme.true is not None or programme.definition == "contract"
    adjusted = _t("adjusted", lang) if effect.covariates else ""
    fig = plot_survival(curves, title=_t("programme", lang, view=view, adjusted=adjusted, hr=h["estimate"],
                                         lo=h["lower"], up=h["upper"]),
                        xlabel=_time_label(programme.time_unit, contract, lang), lang=lang)
    ax = fig.axes[0]
    horizon = effect.survival_difference_["horizon"]
    ax.axvline(horizon, ls=":", color="grey", lw=1)
    ax.text(horizon, 1.0, f" {_t('horizon', lang)}", va="top", color="dimgrey")
    return fig
