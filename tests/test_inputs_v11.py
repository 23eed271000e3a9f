"""Contract v1.1 on the data side (issue 9): every example of the issue's "Why", corrected.

Exports as they come ([columns], codes, value labels, user-missing values), BSNs
anywhere, pseudonymise, messages grouped with true counts, categorical covariates and
[analysis] cluster (against R, tests/reference/inputs_v11.R), and the v1.1 examples of
the contract.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TRIAL_TOML, trial_tables

import trustexp
from trustexp.bsn import is_bsn
from trustexp.config import TrialConfig
from trustexp.errors import InputError, TrustexpError
from trustexp.pseudonym import PseudonymRefused, key_from, normalise_id, pseudonym
from trustexp.validation import validate
from trustexp.validation._config import check_config

KEY = "a-long-enough-secret-key-0123456789"
REF = Path(__file__).parent / "reference"


# -- BSNs anywhere ------------------------------------------------------------------
@pytest.mark.parametrize(
    "written",
    ["123456782", "1234.56.782", "123-45-6782", "123 45 6782", "123 456 782", "123456782.0",
     "12345\u200b6782", "\ufeff123456782", "１２３４５６７８２", "١٢٣٤٥٦٧٨٢", " 123456782 "],
)
def test_bsn_in_every_written_form(written):
    assert is_bsn(written)


@pytest.mark.parametrize("text", ["123456789", "12345678", "2019-03-18", "18-03-2019", "1234567.82", "P0001", ""])
def test_not_a_bsn(text):
    assert not is_bsn(text)


def test_bsn_columns_anywhere_named_with_count_never_values(make_trial):
    t = trial_tables()
    n = len(t["participants"])
    t["participants"]["BSN"] = ["1234.56.782"] * 3 + ["123-45-6782"] * 2 + [""] * (n - 5)
    t["participants"]["vol"] = ["９" * 9] * n  # nine full-width digits: no crash, not a BSN
    t["monthly"]["extra"] = "123456782.0"
    t["survey"]["bsn_again"] = "12345\u200b6782"
    report = validate(make_trial(tables=t))
    bsn = {(p.table, p.column): p for p in report.errors if p.rule == "bsn"}
    assert set(bsn) == {("participants", "BSN"), ("monthly", "extra"), ("survey", "bsn_again")}
    assert "5 values" in bsn[("participants", "BSN")].message
    assert bsn[("participants", "BSN")].row == 1
    text = report.to_text() + report.to_json()
    for value in ("1234.56.782", "123-45-6782", "123456782"):
        assert value not in text


def test_leftover_numeric_bsn_column_of_spss(tmp_path):
    import pyreadstat

    t = trial_tables()
    p = t["participants"].copy()
    p["BSN"] = 123456782.0
    folder = tmp_path / "t"
    folder.mkdir()
    pyreadstat.write_sav(p, str(folder / "participants.sav"))
    (folder / "trial.toml").write_text(TRIAL_TOML.split("[[outcomes]]\nid = \"exit_6m\"")[0], "utf-8")
    report = validate(folder)
    assert [(e.column, e.rule) for e in report.errors] == [("BSN", "bsn")]


# -- [columns], case-insensitive names, codes and value labels ----------------------
def _export_toml(extra: str = "") -> str:
    head = TRIAL_TOML.split("[[outcomes]]\nid = \"exit_6m\"")[0]
    head = head.replace('control = { label = "Control", kind = "control" }',
                        'control = { label = "Control", kind = "control", code = 1 }')
    head = head.replace('treated = { label = "Extra guidance", kind = "intensive_guidance" }',
                        'treated = { label = { nl = "Extra begeleiding", en = "Extra guidance" }, kind = "intensive_guidance", code = 2 }')
    return head + extra


def test_column_mapping_codes_and_case(make_trial):
    t = trial_tables()
    p = t["participants"].rename(columns={"person_id": "Clientnummer", "arm": "groep", "site": "SITE"})
    p["groep"] = p["groep"].map({"control": "1", "treated": "2", "reference": "Declined"})
    toml = _export_toml('\n[columns.participants]\nperson_id = "clientnummer"\narm = "groep"\n')
    folder = make_trial(toml=toml, tables={"participants": p})
    report = validate(folder)
    assert report.valid, report.to_text()
    trial = trustexp.load_trial(folder)
    assert set(trial.participants["arm"]) == {"control", "treated", "reference"}
    assert list(trial.participants.columns[:3]) == ["person_id", "site", "arm"]


def test_missing_mapped_column_lists_the_columns_present(make_trial):
    t = trial_tables()
    toml = _export_toml('\n[columns.participants]\nperson_id = "clientnr"\n')
    p = t["participants"].rename(columns={"person_id": "clientnummer"})
    report = validate(make_trial(toml=toml, tables={"participants": p}))
    msg = next(e.message for e in report.errors if e.rule == "mapped-column")
    assert "did you mean 'clientnummer'" in msg and "columns present: 'clientnummer', 'site'" in msg
    req = next(e.message for e in report.errors if e.rule == "required-column")
    assert "columns present" in req and "[columns.participants]" in req


def test_spss_value_labels_categorical_and_user_missing(tmp_path):
    import pyreadstat

    t = trial_tables()
    p = t["participants"].copy()
    p["arm"] = p["arm"].map({"control": 5.0, "treated": 6.0, "reference": 7.0})
    p["sex"] = np.where(np.arange(len(p)) % 2 == 0, 1.0, 2.0)
    p.loc[[0, 1, 2], "age"] = 999.0
    folder = tmp_path / "t"
    folder.mkdir()
    pyreadstat.write_sav(
        p, str(folder / "participants.sav"),
        variable_value_labels={"arm": {5.0: "control", 6.0: "Extra guidance", 7.0: "Declined"},
                               "sex": {1.0: "man", 2.0: "vrouw"}},
        missing_ranges={"age": [999.0]},
    )
    toml = TRIAL_TOML.split("[[outcomes]]\nid = \"exit_6m\"")[0].replace(
        'covariates = ["age"]', 'covariates = ["age", "sex"]\ncategorical = ["sex"]')
    (folder / "trial.toml").write_text(toml, "utf-8")
    report = validate(folder)
    assert report.valid, report.to_text()
    (um,) = [w for w in report.warnings if w.rule == "user-missing"]
    assert um.column == "age" and um.message.startswith("3 values")
    ev = trustexp.evaluate(folder)
    bal = ev.balance
    sex = bal[(bal["site"] == "all") & (bal["variable"] == "sex")]
    assert set(sex["level"]) == {"man", "vrouw"}  # a coded covariate is shares, not 1.58 (0.50)
    people = trustexp.load_trial(folder).participants
    treated = people[people["arm"] == "treated"]
    share = float((treated["sex"] == "man").mean())
    assert sex[sex["level"] == "man"]["mean_arm"].iloc[0] == pytest.approx(share, rel=1e-12)
    age = bal[(bal["site"] == "all") & (bal["covariate"] == "age")]
    missing = people.loc[people["arm"].isin(["control", "treated"]), "age"].isna().sum()
    assert int(age["n_missing_arm"].sum() / len(age)) + int(age["n_missing_control"].iloc[0]) == missing


def test_text_covariate_is_accepted_as_categorical(make_trial):
    t = trial_tables()
    t["participants"]["education"] = np.where(np.arange(48) % 3 == 0, "hbo", "mbo")
    refused = validate(make_trial("a", toml=TRIAL_TOML.replace('["age"]', '["age", "education"]'), tables=t))
    err = next(e for e in refused.errors if e.column == "education")
    assert err.rule == "type" and "categorical" in refused.to_text()
    toml = TRIAL_TOML.replace('["age"]', '["age", "education"]\ncategorical = ["education"]')
    assert validate(make_trial("b", toml=toml, tables=trial_tables() | {"participants": t["participants"]})).valid


# -- categorical covariates and [analysis] cluster, against R ----------------------
_REF_TOML = """\
[trial]
name = "v1.1 reference"
control_arm = "control"

