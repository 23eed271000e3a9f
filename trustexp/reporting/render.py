"""The jinja2 environment of the report and the rendering of the HTML page.

Templates are looked up first in the user's folder (``--template-dir``), then in
the packaged ``report_templates/``: a user can replace one section partial, the
layout or the CSS without copying the rest. Autoescaping is on for every
template, so every user string (trial name, labels, site names) is text, never
markup. The CSS file is inlined into the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from trustexp._version import __version__
from trustexp.errors import InputError
from trustexp.reporting.i18n import Locale
from trustexp.reporting.sections import Content, section_names
from trustexp.resources import template_dir as packaged_template_dir

__all__ = ["environment", "render_html"]

CSS_FILE = "report.css"
BASE_TEMPLATE = "base.html.j2"

_SUBSCRIPT = re.compile(r"(?<![A-Za-z0-9_])([αβγετXY]|arm)_([a-z])(?![A-Za-z0-9_])")


def _subscripts(text: str) -> Markup:
    """Escape ``text`` and write ``α_s`` as α<sub>s</sub> (catalogue text only)."""
    return Markup(_SUBSCRIPT.sub(r"\1<sub>\2</sub>", str(escape(text))))


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
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.FileSystemLoader(str(packaged_template_dir())))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["subscripts"] = _subscripts
    return env


def _css(env: jinja2.Environment) -> Markup:
    source, _, _ = env.loader.get_source(env, CSS_FILE)  # type: ignore[union-attr]
    # The stylesheet is the template author's, not user data; only make sure it
    # cannot close the <style> element: "<" has no use in CSS outside strings and
    # comments, where the CSS escape "\3c " stands for it.
    return Markup(source.replace("<", "\\3c "))


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
    }
    try:
        html = env.get_template(BASE_TEMPLATE).render(context)
    except jinja2.TemplateError as exc:
        where = f" ({exc.filename}, line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise InputError(f"the report template could not be rendered{where}: {exc}") from exc
    # One trailing newline, no trailing spaces: stable bytes.
    return "\n".join(line.rstrip() for line in html.splitlines()).strip() + "\n"
