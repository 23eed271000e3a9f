"""The jinja2 environment of the report and the rendering of the HTML page.

Templates are looked up first in the user's folder (``--template-dir``), then in
the packaged ``report_templates/``: a user can replace one section partial, the
layout or the CSS without copying the rest. Autoescaping is on for every
template, so every user string (trial name, labels, site names) is text, never
markup. The CSS file is inlined into the page.

A template folder is shared between people, so its templates are untrusted
code: they run in jinja2's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment`
(no access to Python internals such as ``__globals__`` or ``__class__``, no
method that changes an object), string and list repetition is bounded, and
templates are read only from regular files inside the folder: a symbolic link
that leads outside it, a FIFO or a device is refused, and so is a file over
:data:`MAX_TEMPLATE_BYTES`.
"""

from __future__ import annotations

import operator
import os
import re
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox
from markupsafe import Markup, escape

from trustexp._version import __version__
from trustexp.errors import InputError
from trustexp.reporting.i18n import Locale
from trustexp.reporting.sections import Content, section_names
from trustexp.reporting.tables import Table
from trustexp.resources import template_dir as packaged_template_dir

__all__ = ["MAX_TEMPLATE_BYTES", "FolderLoader", "environment", "render_html"]

#: The largest template (or stylesheet) read from a template folder.
MAX_TEMPLATE_BYTES = 1 << 20
#: The longest string or list that ``*`` may build inside a template.
_MAX_REPEAT = 1 << 20

CSS_FILE = "report.css"
BASE_TEMPLATE = "base.html.j2"

_SUBSCRIPT = re.compile(r"(?<![A-Za-z0-9_])([αβγετXY]|arm)_([a-z])(?![A-Za-z0-9_])")


#: The longest label shown whole in a table cell; longer ones are cut, with the
#: whole text in the ``title`` attribute (a tooltip).
MAX_CELL_CHARS = 200


def _label(text: Any) -> Markup:
    """Escape a cell's text; cut it to :data:`MAX_CELL_CHARS` with the whole text as its title."""
    text = str(text)
    if len(text) <= MAX_CELL_CHARS:
        return Markup(escape(text))
    cut = text[: MAX_CELL_CHARS - 1].rstrip() + "\u2026"
    return Markup(f'<span title="{escape(text)}">{escape(cut)}</span>')


def _subscripts(text: str) -> Markup:
    """Escape ``text`` and write ``α_s`` as α<sub>s</sub> (catalogue text only)."""
    return Markup(_SUBSCRIPT.sub(r"\1<sub>\2</sub>", str(escape(text))))


class FolderLoader(jinja2.BaseLoader):
    """Load templates from regular files inside one folder, never through a link out of it.

    Parameters
    ----------
    folder
        The template folder. A template whose real path (links resolved) lies
        outside the folder's real path, or that is not a regular file, raises
        :class:`~trustexp.errors.InputError`; a missing one is
        :class:`jinja2.TemplateNotFound`, so that the next loader is tried.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.root = self.folder.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = jinja2.loaders.split_template_path(template)  # refuses ".."
        path = self.folder.joinpath(*pieces)
        if not (path.exists() or path.is_symlink()):
            raise jinja2.TemplateNotFound(template)
        where = f"the template {template} in {self.folder}"
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise InputError(f"{where} is a broken or looping link; refused") from None
        if not real.is_relative_to(self.root):
            raise InputError(f"{where} is a link to {real}, outside the template folder; refused")
        try:
            info = os.stat(real)
        except OSError as exc:
            raise InputError(f"cannot read {where}: {exc.strerror or exc}") from None
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{where} is not a regular file (a folder, FIFO or device); refused")
        if info.st_size > MAX_TEMPLATE_BYTES:
            raise InputError(
                f"{where} is {info.st_size} bytes; a template may have at most "
                f"{MAX_TEMPLATE_BYTES} bytes"
            )
        try:
            with open(real, "rb") as fh:
                data = fh.read(MAX_TEMPLATE_BYTES + 1)
            source = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{where} is not UTF-8 text (byte {exc.start + 1})") from None
        except OSError as exc:
            raise InputError(f"cannot read {where}: {exc.strerror or exc}") from None
        mtime = info.st_mtime
        return source, str(path), lambda: os.path.getmtime(real) == mtime


def _bounded_mul(a: Any, b: Any) -> Any:
    for seq, n in ((a, b), (b, a)):
        if isinstance(seq, str | list | tuple | bytes) and isinstance(n, int):
            if len(seq) * max(n, 0) > _MAX_REPEAT:
                raise jinja2.sandbox.SecurityError(
                    f"a template may not build a sequence longer than {_MAX_REPEAT}"
                )
    return operator.mul(a, b)


def _bounded_pow(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and abs(b) > 64 and abs(a) > 1:
        raise jinja2.sandbox.SecurityError("a template may not raise a number to a power over 64")
    return operator.pow(a, b)


class _Sandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """The sandbox, with ``*`` and ``**`` bounded (a template cannot exhaust memory by them)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "*":
            return _bounded_mul(left, right)
        if operator_ == "**":
            return _bounded_pow(left, right)
        return super().call_binop(context, operator_, left, right)


