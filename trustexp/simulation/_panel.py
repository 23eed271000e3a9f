"""The monthly administrative panel: benefit receipt, work, earnings and hours.

Each person's follow-up is built from a few events rather than a month-by-month
chain, so that the planted effects hold exactly in expectation:

* part-time work while on benefit (``hours >= min_hours``) happens in months
  1..F with probability ``p_i + effect``, as one spell of geometric length;
* a full exit to work happens with probability ``e_i + effect``, in a month
  drawn uniformly from 2..F, after any part-time spell (a stepping stone);
* people without an exit to work leave benefit for other reasons with
  probability ``other_exit``;
* a share ``return_rate`` of those who left come back on benefit, at least
  three months later;
* after the trial (months ``follow_up + 1 .. follow_up + after_trial``) each
  person keeps the benefit and job state of month ``follow_up``, except that
  part-time spells (and with them the extra earnings disregard) end with the
  trial: the planted effects on part-time work stop at ``follow_up``, those on
  full exits last;
* some people leave the municipality (``moved_share``): their rows stop after
  a month drawn uniformly from ``1 .. follow_up + after_trial - 1``, as in
  register data, so that time to exit is censored there;
* some people hold small jobs (fewer hours than ``min_hours``) in about half
  of their months on benefit, in spells (a month repeats the previous month's
  state with probability 0.8); these do not count as part-time work.

``p_i`` and ``e_i`` rise with the latent employability ``z``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trustexp.simulation._people import People
from trustexp.simulation._scenario import Scenario

__all__ = ["baseline_probability", "draw_monthly"]


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def baseline_probability(
    base: float, slope: float, z: np.ndarray, effect: np.ndarray
) -> np.ndarray:
    """The probability without treatment, kept inside [0, 1] after adding ``effect``."""
    lo = 0.005 + max(0.0, -float(effect.min(initial=0.0)))
    hi = 0.995 - max(0.0, float(effect.max(initial=0.0)))
    if lo >= hi:
        raise ValueError("planted effects are too large to keep probabilities within [0, 1]")
    return np.clip(_logistic(np.log(base / (1 - base)) + slope * z), lo, hi)


def _persistent(rng: np.random.Generator, n: int, k: int, stay: float = 0.8) -> np.ndarray:
    """A two-state chain per person, half of the months on, that stays put with ``stay``."""
    u = rng.random((n, k))
    state = np.empty((n, k), dtype=bool)
    state[:, 0] = u[:, 0] < 0.5
    for j in range(1, k):
        state[:, j] = np.where(u[:, j] < stay, state[:, j - 1], ~state[:, j - 1])
    return state


def draw_monthly(
    rng: np.random.Generator, people: People, effects: dict[str, np.ndarray], sc: Scenario
) -> pd.DataFrame:
    """Draw the monthly panel of months ``-months_before..follow_up + after_trial``."""
    n = people.n
    B, F, H = sc.months_before, sc.follow_up, sc.min_hours
    end_month = F + sc.after_trial
    rel = np.arange(-B, end_month + 1)[None, :]
    k = rel.shape[1]

    p = baseline_probability(sc.part_time_base, 0.6, people.z, effects["part_time"])
    e = baseline_probability(sc.exit_base, 0.7, people.z, effects["exit_to_work"])
    u = rng.random((7, n))
    part_time = u[0] < p + effects["part_time"]
    exit_work = u[1] < e + effects["exit_to_work"]
    exit_other = ~exit_work & (u[2] < sc.other_exit)
    leaves = exit_work | exit_other
    t_exit = np.where(leaves, rng.integers(2, F + 1, size=n), end_month + 1)
    back = leaves & (u[3] < sc.return_rate)
    t_back = t_exit + 2 + rng.geometric(1 / 5, size=n)
    t_back = np.where(back & (t_back <= F), t_back, end_month + 1)

    # follow-up months 1..F
    post = rel >= 1
    off = post & (rel >= t_exit[:, None]) & (rel < t_back[:, None])
    full_job = off & exit_work[:, None]
    last_pt = np.where(leaves, t_exit - 1, F)
    start = 1 + np.floor(u[4] * last_pt).astype(int)
    end = np.minimum(start + rng.geometric(1 / sc.spell_mean, size=n) - 1, last_pt)
    pt_month = part_time[:, None] & (rel >= start[:, None]) & (rel <= end[:, None])

    # months -B..0: on benefit since `months_on_benefit_before` months
    mob = people.months_on_benefit_before
    off_pre = (rel < 0) & (-rel > mob[:, None])
    before_job = off_pre & (u[5] < 0.5)[:, None]
    pre_pt = (
        (u[6] < 0.6 * p)[:, None] & (rel <= 0) & (rel >= -rng.integers(0, B + 1, size=n)[:, None])
    )
    pre_pt &= ~off_pre

    on_benefit = ~(off | off_pre)
    small_person = rng.random(n) < sc.small_job_share
    small = (
        small_person[:, None] & on_benefit & ~pt_month & ~pre_pt & _persistent(rng, n, k) & (H > 4)
    )
    full = full_job | before_job
    part = pt_month | pre_pt
    employed = full | part | small

    h_full = rng.uniform(110, 173, size=n)[:, None] + rng.normal(0, 8, size=(n, k))
    h_part = rng.uniform(H, max(H, 120), size=n)[:, None] + rng.normal(0, 8, size=(n, k))
    h_small = rng.integers(4, max(H, 5), size=(n, k))
    hours = np.where(full, np.clip(np.rint(h_full), 80, 200), 0.0)
    hours = np.where(part, np.clip(np.rint(h_part), H, 744), hours)
    hours = np.where(small, h_small, hours)
    wage = np.round(rng.uniform(10.0, 16.0, size=n), 2)[:, None]
    earnings = np.where(employed, np.round(hours * wage, 2), 0.0)

    # a few people leave the data early: their last observed month is before F
    short = rng.random(n) < sc.short_panel_share
    last = np.where(short, rng.integers(max(1, F // 2), F, size=n), end_month)
    # people who leave the municipality: censored in the register from their move on
    if sc.moved_share > 0 and end_month > 1:
        moved = rng.random(n) < sc.moved_share
        last = np.where(moved, np.minimum(last, rng.integers(1, end_month, size=n)), last)
    keep = rel <= last[:, None]

    month0 = people.randomised_on.astype("datetime64[M]")
    months = month0[:, None] + rel.astype("timedelta64[M]")
    rows = np.nonzero(keep)
    return pd.DataFrame(
        {
            "person_id": people.person_id[rows[0]].astype(str),
            "month": np.datetime_as_string(months[rows], unit="M"),
            "on_benefit": on_benefit[rows].astype(np.int8),
            "employed": employed[rows].astype(np.int8),
            "earnings": earnings[rows].astype(float),
            "hours": hours[rows].astype(float),
        }
    )
