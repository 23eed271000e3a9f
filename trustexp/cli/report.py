"""``trustexp report``: evaluate a trial and write its self-contained HTML report."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import click

from trustexp._message import text as _t
from trustexp.cli._options import (
    analysis_options,
    evaluate_kwargs,
    execution_options,
    option_flags,
)
from trustexp.errors import EXIT_OK, OptionError

__all__ = ["command"]


class _Progress:
    """A progress bar on standard error for the slow steps; silent unless stderr is a terminal."""

    def __init__(self, enabled: bool, file: Any = None) -> None:
        self.enabled = enabled
        self.file = file
        self.bar: Any = None

    def phase(self, description: str, total: int | None = None) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        self.close()
        self.bar = tqdm(total=total, desc=description, file=self.file or sys.stderr,
                        leave=False, unit="step", dynamic_ncols=True)

    def estimating(self, step: str, done: int, total: int) -> None:
        if self.bar is None:
            return
        if self.bar.total != total:
            self.bar.total = total
        self.bar.set_postfix_str(step, refresh=False)
        self.bar.update(done - self.bar.n)

    def rendering(self, name: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(name, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _command_line(trial_dir: Path | None, demo: bool, output: Path, options: dict[str, Any]) -> str:
    args = ["trustexp", "report"]
    args += ["--demo"] if demo else [str(trial_dir)]
    args += ["-o", str(output)]
    for flag, value in options.items():
        if value is not None:
            args += [flag, str(value)]
    return shlex.join(args)


@click.command("report")
@click.argument("trial_dir", required=False, type=click.Path(path_type=Path))
@click.option("--demo", is_flag=True, help="Report on the embedded demo trial.")
@click.option(
    "--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help="The report to write (replaced atomically): HTML, or Word with a .docx name.",
)
@click.option("--format", "fmt", type=click.Choice(["html", "docx"]), default=None,
              help="html or docx (an editable Word document); default from OUTPUT's suffix.")
@click.option("--csv-dialect", type=click.Choice(["nl", "en", "plain"]), default=None,
              help="CSV files of --export: nl (semicolon, decimal comma, UTF-8 with BOM), en, "
                   "or plain (comma, no BOM); default the report language's.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default=None,
              help="Report language (default: language in trial.toml).")
@click.option(
    "--export", "export_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Also write every table (CSV, XLSX), figure (SVG, PNG) and results.json to this new "
    "folder.",
)
@click.option(
    "--template-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None, help="Folder of templates that replace packaged ones of the same name.",
)
@click.option(
    "--permutations", type=click.IntRange(min=0), default=None,
    help="Re-randomisations for randomisation inference (default: [analysis] permutations).",
)
@click.option("--min-cell", type=click.IntRange(min=0), default=None,
              help="Smallest group shown (default: [analysis] min_cell, 10; 0: no protection, "
                   "said on the report's first page).")
@click.option("--quiet", "-q", is_flag=True,
              help="No progress bar and no closing line (the path and a one-line summary).")
@analysis_options
@execution_options()
def command(
    trial_dir: Path | None, demo: bool, output: Path, lang: str | None, export_dir: Path | None,
    template_dir: Path | None, permutations: int | None, min_cell: int | None, quiet: bool,
    fmt: str | None = None, csv_dialect: str | None = None, **options: str | None,
) -> int:
    """Evaluate the trial in TRIAL_DIR and write its HTML report to OUTPUT.

    The report is one self-contained HTML file (no scripts, no external
    requests) in Dutch or English, with every count below min_cell suppressed.
    Exit codes: 0 success, 1 the data break the contract (the validation report
    is printed and no report is written), 2 the command could not run.
    """
    from trustexp._atomic import check_output
    from trustexp.evaluation import evaluate
    from trustexp.reporting import report
    from trustexp.reporting.export import check_export_dir

    if demo and trial_dir is not None:
        raise OptionError(_t("cli.demo_and_folder"))
    if not demo and trial_dir is None:
        raise OptionError(_t("cli.no_folder"))
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise OptionError(_t("write.no_folder", path=output, folder=folder))
    if export_dir is not None:
        check_export_dir(export_dir)
    if trial_dir is not None:  # before the work; the input files are checked once they are known
        check_output(output, what="--output", folder=trial_dir)
        if export_dir is not None:
            check_output(export_dir, what="--export", folder=trial_dir)
    line = _command_line(trial_dir, demo, output, {
        "--lang": lang, "--export": export_dir, "--template-dir": template_dir,
        "--permutations": permutations, "--min-cell": min_cell, "--format": fmt,
        "--csv-dialect": csv_dialect, **option_flags(options),
    })
    from trustexp.texts import catalogue, language

    texts = catalogue("cli", language(lang))
    progress = _Progress(enabled=not quiet and sys.stderr.isatty())
    try:
        progress.phase(texts["message.loading"])
        ev = evaluate(trial_dir, demo=demo, permutations=permutations, command=line,
                      **evaluate_kwargs(options),
                      progress=progress.estimating if progress.enabled else None)
        from trustexp.reporting.sections import section_names

        progress.phase(texts["message.rendering"],
                       total=None if export_dir else len(section_names()) + 1)
        report(ev, output, lang=lang, template_dir=template_dir, export_dir=export_dir,
               min_cell=min_cell, progress=progress.rendering if progress.enabled else None,
               format=fmt, csv_dialect=csv_dialect)
    finally:
        progress.close()
    if not quiet:
        from trustexp.reporting.summary_line import summary_line

        click.echo(f"{output}: {summary_line(ev, min_cell=min_cell, lang=lang)}")
    return EXIT_OK
