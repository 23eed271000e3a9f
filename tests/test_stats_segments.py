"""All segments' ITT fits in one pass equal a loop of estimate_itt, one fit per segment.

:func:`trustexp.stats.segments.estimate_itt_by_segment` fits every segment's
model from segment sums; it must give, segment by segment, what
:func:`trustexp.stats.estimate_itt` gives on that segment's rows (with the
covariates that are not constant there) to 1e-10 relative, with the same
reasons and counts, for HC0-HC3, additive and Lin adjustment, with and
without covariates and strata. The segments that it cannot fit safely from
the normal equations (collinear columns, exact fits, no control rows, too few
rows, CR standard errors) must be the ones handed to estimate_itt, and their
results are then those of estimate_itt (up to the last bits). End to end, the effects
frame of the demo trial is the same with the sites fitted together as with a
fit per site.
"""

from __future__ import annotations

import numpy as np
import pytest

from trustexp.analysis.samples import nonconstant
from trustexp.errors import OptionError
from trustexp.stats import ITTResult, estimate_itt
from trustexp.stats.segments import estimate_itt_by_segment

RTOL = 1e-10
#: A segment handed to estimate_itt is its single fit, up to the last bits that the memory
#: layout of its copied rows can change in numpy's sums.
SINGLE = 1e-13
HC = ("HC0", "HC1", "HC2", "HC3")
FLOATS = ("estimate", "std_error", "df", "statistic", "p_value", "ci_low", "ci_high")


def _reference(y, arm, seg, n_arms, cov, strata, clusters=None, **options) -> list[ITTResult]:
    """estimate_itt on each segment's rows, covariates constant there left out."""
    out = []
    per = np.broadcast_to(np.asarray(n_arms), (int(seg.max()) + 1,))
    for s in range(per.size):
        rows = np.flatnonzero(seg == s)
        x = None
        if cov is not None:
            x = cov[rows][:, nonconstant(cov[rows])]
            x = x if x.shape[1] else None
        st = None if strata is None or strata[rows[0]] < 0 else strata[rows]
        cl = None if clusters is None else clusters[rows]
        out.append(estimate_itt(y[rows], arm[rows], n_arms=int(per[s]), covariates=x,
                                strata=st, clusters=cl, **options))
    return out


def _assert_same(got: ITTResult, ref: ITTResult, rtol: float = RTOL, where: str = "") -> None:
    assert got.n == ref.n and got.n_control == ref.n_control, where
    assert got.n_arm.tolist() == ref.n_arm.tolist(), where
    assert got.n_arm.dtype == ref.n_arm.dtype, where
    assert got.reason == ref.reason, (where, got.reason, ref.reason)
    assert got.se_type == ref.se_type, where
    np.testing.assert_allclose(got.control_mean, ref.control_mean, rtol=rtol, atol=0,
                               err_msg=where)
    for name in FLOATS:
        np.testing.assert_allclose(getattr(got, name), getattr(ref, name), rtol=rtol, atol=0,
                                   err_msg=f"{where} {name}")


def _trial(seed: int, n_segments: int = 60, p: int = 2, max_arms: int = 4):
    """Segments of varied sizes (tiny ones too), per-segment arms, strata, covariates.

    Returns ``y, arm, seg, n_arms, cov, strata`` with rows in random order.
    """
    rng = np.random.default_rng(seed)
    sizes = rng.choice([1, 2, 3, 5, 8, 20, 45, 120], n_segments)
    n_arms = rng.integers(2, max_arms + 1, n_segments)
    seg = np.repeat(np.arange(n_segments), sizes)
    n = seg.size
    arm = rng.integers(0, n_arms[seg])
    n_strata = rng.integers(1, 4, n_segments)
    strata = rng.integers(0, n_strata[seg])
    strata[rng.random(n) < 0.02] = 7  # a few strata of one or two
    unstratified = rng.random(n_segments) < 0.3
    strata[unstratified[seg]] = -1
    cov = np.column_stack([rng.normal(size=n) * 10 + 40, rng.integers(0, 3, n).astype(float),
                           rng.normal(size=n)])[:, :p]
    y = 0.3 * arm + (cov @ np.linspace(0.2, -0.1, p) if p else 0.0) + rng.normal(size=n) \
        * (1.0 + 0.5 * arm)
    perm = rng.permutation(n)
    return y[perm], arm[perm], seg[perm], n_arms, cov[perm], strata[perm]


