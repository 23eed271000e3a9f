"""``trustexp randomise``: assign the arms, write the certificate, or verify both."""

from __future__ import annotations

from pathlib import Path

import click

from trustexp._atomic import write_atomic
from trustexp._message import text as _t
from trustexp.errors import EXIT_CONTRACT, EXIT_OK, InputError, OptionError

__all__ = ["command"]


def _ratios(items: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise OptionError(_t("cli.ratio_form", value=repr(item)))
    return out


@click.command("randomise")
@click.argument("participants", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--output", "-o", "output", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The assignment (CSV): person_id, arm, stratum (and cluster).")
@click.option("--certificate", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The certificate (JSON; default: OUTPUT with .certificate.json).")
@click.option("--trial", "trial_toml", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="trial.toml with the arms, strata, cluster, allocation and seed "
              "(default: trial.toml beside PARTICIPANTS).")
@click.option("--strata", default=None, metavar="COL,COL",
              help="Strata columns (default: [randomisation] strata).")
@click.option("--cluster", default=None, metavar="COL",
              help="Column of the unit randomised (default: [randomisation] cluster).")
@click.option("--ratio", "ratios", multiple=True, metavar="ARM=NUMBER",
              help="Allocation ratio of an arm (default: [randomisation] allocation, else equal).")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Seed (default: [analysis] seed).")
@click.option("--verify", is_flag=True,
              help="Rerun and compare with the existing OUTPUT and certificate, byte for byte.")
def command(participants: Path, output: Path, certificate: Path | None, trial_toml: Path | None,
            strata: str | None, cluster: str | None, ratios: tuple[str, ...], seed: int | None,
            verify: bool) -> int:
    """Randomise the persons of PARTICIPANTS into the arms of trial.toml.

    The randomiser is the one randomisation inference re-draws with: the arm
    labels of a fixed allocation permuted within each stratum (whole clusters
    when clustered). Exit codes: 0 success (or verified), 1 --verify found a
    difference, 2 the command could not run.
    """
    from trustexp.config import TrialConfig
    from trustexp.planning.randomise import randomise_table
    from trustexp.readers import read_table
    from trustexp.validation._config import check_config, read_toml

    cert_path = certificate or output.with_name(output.stem + ".certificate.json")
    toml = trial_toml or participants.parent / "trial.toml"
    if not participants.is_file():
        raise InputError(_t("cli.no_such_file", path=participants))
    if output.resolve() == participants.resolve() or cert_path.resolve() == participants.resolve():
        raise OptionError(_t("cli.randomise_overwrite"))
    raw = read_toml(toml)
    problems, pruned, _ = check_config(raw)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        from trustexp.errors import ContractError
        from trustexp.validation._report import ValidationReport

        raise ContractError(ValidationReport(errors=tuple(errors), files={"trial.toml": toml}))
    cfg = TrialConfig.from_dict(pruned, toml.parent)
    frame = read_table(participants, "participants").data.to_pandas()
    reference = {a.id for a in cfg.reference_arms}
    if "arm" in frame.columns and reference:
        frame = frame[~frame["arm"].astype(str).isin(reference)]
    arms = [cfg.control_arm, *[a.id for a in cfg.treatment_arms]]
    strata_cols = (tuple(s.strip() for s in strata.split(",") if s.strip()) if strata is not None
                   else cfg.strata)
    alloc = dict(cfg.raw.get("randomisation", {}).get("allocation", {}) or {})
    alloc.update(_ratios(ratios))
    result = randomise_table(
        frame, arms=arms, seed=cfg.analysis.seed if seed is None else seed, strata=strata_cols,
        cluster=cluster if cluster is not None else cfg.cluster, ratios=alloc,
        table=participants.name,
    )
    data, cert = result.csv_bytes(), result.certificate_json().encode("utf-8")
    if verify:
        problems_found = []
        for path, want in ((output, data), (cert_path, cert)):
            try:
                have = path.read_bytes()
            except OSError as exc:
                raise InputError(_t("readers.os_error", path=path, reason=exc.strerror or exc)) from None
            if have != want:
                problems_found.append(str(path))
        if problems_found:
            click.echo("trustexp: the rerun differs from " + " and ".join(problems_found)
                       + " (a different input, seed, design or trustexp/numpy version)", err=True)
            return EXIT_CONTRACT
        click.echo(f"verified: {output} and {cert_path} are what this input, design and seed give "
                   f"(output SHA-256 {result.certificate['output_sha256']})")
        return EXIT_OK
    write_atomic(output, data)
    write_atomic(cert_path, cert)
    click.echo(f"randomised {result.certificate['n']} persons into {len(arms)} arms: "
               f"{output}, certificate {cert_path}")
    return EXIT_OK
