"""One validator for the analysis options, used alike by evaluate, with_options and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import trustexp
from trustexp.cli import main
from trustexp.errors import OptionError
from trustexp.options import OPTIONS, check_options

REFERENCE = Path(__file__).resolve().parent / "reference" / "evaluation_trial"

#: (option, bad value, the start of the message's expectation)
BAD = [
    ("alpha", 1.5, "must be a float in (0, 1). Got 1.5 instead."),
    ("alpha", "0.05", "must be a float in (0, 1). Got '0.05' instead."),
    ("adjustment", "linn", "must be one of ['additive', 'lin']. Got 'linn' instead. Did you mean 'lin'?"),
    ("standard_errors", "HC9", "must be one of ['HC0', 'HC1', 'HC2', 'HC3', 'CR0', 'CR1', 'CR2']."),
    ("multiple_testing", "bonferroni", "must be one of ['holm', 'bh', 'romano-wolf', 'none']."),
    ("permutations", -1, "must be an integer >= 0. Got -1 instead."),
    ("permutations", True, "must be an integer >= 0. Got True instead."),
    ("permutations", 2.5, "must be an integer >= 0. Got 2.5 instead."),
    ("seed", -3, "must be an integer >= 0. Got -3 instead."),
    ("min_cell", "ten", "must be an integer >= 0. Got 'ten' instead."),
    ("covariates", [1, 2], "must be a list of distinct column names (str)."),
    ("covariates", ["age", "age"], "must be a list of distinct column names (str)."),
    ("cluster", "", "must be a column name (str). Got '' instead."),
    ("outcomes", [], "must be a list of distinct column names (str). Got [] instead."),
]

#: Bad values that need the trial to be seen as bad.
BAD_FOR_TRIAL = [
    ("covariates", ["agee"], "must be a list of numeric columns of participants. Got ['agee'] "
     "instead. participants has no column 'agee'. Did you mean 'age'?"),
    ("covariates", ["site"], "Column 'site' of participants is not a number in row 1"),
    ("cluster", "clustr", "must be a column of participants. Got 'clustr' instead."),
    ("outcomes", ["incme"], "must be a list of declared outcome ids ['income']. Got ['incme'] "
     "instead. Did you mean 'income'?"),
]


def test_every_trial_toml_option_is_covered():
    assert {name for name, _, _ in BAD} == set(OPTIONS)


@pytest.fixture(scope="module")
def ev():
    return trustexp.evaluate(REFERENCE, permutations=0)


def _callers(ev):
    """Every public way to give an option: (function name in the message, call)."""
    return [
        ("evaluate", lambda **kw: trustexp.evaluate(REFERENCE, **kw)),
        ("with_options", lambda **kw: ev.with_options(**kw)),
    ]


@pytest.mark.parametrize(("name", "value", "message"), BAD + BAD_FOR_TRIAL)
def test_same_message_from_every_public_function(ev, name, value, message):
    for func, call in _callers(ev):
        with pytest.raises(OptionError) as info:
            call(**{name: value})
        assert f"The {name!r} parameter of {func} " in str(info.value)
        assert message in str(info.value)


def test_cluster_robust_errors_need_a_cluster():
    with pytest.raises(OptionError, match="CR standard errors need a cluster column"):
        trustexp.evaluate(demo=True, standard_errors="CR2")


def test_unknown_option_named_with_a_suggestion(ev):
    with pytest.raises(OptionError, match="unexpected option 'covariate'.*Did you mean 'covariates'"):
        ev.with_options(covariate=["age"])


def test_check_options_normalises():
    out = check_options("evaluate", {"covariates": ("a", "b"), "alpha": 1 / 10, "seed": None})
    assert out == {"covariates": ("a", "b"), "alpha": 0.1}


@pytest.mark.slow
def test_overrides_change_the_model_and_are_recorded(ev):
    assert ev.options["overridden"] == ["permutations"]
    other = ev.with_options(covariates=["prior"], adjustment="lin", alpha=0.1)
    assert other.config.analysis.covariates == ("prior",)
    assert other.options["overridden"] == ["adjustment", "alpha", "covariates", "permutations"]
    assert other.provenance["options"]["adjustment"] == "lin"
    assert set(other.coefficients["term"]) == {"prior"}
    a = ev.effects.set_index(["site", "arm"])["estimate"]
    b = other.effects.set_index(["site", "arm"])["estimate"]
    assert not (a == b).all()
    # the original is untouched: results are immutable
    assert ev.config.analysis.covariates == ("age", "prior")
    # an override of a sensitivity run keeps the earlier ones
    third = other.with_options(alpha=0.2)
    assert third.config.analysis.adjustment == "lin" and third.config.analysis.alpha == 0.2


@pytest.mark.slow
def test_outcomes_select_the_estimates():
    ev = trustexp.evaluate(demo=True, permutations=0, outcomes=["exit_to_work_24m"])
    assert set(ev.effects["outcome"]) == {"exit_to_work_24m"}


@pytest.mark.slow
def test_cli_uses_the_same_checks(capsys):
    rc = main(["estimate", str(REFERENCE), "--alpha", "1,5"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "The 'alpha' parameter of evaluate must be a float in (0, 1). Got 1.5 instead." in err
    assert "Traceback" not in err
    rc = main(["estimate", str(REFERENCE), "--format", "json", "--permutations", "0",
               "--covariates", "prior", "--alpha", "0,1"])
    out = capsys.readouterr().out
    assert rc == 0
    got = json.loads(out)["effects"]
    want = trustexp.evaluate(REFERENCE, covariates=["prior"], alpha=0.1, permutations=0)
    assert [r["ci_low"] for r in got] == [r["ci_low"] for r in want.to_dict()["effects"]]