def environment(template_dir: str | Path | None = None) -> jinja2.Environment:
    """Return the jinja2 environment: user folder first, then the packaged templates.

    Parameters
    ----------
    template_dir
        A folder with templates that replace packaged ones of the same name
        (for example ``sections/summary.html.j2`` or ``report.css``).

    Raises
    ------
    InputError
        When ``template_dir`` is not a readable folder.
    """
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        folder = Path(template_dir)
        if not folder.is_dir():
            raise InputError(f"the template folder {folder} does not exist or is not a folder")
        loaders.append(FolderLoader(folder))
    loaders.append(jinja2.FileSystemLoader(str(packaged_template_dir())))
    env = _Sandbox(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["subscripts"] = _subscripts
    env.filters["label"] = _label
    return env


def _css(env: jinja2.Environment) -> Markup:
    source, _, _ = env.loader.get_source(env, CSS_FILE)  # type: ignore[union-attr]
    # The stylesheet is the template author's, not user data; only make sure it
    # cannot close the <style> element: "<" has no use in CSS outside strings and
    # comments, where the CSS escape "\3c " stands for it.
    return Markup(source.replace("<", "\\3c "))


def _tables_in(value: Any) -> list[Table]:
    """The tables held in a section's data, in the order they are listed."""
    if isinstance(value, Table):
        return [value]
    if isinstance(value, Mapping):
        return [t for v in value.values() for t in _tables_in(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _tables_in(v)]
    return []


def _repeated_notes(content: Content) -> Callable[[Table, str], bool]:
    """A test: does ``note`` under ``table`` repeat a note of an earlier table of its section?

    The print style shows such a note once, under the first table of the run.
    """
    repeats: set[tuple[int, str]] = set()
    for data in content.sections.values():
        seen: set[str] = set()
        visited: set[int] = set()
        for table in _tables_in(data):
            if id(table) in visited:
                continue
            visited.add(id(table))
            repeats.update((id(table), n) for n in table.notes if n in seen)
            seen.update(table.notes)

    def repeated(table: Table, note: str) -> bool:
        return (id(table), note) in repeats

    return repeated


def render_html(content: Content, loc: Locale, *, template_dir: str | Path | None = None) -> str:
    """Render the whole report as one HTML string.

    Parameters
    ----------
    content
        The sections, from :func:`~trustexp.reporting.sections.build_content`.
    loc
        The report language.
    template_dir
        Optional folder of templates overriding the packaged ones.
    """
    env = environment(template_dir)
    context: dict[str, Any] = {
        "lang": loc.lang,
        "t": loc.t,
        "meta": content.meta,
        "sections": content.sections,
        "section_names": section_names(),
        "version": __version__,
        "css": _css(env),
        "repeated_note": _repeated_notes(content),
    }
    try:
        html = env.get_template(BASE_TEMPLATE).render(context)
    except jinja2.TemplateError as exc:
        lineno = getattr(exc, "lineno", None)  # syntax errors carry their place, others not
        where = f" ({getattr(exc, 'filename', None)}, line {lineno})" if lineno else ""
        raise InputError(f"the report template could not be rendered{where}: {exc}") from None
    except InputError:
        raise
    except RecursionError:
        raise InputError("the report template could not be rendered: it nests or "
                         "recurses too deeply") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as exc:
        # A user's template can fail in any of these ways; packaged ones do not.
        raise InputError(
            f"the report template could not be rendered: {type(exc).__name__}: {exc}"
        ) from None
    # One trailing newline, no trailing spaces: stable bytes.
    return "\n".join(line.rstrip() for line in html.splitlines()).strip() + "\n"