[arms]
control = { label = "Control", kind = "control" }
guidance = { label = "Guidance", kind = "intensive_guidance" }
exemption = { label = "Exemption", kind = "exemption" }

[analysis]
covariates = ["age", "educ"]
categorical = ["educ"]
{cluster}

[[outcomes]]
id = "income"
column = "income"
"""


@pytest.mark.parametrize("variant", ["cr2_village", "hc2"])
@pytest.mark.slow
def test_categorical_and_analysis_cluster_match_r(tmp_path, variant):
    ref = json.loads((REF / "inputs_v11.json").read_text())
    folder = tmp_path / variant
    folder.mkdir()
    shutil.copy(REF / "inputs_v11_trial" / "participants.csv", folder / "participants.csv")
    cluster = 'cluster = "village"' if variant == "cr2_village" else ""
    (folder / "trial.toml").write_text(_REF_TOML.replace("{cluster}", cluster), "utf-8")
    report = validate(folder)
    assert report.valid, report.to_text()  # villages span arms: fine for [analysis] cluster
    effects = trustexp.evaluate(folder).to_frame()
    pooled = effects[effects["site"] == "all"].set_index("arm")
    for arm, want in ref[variant].items():
        got = pooled.loc[arm]
        for key in ("estimate", "std_error", "df", "p_value", "ci_low", "ci_high"):
            assert got[key] == pytest.approx(want[key], rel=1e-8), (arm, key)
        assert got["se_type"] == ("CR2" if variant == "cr2_village" else "HC2")
    bal = trustexp.evaluate(folder).balance
    educ = bal[(bal["variable"] == "educ") & (bal["arm"] == "guidance")].set_index("level")
    for level, share in ref["shares"]["guidance"].items():
        assert educ.loc[level, "mean_arm"] == pytest.approx(share, rel=1e-12)
    for level, share in ref["shares"]["control"].items():
        assert educ.loc[level, "mean_control"] == pytest.approx(share, rel=1e-12)


def test_randomisation_cluster_spanning_arms_points_to_analysis_cluster(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    shutil.copy(REF / "inputs_v11_trial" / "participants.csv", folder / "participants.csv")
    toml = _REF_TOML.replace("{cluster}", "").replace("[analysis]", '[randomisation]\ncluster = "village"\n\n[analysis]')
    (folder / "trial.toml").write_text(toml, "utf-8")
    report = validate(folder)
    spans = [e for e in report.errors if e.rule == "cluster-arm"]
    assert spans and all("[analysis] cluster" in e.message for e in spans)


def test_allocation_warning_counts_clusters(make_trial):
    t = trial_tables(n=96)
    p = t["participants"]
    # 6 clusters of control, 2 of treated, 12 people each: 72 against 24 people is far from
    # equal allocation (chi-square p ~ 1e-6), 6 against 2 clusters is not (p = 0.16)
    p["cluster"] = [f"c{i // 12}" for i in range(len(p))]
    p["arm"] = np.where(p["cluster"].isin(["c0", "c1"]), "treated", "control")
    p["site"] = "Tilburg"
    p["stratum"] = "a"
    toml = TRIAL_TOML.replace('strata = ["site", "stratum"]', 'cluster = "cluster"').split("[[outcomes]]\nid = \"exit_6m\"")[0]
    report = validate(make_trial("clustered", toml=toml, tables={"participants": p}))
    assert report.valid, report.to_text()
    assert [w for w in report.warnings if w.rule == "allocation"] == []
    people = validate(make_trial("people", toml=toml.replace('cluster = "cluster"', ""), tables={"participants": p}))
    (warn,) = [w for w in people.warnings if w.rule == "allocation"]
    assert "in people (treated: 24, control: 72)" in warn.message


# -- messages: grouped, true counts, spreadsheet rows, Dutch --------------------------
def test_messages_grouped_with_true_counts_and_spreadsheet_rows(make_trial):
    t = trial_tables(n=48)
    months = [f"{y}-{m:02d}" for y in (2019, 2020, 2021) for m in range(1, 13)]
    ids = t["participants"]["person_id"]
    t["monthly"] = pd.DataFrame({
        "person_id": np.repeat(ids, len(months)), "month": np.tile(months, len(ids)),
        "on_benefit": 1, "employed": 0, "hours": 900.0,
    })
    t["participants"]["randomised_on"] = pd.to_datetime(t["participants"]["randomised_on"]).dt.strftime("%d/%m/%Y")
    report = validate(make_trial(tables=t))
    n = len(t["monthly"])
    assert report.count("monthly", "hours", "maximum") == n > 1000
    data = report.to_dict()
    counts = {(c["table"], c["column"], c["rule"]): c["count"] for c in data["counts"]}
    assert counts[("monthly", "hours", "maximum")] == n
    assert counts[("participants", "randomised_on", "type")] == 48
    text = report.to_text(lang="nl")
    assert f"Fouten ({n + 48} in 2 groepen)" in text
    assert "48 rijen: datums niet in een geaccepteerde vorm [type]" in text
    assert "48 geschreven als DD/MM/YYYY; geaccepteerd: YYYY-MM-DD, DD-MM-YYYY" in text
    assert "1 (spreadsheetrij 2)" in text and "oplossing:" in text
    english = report.to_text(lang="en")
    assert f"Errors ({n + 48} in 2 groups)" in english and "spreadsheet row 2" in english


# -- pseudonymise -------------------------------------------------------------------
def test_ids_are_normalised_before_hashing():
    assert normalise_id("010000008") == normalise_id("10000008") == normalise_id("10000008.0")
    assert normalise_id(" X1\u200b") == "X1"
    assert pseudonym("010000008", KEY) == pseudonym("10000008", KEY)


def test_text_and_numeric_ids_join_after_pseudonymise(make_trial, tmp_path):
    t = trial_tables()
    t = {k: v for k, v in t.items() if k in ("participants", "monthly")}
    ids = {f"P{i:04d}": f"0{10000000 + i}" for i in range(48)}
    for frame in t.values():
        frame["person_id"] = frame["person_id"].map(ids)
    toml = TRIAL_TOML.replace("[[takeup]]\narm = \"treated\"\ncolumn = \"received\"\n", "")
    toml = toml.split("[[outcomes]]\nid = \"wellbeing_t1\"")[0]
    folder = make_trial(toml=toml, tables=t)
    m = pd.read_csv(folder / "monthly.csv", dtype=str)
    m["person_id"] = m["person_id"].str.lstrip("0")  # the panel stored them as numbers
    m.to_csv(folder / "monthly.csv", index=False)
    out = tmp_path / "out"
    trustexp.pseudonymise(folder, out, key=KEY)
    assert validate(out).valid, validate(out).to_text()


def test_colliding_ids_are_refused(make_trial, tmp_path):
    t = trial_tables()
    t["participants"].loc[1, "person_id"] = " " + t["participants"].loc[0, "person_id"]
    folder = make_trial(tables={"participants": t["participants"]},
                        toml=TRIAL_TOML.split("[[outcomes]]\nid = \"exit_6m\"")[0])
    with pytest.raises(PseudonymRefused, match="same pseudonym"):
        trustexp.pseudonymise(folder, tmp_path / "out", key=KEY)
    assert not (tmp_path / "out").exists()


def test_bsn_columns_quasi_identifiers_and_formats(make_trial, tmp_path):
    t = trial_tables()
    p = t["participants"]
    p["BSN"] = "123456782"
    p["geboortedatum"] = "1970-01-01"
    p["postcode"] = "5000 AA"
    folder = make_trial(tables={"participants": p}, toml=TRIAL_TOML.split("[[outcomes]]\nid = \"exit_6m\"")[0])
    with pytest.raises(PseudonymRefused, match="BSN"):
        trustexp.pseudonymise(folder, tmp_path / "a", key=KEY)
    res = trustexp.pseudonymise(folder, tmp_path / "b", key=KEY, bsn_columns="replace")
    assert res.replaced == (("participants", "BSN"),)
    assert set(res.quasi_identifiers) == {("participants", "geboortedatum"), ("participants", "postcode")}
    out = pd.read_csv(tmp_path / "b" / "participants.csv", dtype=str)
    assert out["BSN"].iloc[0] == pseudonym("123456782", KEY)
    assert "postcode" in res.summary("nl") and "Waarschuwing" in res.summary("nl")
    res = trustexp.pseudonymise(folder, tmp_path / "c", key=KEY, bsn_columns="drop", drop_quasi_identifiers=True)
    cols = pd.read_csv(tmp_path / "c" / "participants.csv", nrows=1).columns
    assert {"BSN", "geboortedatum", "postcode"}.isdisjoint(cols)
    assert validate(tmp_path / "c").valid


def test_xlsx_and_spss_stay_and_validate(make_trial, tmp_path):
    t = trial_tables()
    toml = TRIAL_TOML.replace("[[takeup]]\narm = \"treated\"\ncolumn = \"received\"\n", "")
    toml = toml.split("[[outcomes]]\nid = \"exit_6m\"")[0]
    folder = make_trial(toml=toml, tables={"participants": t["participants"]})
    frame = pd.read_csv(folder / "participants.csv", dtype=str)
    frame["randomised_on"] = pd.to_datetime(frame["randomised_on"])  # Excel dates
    frame["age"] = pd.to_numeric(frame["age"])
    (folder / "participants.csv").unlink()
    frame.to_excel(folder / "participants.xlsx", index=False)
    assert validate(folder).valid, validate(folder).to_text()
    out = tmp_path / "out"
    res = trustexp.pseudonymise(folder, out, key=KEY)
    assert res.formats["participants"] == ("xlsx", "xlsx")
    assert validate(out).valid, validate(out).to_text()


def test_key_file_is_read_bounded_and_checked(tmp_path, make_trial):
    with pytest.raises(TrustexpError, match="larger than 4096 bytes|not a regular file"):
        key_from(Path("/dev/zero"))
    weak = tmp_path / "k"
    weak.write_bytes(b"a" * 40)
    with pytest.raises(TrustexpError, match="not a secret"):
        trustexp.pseudonymise(make_trial(), tmp_path / "o", key=key_from(weak))


def test_output_inside_input_is_refused(make_trial):
    folder = make_trial()
    with pytest.raises(InputError, match="inside the input folder"):
        trustexp.pseudonymise(folder, folder / "pseudo", key=KEY)


# -- the contract's v1.1 examples ------------------------------------------------------
CONTRACT_V11 = """\
[trial]
name = "Vertrouwen in de bijstand"
control_arm = "control"
language = "nl"

