"""Churn definitions (non-contractual inactivity or P(alive), contractual end dates) and
customer lifetimes for survival analysis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from cvm_lib.data import CvmDataError
from cvm_lib.retention._common import (Result, check_frame, require_log, day_stamp,
                                       require_columns)
from cvm_lib.summary import rfm_summary, unit_days

__all__ = ["ChurnDefinition", "ChurnLabels", "churn_labels", "customer_lifetimes"]

_DEFINITIONS = ("inactivity", "p_alive", "contract")


@dataclass(frozen=True)
class ChurnDefinition:
    """What "churned" means in a study; :meth:`describe` states it in a report.

    Attributes
    ----------
    kind : {"inactivity", "p_alive", "contract"}
    observation_end : Timestamp or None
    inactivity_days : float, optional
        ``kind="inactivity"``: churned after *more than* this many days without a purchase.
    threshold : float, optional
        ``kind="p_alive"``: churned when P(alive) is *below* this cut-off.
    model : str, optional
        ``kind="p_alive"``: name of the model that gave P(alive).
    end_col : str, optional
        ``kind="contract"``: the column of contract end dates.
    """

    kind: Literal["inactivity", "p_alive", "contract"]
    observation_end: pd.Timestamp | None = None
    inactivity_days: float | None = None
    threshold: float | None = None
    model: str | None = None
    end_col: str | None = None

    def describe(self) -> str:
        """One English sentence stating the definition (reports translate it from the fields).

        Examples
        --------
        >>> d = ChurnDefinition("inactivity", pd.Timestamp("2024-12-31"), inactivity_days=90)
        >>> d.describe()
        'Non-contractual setting: a customer counts as churned when they have made no purchase for more than 90 days before 2024-12-31 (inactivity definition).'
        """
        end = "" if self.observation_end is None else self.observation_end.date().isoformat()
        if self.kind == "inactivity":
            return (f"Non-contractual setting: a customer counts as churned when they have made no purchase for "
                    f"more than {self.inactivity_days:g} days before {end} (inactivity definition).")
        if self.kind == "p_alive":
            return (f"Non-contractual setting: a customer counts as churned when the probability of still being "
                    f"active at {end}, P(alive) from the fitted {self.model} model, is below {self.threshold:g}.")
        when = f"on or before {end}" if end else "recorded"
        return (f"Contractual setting: a customer counts as churned when their contract end date "
                f"(column '{self.end_col}') is {when}.")


@dataclass(repr=False)
class ChurnLabels(Result):
    """Churn flags under a stated definition (see :func:`churn_labels`).

    Attributes
    ----------
    labels_ : DataFrame
        Indexed by ``customer_id``: ``churned`` (bool) and the basis of the decision
        (``last_purchase`` and ``days_inactive``; ``p_alive``; or the end date).
    definition : ChurnDefinition
    """

    labels_: pd.DataFrame
    definition: ChurnDefinition

    @property
    def churned_(self) -> pd.Series:
        return self.labels_["churned"]

    @property
    def churn_rate_(self) -> float:
        return float(self.labels_["churned"].mean())

    def describe(self) -> str:
        """The definition sentence (see :meth:`ChurnDefinition.describe`)."""
        return self.definition.describe()

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"customers": [len(self.labels_)], "churned": [int(self.labels_["churned"].sum())],
                             "churn_rate": [self.churn_rate_]}, index=pd.Index([self.definition.kind],
                                                                                 name="definition"))


def _model_name(model: Any) -> str:
    return type(model).__name__


def churn_labels(data: pd.DataFrame, *, definition: Literal["inactivity", "p_alive", "contract"] = "inactivity",
                 observation_end: Any = None, inactivity_days: float | None = None, model: Any = None,
                 threshold: float = 0.5, time_unit: str | float | None = None, end_col: str = "end_date",
                 start_col: str | None = None) -> ChurnLabels:
    """Flag churned customers under one of three definitions, stated with the result.

    Parameters
    ----------
    data : DataFrame
        ``"inactivity"``: a transaction log. ``"p_alive"``: a transaction log or an
        :func:`cvm_lib.summary.rfm_summary` frame (``frequency``, ``recency``, ``T``).
        ``"contract"``: one row per customer (``customer_id`` column or index) with the
        contract end date in ``end_col`` (missing = still under contract).
    definition : {"inactivity", "p_alive", "contract"}, default "inactivity"
        * ``"inactivity"`` (non-contractual): churned when the last purchase is more than
          ``inactivity_days`` days before ``observation_end``.
        * ``"p_alive"`` (non-contractual): churned when the fitted ``model``'s
          ``prob_alive(summary)`` (e.g. :class:`cvm_lib.clv.BetaGeo`) is below ``threshold``.
        * ``"contract"`` (contractual): churned when the end date is on or before
          ``observation_end`` (any recorded end date when it is not given).
    observation_end : date-like, optional
        Default: the last purchase date (transaction logs); for contracts, none.
    inactivity_days : float
        Required for ``"inactivity"``.
    model : object with ``prob_alive(summary)``
        Required for ``"p_alive"``; fitted on a summary in ``time_unit``.
    threshold : float, default 0.5
        P(alive) cut-off.
    time_unit : str or float, optional
        Unit of the summary built from a transaction log for ``"p_alive"``; required
        then, and must be the unit the model was fitted in.
    end_col, start_col : str
        Contract end (and optional start) date columns. Contracts starting after
        ``observation_end`` are left out.

    Returns
    -------
    ChurnLabels
        ``labels_``, ``churned_``, ``churn_rate_``, ``definition``, ``describe()``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-06-20", "2024-02-01", "2024-04-01"]),
    ...                    "amount": 10.0})
    >>> res = churn_labels(tx, inactivity_days=90, observation_end="2024-06-30")
    >>> res.labels_
                last_purchase  days_inactive  churned
    customer_id
    a              2024-06-20             10    False
    b              2024-02-01            150     True
    c              2024-04-01             90    False
    >>> res.describe()
    'Non-contractual setting: a customer counts as churned when they have made no purchase for more than 90 days before 2024-06-30 (inactivity definition).'
    """
    if definition not in _DEFINITIONS:
        raise ValueError(f"definition={definition!r}; use one of {', '.join(_DEFINITIONS)}")
    check_frame(data, "data")
    end = None if observation_end is None else day_stamp(observation_end, "observation_end")

    if definition == "inactivity":
        if inactivity_days is None or not (isinstance(inactivity_days, (int, float)) and inactivity_days > 0):
            raise ValueError(f"definition='inactivity' needs inactivity_days= a positive number of days, "
                             f"got {inactivity_days!r}")
        require_log(data)
        if end is None:
            end = data["date"].max().normalize()
        dates = data["date"].dt.normalize()
        last = dates[dates <= end].groupby(data.loc[dates <= end, "customer_id"]).max()
        if last.empty:
            raise ValueError(f"no purchases on or before observation_end {end.date()}")
        last.index.name = "customer_id"
        days = (end - last).dt.days.astype(np.int64)
        labels = pd.DataFrame({"last_purchase": last, "days_inactive": days, "churned": days > inactivity_days})
        return ChurnLabels(labels.sort_index(), ChurnDefinition("inactivity", end,
                                                               inactivity_days=float(inactivity_days)))

    if definition == "p_alive":
        if model is None or not hasattr(model, "prob_alive"):
            raise ValueError("definition='p_alive' needs model= a fitted model with prob_alive(summary), "
                             "e.g. cvm_lib.clv.BetaGeo().fit(summary)")
        if not 0 < threshold < 1:
            raise ValueError(f"threshold={threshold!r}; use a probability in (0, 1)")
        if {"frequency", "recency", "T"} <= set(data.columns):
            summary = data
            if end is None and "observation_end" in data.attrs:
                end = pd.Timestamp(data.attrs["observation_end"])
        else:
            require_log(data)
            if time_unit is None:
                raise ValueError("building the summary from a transaction log needs time_unit=, the unit the "
                                 "model was fitted in (e.g. 'W')")
            summary = rfm_summary(data, observation_end=end, time_unit=time_unit)
            end = pd.Timestamp(summary.attrs["observation_end"])
        p = np.asarray(model.prob_alive(summary), dtype=np.float64).reshape(-1)
        if len(p) != len(summary):
            raise ValueError(f"model.prob_alive returned {len(p)} values for {len(summary)} customers")
        if not (np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()):
            raise ValueError("model.prob_alive returned values that are missing or outside [0, 1]")
        labels = pd.DataFrame({"p_alive": p, "churned": p < threshold}, index=summary.index)
        labels.index.name = "customer_id"
        return ChurnLabels(labels, ChurnDefinition("p_alive", end, threshold=float(threshold),
                                                   model=_model_name(model)))

    table = data.set_index("customer_id") if "customer_id" in data.columns else data
    require_columns(table, [end_col, start_col], what="the contracts table")
    if table.index.has_duplicates:
        raise CvmDataError(f"the contracts table has duplicate customer ids, e.g. "
                           f"{table.index[table.index.duplicated()][:3].tolist()}", source="<DataFrame>",
                           column="customer_id")
    ends = table[end_col]
    if not pd.api.types.is_datetime64_any_dtype(ends.dtype):
        try:
            ends = pd.to_datetime(ends)
        except (TypeError, ValueError) as exc:
            raise CvmDataError(f"contract end column {end_col!r} does not hold dates", source="<DataFrame>",
                               column=end_col) from exc
    if start_col is not None and end is not None:
        keep = pd.to_datetime(table[start_col]) <= end
        table, ends = table[keep], ends[keep]
    churned = ends.notna() if end is None else (ends.notna() & (ends <= end))
    labels = pd.DataFrame({end_col: ends, "churned": churned.to_numpy(dtype=bool)}, index=table.index)
    labels.index.name = "customer_id"
    return ChurnLabels(labels, ChurnDefinition("contract", end, end_col=end_col))


def customer_lifetimes(tx: pd.DataFrame, *, inactivity_days: float, observation_end: Any = None,
                       time_unit: str | float = "D",
                       censor_at: Literal["last_purchase", "observation_end"] = "last_purchase") -> pd.DataFrame:
    """Per-customer duration and churn event from a transaction log, for survival analysis.

    A customer whose last purchase lies more than ``inactivity_days`` before
    ``observation_end`` has churned (event 1), with a lifetime from the first to the last
    purchase: under the inactivity definition the customer is deemed to have left right
    after the last purchase. Other customers are censored (event 0). By default they are
    censored at their last purchase too: all that is known is that the lifetime lasts at
    least that long (they may yet turn out to have left then), so censoring at
    ``observation_end`` would overstate survival. ``censor_at="observation_end"`` gives
    the common but optimistic alternative.

    Parameters
    ----------
    tx : DataFrame
        Tidy transaction log.
    inactivity_days : float
        Churn threshold in days.
    observation_end : date-like, optional
        Default: the last purchase date.
    time_unit : {"D", "W", "M", "Y"} or float, default "D"
        Unit of ``duration`` (days divided by the unit length).
    censor_at : {"last_purchase", "observation_end"}, default "last_purchase"

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``first_purchase``, ``last_purchase``, ``duration``,
        ``event`` (int 0/1); ``attrs["definition"]`` holds the :class:`ChurnDefinition`.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-06-20", "2024-02-01", "2024-03-01",
    ...                                            "2024-03-15"]),
    ...                    "amount": 10.0})
    >>> customer_lifetimes(tx, inactivity_days=60, observation_end="2024-06-30")
                first_purchase last_purchase  duration  event
    customer_id
    a               2024-01-01    2024-06-20     171.0      0
    b               2024-02-01    2024-02-01       0.0      1
    c               2024-03-01    2024-03-15      14.0      1
    """
    if censor_at not in ("last_purchase", "observation_end"):
        raise ValueError(f"censor_at={censor_at!r}; use 'last_purchase' or 'observation_end'")
    labels = churn_labels(tx, definition="inactivity", inactivity_days=inactivity_days,
                          observation_end=observation_end)
    end = labels.definition.observation_end
    dates = tx["date"].dt.normalize()
    first = dates[dates <= end].groupby(tx.loc[dates <= end, "customer_id"]).min().reindex(labels.labels_.index)
    last = labels.labels_["last_purchase"]
    event = labels.labels_["churned"].to_numpy()
    stop = last.where(event | (censor_at == "last_purchase"), end)
    unit = unit_days(time_unit)
    frame = pd.DataFrame({"first_purchase": first, "last_purchase": last,
                          "duration": (stop - first).dt.days.to_numpy(dtype=np.float64) / unit,
                          "event": event.astype(np.int64)}, index=labels.labels_.index)
    frame.attrs["definition"] = labels.definition
    return frame