@pytest.mark.parametrize("adjustment", ["additive", "lin"])
@pytest.mark.parametrize("se_type", HC)
@pytest.mark.parametrize("p", [0, 1, 2])
def test_random_segments_equal_estimate_itt(adjustment, se_type, p):
    y, arm, seg, n_arms, cov, strata = _trial(11 + p, p=p)
    options = dict(adjustment=adjustment, se_type=se_type, alpha=0.1)
    fits = estimate_itt_by_segment(y, arm, seg, n_arms=n_arms, covariates=cov if p else None,
                                   strata=strata, **options)
    ref = _reference(y, arm, seg, n_arms, cov if p else None, strata, **options)
    assert len(fits.results) == len(ref)
    for s, (got, want) in enumerate(zip(fits.results, ref, strict=True)):
        _assert_same(got, want, where=f"segment {s}")
    # most segments are fitted in the batch; the tiny ones are not
    sizes = np.bincount(seg)
    assert not fits.fallback[sizes >= 45].all()
    assert fits.fallback[sizes == 1].all()


def test_without_strata_and_one_arm_count():
    y, arm, seg, _, cov, _ = _trial(5, max_arms=2)
    fits = estimate_itt_by_segment(y, arm, seg, n_arms=2, covariates=cov)
    ref = _reference(y, arm, seg, 2, cov, None)
    for s, (got, want) in enumerate(zip(fits.results, ref, strict=True)):
        _assert_same(got, want, where=f"segment {s}")


@pytest.mark.parametrize("estimand", ["sample", "population"])
def test_lin_estimands(estimand):
    y, arm, seg, n_arms, cov, strata = _trial(21, p=2)
    options = dict(adjustment="lin", se_type="HC2", estimand=estimand)
    fits = estimate_itt_by_segment(y, arm, seg, n_arms=n_arms, covariates=cov, strata=strata,
                                   **options)
    ref = _reference(y, arm, seg, n_arms, cov, strata, **options)
    for s, (got, want) in enumerate(zip(fits.results, ref, strict=True)):
        _assert_same(got, want, where=f"segment {s}")


@pytest.mark.parametrize("se_type", ["CR0", "CR1", "CR2"])
def test_cluster_robust_segments_are_the_single_fits(se_type):
    y, arm, seg, n_arms, cov, strata = _trial(31)
    rng = np.random.default_rng(3)
    clusters = rng.integers(0, 6, y.size)
    fits = estimate_itt_by_segment(y, arm, seg, n_arms=n_arms, covariates=cov, strata=strata,
                                   clusters=clusters, se_type=se_type)
    assert fits.fallback.all()
    ref = _reference(y, arm, seg, n_arms, cov, strata, clusters, se_type=se_type)
    for got, want in zip(fits.results, ref, strict=True):
        _assert_same(got, want, rtol=SINGLE)