[arms]
control = { label = "Controlegroep", kind = "control", code = 1 }
exemption = { label = "Ontheffing", kind = "exemption", code = 2 }
guidance = { label = { nl = "Intensieve begeleiding", en = "Intensive guidance" }, kind = "intensive_guidance" }

[columns.participants]
person_id = "clientnummer"
arm = "groep"
randomised_on = "datum_loting"
site = "gemeente"

[families]
work = { label = { nl = "Werk", en = "Work" } }

[labels]
age = { nl = "Leeftijd", en = "Age" }

[analysis]
cluster = "village"
categorical = ["education"]
covariates = ["age", "education"]

[[outcomes]]
id = "exit_work_18m"
source = "monthly"
measure = "exit_to_work"
window_months = 18
family = "work"
label = { nl = "Uitstroom naar werk", en = "Exit to work" }

[[outcomes]]
id = "exit_after"
measure = "exit_to_work"
window = [25, 36]
family = "work"
"""


def test_contract_v11_examples_are_accepted():
    raw = tomllib.loads(CONTRACT_V11)
    problems, _, plan = check_config(raw)
    assert problems == []
    cfg = TrialConfig.from_dict(raw)
    assert cfg.arm("exemption").code == "2"
    assert cfg.arm("guidance").label_in("en") == "Intensive guidance"
    assert cfg.arm("guidance").label_in("nl") == "Intensieve begeleiding"
    assert cfg.family_label("work", "en") == "Work" and cfg.column_label("age", "nl") == "Leeftijd"
    assert cfg.analysis.cluster == "village" and cfg.se_cluster == "village" and cfg.cluster is None
    assert cfg.analysis.standard_errors == "CR2"  # the default with a cluster
    assert cfg.outcomes[1].window == (25, 36) and cfg.outcomes[0].window == (1, 18)
    assert plan.columns["participants"]["arm"] == "groep" and plan.arm_codes == {"1": "control", "2": "exemption"}
    assert plan.categorical == ("education",)


def test_v1_folders_still_validate():
    assert validate(demo=True).valid
    assert validate(REF / "evaluation_trial").valid


def test_a_missing_window_names_both_forms():
    raw = tomllib.loads(CONTRACT_V11.replace("window = [25, 36]\n", ""))
    problems, _, _ = check_config(raw)
    (p,) = problems
    assert p.rule == "required" and "window_months" in p.message and "window = [A, B]" in p.message


def test_messages_name_the_export_column(make_trial):
    t = trial_tables()
    p = t["participants"].rename(columns={"arm": "groep"})
    p.loc[0, "groep"] = "nope"
    toml = _export_toml('\n[columns.participants]\narm = "groep"\n')
    report = validate(make_trial(toml=toml, tables={"participants": p}))
    assert "participants, kolom arm ('groep' in de export)" in report.to_text(lang="nl")


def test_stata_labels_are_kept(tmp_path):
    import pyreadstat

    t = trial_tables()
    p = t["participants"].copy()
    p["arm"] = p["arm"].map({"control": 1, "treated": 2, "reference": 3}).astype(float)
    folder = tmp_path / "t"
    folder.mkdir()
    labels = {"arm": {1: "Control", 2: "Extra guidance", 3: "Declined"}}
    pyreadstat.write_dta(p, str(folder / "participants.dta"), variable_value_labels=labels)
    (folder / "trial.toml").write_text(TRIAL_TOML.split("[[outcomes]]\nid = \"exit_6m\"")[0], "utf-8")
    assert validate(folder).valid
    res = trustexp.pseudonymise(folder, tmp_path / "o", key=KEY)
    assert res.formats["participants"] == ("dta", "dta")
    assert validate(tmp_path / "o").valid
    _, meta = pyreadstat.read_dta(str(tmp_path / "o" / "participants.dta"))
    assert meta.variable_value_labels == labels


@pytest.mark.slow
def test_randomisation_inference_with_analysis_cluster_redraws_people(tmp_path):
    """[analysis] cluster: re-randomisations re-draw what was randomised (people, not villages),
    and each draw's t uses CR2 by village; checked against a loop that refits every draw."""
    from trustexp.analysis.samples import analysis_samples
    from trustexp.stats import draw_assignments, estimate_itt

    folder = tmp_path / "ri"
    folder.mkdir()
    shutil.copy(REF / "inputs_v11_trial" / "participants.csv", folder / "participants.csv")
    (folder / "trial.toml").write_text(
        _REF_TOML.replace("{cluster}", 'cluster = "village"\npermutations = 200'), "utf-8")
    ev = trustexp.evaluate(folder)
    got = ev.to_frame().set_index("arm")["p_value_ri"]
    trial = trustexp.load_trial(folder)
    (s,) = analysis_samples(trial.config, trial.participants)
    assert s.design_clusters is None and s.clusters is not None
    y = trial.participants["income"].to_numpy(dtype=float)[s.rows]
    draws = draw_assignments(s.arm, strata=s.blocks, clusters=None, draws=200, seed=s.seed)
    villages = pd.Series(trial.participants["village"].to_numpy()[s.rows])
    assert any(villages.groupby(d).nunique().min() > 0 and
               (pd.crosstab(villages, d) > 0).sum(axis=1).max() > 1 for d in draws[:3])

    def t_stat(arm):
        r = estimate_itt(y, arm, n_arms=3, covariates=s.covariates, clusters=s.clusters, se_type="CR2")
        return np.abs(r.statistic)

    t_obs = t_stat(s.arm)
    exceed = sum((t_stat(d.astype(np.int64)) >= t_obs - 1e-12).astype(int) for d in draws)
    for k, arm in enumerate([a.id for a in s.arms]):
        assert got[arm] == pytest.approx((1 + exceed[k]) / 201, rel=1e-12)


