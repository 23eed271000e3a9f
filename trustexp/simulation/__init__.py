"""Simulated trust experiments: the demo trial, and trial folders for tests.

:func:`simulate` draws a randomised multi-site trust experiment in social
assistance (bijstand) that follows the data contract, and writes it as a trial
folder (``trial.toml``, ``participants.csv``, ``monthly.parquet``,
``survey.csv``, ``takeup.csv``)::

    from trustexp.simulation import simulate
    trial = simulate("demo-trial", seed=1)          # the demo's design, another draw
    small = simulate(None, seed=1, sites={"Pilot": 200},
                     arms=("control", "intensive_guidance"), reference=0)
    small.participants, small.monthly, small.effects  # data frames, no files

The demo that ships in ``trustexp/demo/`` is ``simulate(seed=DEMO_SEED)``;
``python -m trustexp.simulation --refresh-demo`` (or :func:`refresh_demo`)
regenerates it. The command line is ``trustexp simulate OUT_DIR [--seed N]``.
Every random draw comes from ``numpy.random.PCG64`` streams spawned from the
seed, so the same seed and parameters give identical files byte for byte (the
Parquet file in the same pyarrow version).

Parameters of :func:`simulate`
------------------------------
out_dir
    New or empty folder to write to (written atomically via a temporary folder
    beside it); None returns the tables only.
seed
    Default ``DEMO_SEED`` = 20170399, chosen among 20170301..20170500 as the
    draw whose differences in means lie closest to the planted effects (see
    ``trustexp/demo/README.md``).
sites
    Randomised people per site; default ``DEMO_SITES`` = Tilburg 800,
    Wageningen 410, Groningen 890. Person ids are a site prefix (first letter,
    more letters if two sites share it) and a number in order of intake:
    ``T0001``, never a valid BSN.
arms
    Randomised arms among ``control``, ``exemption``, ``extra_earnings``,
    ``intensive_guidance`` (the arm id is also its kind); default all four.
reference
    Reference group (kind ``reference``, not randomised) per site: an int or a
    mapping site -> size; default 60; 0 for none.
tables
    Optional tables among ``monthly``, ``survey``, ``takeup`` (default all);
    ``trial.toml`` only declares outcomes whose table is there. ``takeup`` is
    written only when ``intensive_guidance`` is an arm.
name
    ``[trial] name``.
scenario
    A :class:`Scenario` with the behavioural parameters below.

:class:`Scenario` (defaults in brackets)
----------------------------------------
effects
    Arm id -> :class:`ArmEffect` with the planted intention-to-treat effects
    ``part_time`` and ``exit_to_work`` (probability scale), ``wellbeing`` and
    ``self_reliance`` (latent SD at the last wave; half at the middle wave),
    ``response`` (survey response probability at follow-up waves). Defaults:
    exemption wellbeing +0.10; extra_earnings part_time +0.05, wellbeing +0.05;
    intensive_guidance part_time +0.05, exit_to_work +0.02, wellbeing +0.10,
    self_reliance +0.10; every treated arm response +0.04. Intensive guidance
    works only through take-up: receivers get ``effect / takeup_rate``, so the
    intention-to-treat effect is ``effect``. :attr:`SimulatedTrial.effects`
    lists them.
profiles, default_start
    Site -> :class:`SiteProfile` (first intake date, migration share); demo:
    Tilburg 2017-10-02 (0.40), Wageningen 2017-11-01 (0.25), Groningen
    2018-01-08 (0.30). Other sites start at ``default_start`` (2017-10-02) plus
    one month per earlier site, migration share 0.30.
intake_days
    Randomisation dates are uniform over this many days from the start [182].
months_before, follow_up
    The monthly panel covers months ``-months_before..follow_up`` (plus
    ``after_trial``) around the month of randomisation [6, 24]; outcome
    windows are ``follow_up``; survey
    waves 1 and 2 come ``follow_up / 2`` and ``follow_up`` months after.
age_mean, age_sd, age_range
    Age ~ rounded normal, clipped [42, 10.5, (27, 64)]; reference group +3.
woman_share
    [0.55].
benefit_months_median, benefit_months_sigma
    ``months_on_benefit_before`` ~ lognormal with this median and log-SD,
    clipped to 1..360 [30, 0.9]; the reference group's median is 1.57 times
    larger.
education_shares
    Shares of education 1, 2, 3 [(0.45, 0.40, 0.15)]; less in the reference group.
age_cut, duration_cut
    Strata: age below ``age_cut`` and benefit duration below ``duration_cut``
    months [40, 24], giving ``onder40_kort``, ``onder40_lang``,
    ``40plus_kort``, ``40plus_lang``.
reference_shift
    Employability of the reference group relative to the randomised [-0.35].
part_time_base, exit_base
    Probabilities at average employability of part-time work while on benefit
    and of a full exit to work within the follow-up, before effects [0.22,
    0.13]; logistic in employability with slopes 0.6 and 0.7.
other_exit
    Probability of leaving benefit without work, for those without an exit to
    work [0.05].
return_rate
    Share of leavers who return to benefit, 2 + Geometric(1/5) months later
    when that is within the follow-up [0.25].
spell_mean
    Mean length in months of the part-time spell (geometric) [8].
small_job_share
    Share of people with small jobs (4 to ``min_hours`` - 1 hours) in about
    half of their months on benefit, in spells [0.12].
min_hours
    Monthly hours from which a month on benefit counts as part-time work;
    the ``min_hours`` of the ``part_time_work`` outcome [52, about 12 hours a
    week]. Part-time months have hours around a personal level uniform in
    ``min_hours``..120 (never below ``min_hours``), full-time jobs 110..173,
    each month plus noise of SD 8; earnings are hours times a personal wage
    uniform in 10..16 euro an hour.
short_panel_share
    Share of people whose panel ends early, between month ``follow_up // 2``
    and ``follow_up - 1`` [0.015].
after_trial
    Months of register data after the trial [12]: the panel runs to
    ``follow_up + after_trial``; people keep their month-``follow_up`` benefit
    and job state, part-time spells end with the trial (``[paths]
    treatment_months = follow_up`` in the written ``trial.toml``).
moved_share
    Share of people who leave the municipality [0.06]: their panel rows stop
    after a month uniform in ``1..follow_up + after_trial - 1`` (register
    censoring: time to exit is censored there, window measures become missing).
takeup_rate, dose_mean
    Take-up of intensive guidance and mean meetings of a receiver [0.80, 10].
baseline_response
    Baseline (wave 0) response of the randomised [0.97].
response_control
    Response at waves 1 and 2 in control [(0.72, 0.60)]; arms add their
    ``response`` effect; each person's rate moves by 0.06 per unit of
    employability, and willingness to answer persists across waves.
response_reference
    Response of the reference group at waves 0, 1, 2 [(0.90, 0.62, 0.52)].
item_missing
    Probability that an answered wave leaves an item empty [0.03]; besides,
    1% of respondents leave each item empty with probability 0.6.

The scales: ``wellbeing`` items ``wb1``..``wb5`` (0-5, ``wb4`` reverse-coded)
and ``self_reliance`` items ``zr1``..``zr6`` (1-5), rounded and clipped noisy
indicators of latent traits that depend on employability. ``trustexp/demo/README.md``
describes the demo in words.
"""

from trustexp.simulation._demo import refresh_demo
from trustexp.simulation._scenario import (
    DEFAULT_EFFECTS,
    DEMO_SEED,
    DEMO_SITES,
    ArmEffect,
    Scenario,
    SiteProfile,
)
from trustexp.simulation._simulate import SimulatedTrial, simulate, write_trial

__all__ = [
    "DEFAULT_EFFECTS",
    "DEMO_SEED",
    "DEMO_SITES",
    "ArmEffect",
    "Scenario",
    "SimulatedTrial",
    "SiteProfile",
    "refresh_demo",
    "simulate",
    "write_trial",
]