def _cases():
    """Named segments built to fall back (True) or not (False), with their rows.

    Three arms, two strata, two covariates; 40 rows unless said otherwise.
    """
    rng = np.random.default_rng(8)

    def base(n=40):
        arm = np.arange(n) % 3
        strata = (np.arange(n) // 3) % 2
        cov = np.column_stack([rng.normal(size=n), rng.normal(size=n) * 3])
        y = 0.5 * arm + cov[:, 0] + rng.normal(size=n)
        return y, arm, strata, cov

    cases = {}
    cases["clean"] = (*base(), False)
    y, arm, strata, cov = base()
    cov[:, 1] = 4.0  # constant: left out, not a fallback
    cases["constant_covariate"] = (y, arm, strata, cov, False)
    y, arm, strata, cov = base()
    cov[:, 1] = 2.0 * cov[:, 0] + 1.0  # collinear: lm drops it
    cases["collinear_covariate"] = (y, arm, strata, cov, True)
    y, arm, strata, cov = base()
    cov[:, 1] = cov[:, 0] + 1e-9 * rng.normal(size=40)  # nearly collinear, kept by lm
    cases["nearly_collinear"] = (y, arm, strata, cov, True)
    y, arm, strata, cov = base()
    arm[arm == 2] = 1  # arm 2 missing: NaN, no reason, in the batch
    cases["arm_missing"] = (y, arm, strata, cov, False)
    y, arm, strata, cov = base()
    arm[arm == 0] = 1
    cases["no_control"] = (y, arm, strata, cov, True)
    y, arm, strata, cov = base()
    arm[arm > 0] = 0
    cases["no_treated"] = (y, arm, strata, cov, True)
    y, arm, strata, cov = base()
    arm[arm == 2] = 1
    arm[5] = 2  # one person in arm 2: fitted exactly
    cases["arm_of_one"] = (y, arm, strata, cov, True)
    y, arm, strata, cov = base()
    strata[arm == 2] = 2  # arm 2 is a whole stratum: not identified
    cases["arm_is_a_stratum"] = (y, arm, strata, cov, True)
    y, arm, strata, cov = base()
    strata[7] = 5  # a stratum of one: leverage 1 but no influence
    cases["singleton_stratum"] = (y, arm, strata, cov, False)
    cases["tiny"] = (*base(5), True)
    y, arm, strata, cov = base(5)
    cases["as_many_columns_as_rows"] = (y, arm, np.zeros(5, dtype=np.int64), cov, True)
    y, arm, strata, cov = base(6)
    cases["one_row_more"] = (y, arm, np.zeros(6, dtype=np.int64), cov, False)
    y, arm, strata, cov = base()
    y = 0.5 * arm + cov[:, 0]  # exact fit: zero residuals, zero variance
    cases["exact_fit"] = (y, arm, strata, cov, True)
    y, arm, strata, cov = base()
    cases["unstratified"] = (y, arm, np.full(40, -1), cov, False)
    return cases


@pytest.mark.parametrize("adjustment", ["additive", "lin"])
@pytest.mark.parametrize("se_type", HC)
def test_fallbacks_where_expected(adjustment, se_type):
    cases = _cases()
    names = list(cases)
    ys, arms, segs, strata, covs = [], [], [], [], []
    for s, name in enumerate(names):
        y, arm, st, cov, _ = cases[name]
        ys.append(y)
        arms.append(arm)
        segs.append(np.full(y.size, s))
        strata.append(st)
        covs.append(cov)
    y, arm, seg = np.concatenate(ys), np.concatenate(arms), np.concatenate(segs)
    st, cov = np.concatenate(strata), np.concatenate(covs)
    options = dict(adjustment=adjustment, se_type=se_type)
    fits = estimate_itt_by_segment(y, arm, seg, n_arms=3, covariates=cov, strata=st, **options)
    ref = _reference(y, arm, seg, 3, cov, st, **options)
    expected = {name: cases[name][4] for name in names}
    if adjustment == "lin":
        expected["one_row_more"] = True  # the interactions make more columns than rows
    got = dict(zip(names, fits.fallback.tolist(), strict=True))
    assert got == expected
    for s, name in enumerate(names):
        _assert_same(fits.results[s], ref[s], rtol=SINGLE if fits.fallback[s] else RTOL,
                     where=name)
    # the fallbacks have the reasons estimate_itt gives them
    by_name = dict(zip(names, fits.results, strict=True))
    assert by_name["arm_of_one"].reason[1] == "exact_fit"
    assert by_name["arm_is_a_stratum"].reason[1] == "not_identified"
    assert np.isnan(by_name["arm_missing"].estimate[1]) and by_name["arm_missing"].reason == ("", "")
    assert by_name["singleton_stratum"].reason == ("", "")


def test_nearly_constant_covariates_are_left_out_as_nonconstant_does():
    """A covariate is left out of a segment exactly where ``nonconstant`` leaves it out."""
    y, arm, seg, n_arms, cov, strata = _trial(51, p=2)
    wiggle = np.where(np.arange(y.size) % 2 == 0, 1.0, -1.0)
    for s, spread in ((0, 0.4e-12), (1, 0.6e-12), (2, 5e-12)):
        rows = seg == s
        cov[rows, 1] = 50.0 * (1.0 + spread * wiggle[rows])
    fits = estimate_itt_by_segment(y, arm, seg, n_arms=n_arms, covariates=cov, strata=strata)
    ref = _reference(y, arm, seg, n_arms, cov, strata)
    for s, (got, want) in enumerate(zip(fits.results, ref, strict=True)):
        _assert_same(got, want, where=f"segment {s}")


def test_row_order_and_padding_do_not_matter():
    """Rows in any order, and a covariate column of zeros (padding), give the same fits."""
    y, arm, seg, n_arms, cov, strata = _trial(41, p=1)
    fits = estimate_itt_by_segment(y, arm, seg, n_arms=n_arms, covariates=cov, strata=strata)
    order = np.argsort(seg, kind="stable")
    padded = np.column_stack([cov, np.zeros(y.size)])
    again = estimate_itt_by_segment(y[order], arm[order], seg[order], n_arms=n_arms,
                                    covariates=padded[order], strata=strata[order])
    assert np.array_equal(fits.fallback, again.fallback)
    for a, b in zip(fits.results, again.results, strict=True):
        _assert_same(a, b, rtol=1e-12)


def test_results_are_read_only():
    y, arm, seg, n_arms, cov, strata = _trial(2)
    fits = estimate_itt_by_segment(y, arm, seg, n_arms=n_arms, covariates=cov, strata=strata)
    batched = fits.results[int(np.flatnonzero(~fits.fallback)[0])]
    with pytest.raises(ValueError):
        batched.estimate[0] = 0.0
    with pytest.raises(ValueError):
        fits.fallback[0] = True


def test_no_rows():
    fits = estimate_itt_by_segment(np.zeros(0), np.zeros(0, dtype=int), np.zeros(0, dtype=int),
                                   n_arms=2)
    assert fits.results == () and fits.fallback.shape == (0,)


@pytest.mark.parametrize(
    "change",
    [
        {"segments": np.array([0, 0, 2, 2])},  # segment 1 has no rows
        {"arm": np.array([0, 1, 0, 2])},  # arm 2 beyond segment 1's two arms
        {"strata": np.array([0, 1, -1, 0])},  # -1 on some rows of a segment only
        {"n_arms": np.array([2, 2, 2])},  # one per segment, but three given
        {"se_type": "CR2"},  # needs clusters
    ],
)
def test_refuses_bad_arguments(change):
    args = dict(y=np.array([1.0, 2.0, 3.0, 4.0]), arm=np.array([0, 1, 0, 1]),
                segments=np.array([0, 0, 1, 1]), n_arms=np.array([3, 2]))
    args.update(change)
    y, arm, seg = args.pop("y"), args.pop("arm"), args.pop("segments")
    with pytest.raises(OptionError):
        estimate_itt_by_segment(y, arm, seg, **args)


@pytest.mark.parametrize("options", [{}, {"adjustment": "lin", "standard_errors": "HC1"}])
def test_demo_effects_equal_a_fit_per_site(monkeypatch, options):
    """The demo trial's effects frame: sites fitted together equal a fit per site."""
    from trustexp.analysis import effects
    from trustexp.analysis.samples import analysis_samples
    from trustexp.options import apply_options
    from trustexp.outcomes import derive_outcomes
    from trustexp.trial import load_trial

    trial = load_trial(demo=True)
    config = apply_options(trial.config, options)
    outcomes = derive_outcomes(trial)
    samples = analysis_samples(config, trial.participants)
    assert len(samples) > 2
    together = effects.estimate_effects(config, outcomes, samples)
    monkeypatch.setattr(effects, "_site_fits", lambda *args: {})
    apart = effects.estimate_effects(config, outcomes, samples)
    assert list(together.columns) == list(apart.columns)
    assert (together.dtypes == apart.dtypes).all()
    for column in together.columns:
        a, b = together[column], apart[column]
        if a.dtype == np.float64:
            np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=RTOL, atol=0,
                                       err_msg=column)
        else:
            assert a.equals(b), column