def test_a_text_column_of_bsns_without_leading_zeros_is_refused(make_trial):
    """A Dutch CSV whose BSN column Excel stored as numbers: 8-digit texts that all pass."""
    rng = np.random.default_rng(3)
    zero_led: list[int] = []
    while len(zero_led) < 48:  # BSNs starting with 0: as numbers they have 8 digits
        d = rng.integers(0, 10, 9)
        d[0], d[1] = 0, rng.integers(1, 10)
        if int(d @ np.array([9, 8, 7, 6, 5, 4, 3, 2, -1])) % 11 == 0:
            zero_led.append(int("".join(map(str, d))))
    assert all(len(str(b)) == 8 for b in zero_led)
    t = trial_tables()
    p = t["participants"].iloc[: len(zero_led)].copy()
    p["bsn_excel"] = [str(b) for b in zero_led]  # 8 digits, the zero lost
    p["random_ids"] = [f"{x:08d}" for x in rng.integers(10_000_000, 99_999_999, len(p))]
    p["compact_date"] = pd.to_datetime(p["randomised_on"]).dt.strftime("%Y%m%d")
    report = validate(make_trial(tables={"participants": p},
                                 toml=TRIAL_TOML.split("[[outcomes]]\nid = \"exit_6m\"")[0]))
    assert [(e.column, e.rule) for e in report.errors] == [("bsn_excel", "bsn")]
