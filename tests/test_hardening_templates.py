"""Issue 14, item 1: a shared template folder cannot run code or read files outside it."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from trustexp.errors import InputError
from trustexp.reporting.render import MAX_TEMPLATE_BYTES, FolderLoader, environment

ATTACKS = [
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ self._TemplateReference__context }}",
    "{{ t.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{% set x = [].append(1) %}{{ x }}",  # immutable sandbox: no method that changes an object
    "{{ 'a' * 100000000 }}",
    "{{ [0] * 100000000 }}",
    "{{ 7 ** 100000000 }}",
]


def _render(folder: Path, name: str = "page.html.j2") -> str:
    return environment(folder).get_template(name).render(t=lambda k: k)


@pytest.mark.parametrize("source", ATTACKS)
def test_template_attacks_are_refused(tmp_path, source):
    (tmp_path / "page.html.j2").write_text(source, "utf-8")
    with pytest.raises(jinja2.TemplateError):
        _render(tmp_path)


@pytest.mark.slow
def test_a_command_in_a_section_template_ends_in_a_message_and_runs_nothing(tmp_path, make_trial):
    from trustexp.cli import main

    trial = make_trial()
    templates = tmp_path / "templates" / "sections"
    templates.mkdir(parents=True)
    witness = tmp_path / "ran"
    (templates / "summary.html.j2").write_text(
        "{{ lipsum.__globals__['os'].system('touch " + str(witness) + "') }}", "utf-8")
    out = tmp_path / "r.html"
    rc = main(["report", str(trial), "-o", str(out), "-q", "--permutations", "0",
               "--template-dir", str(tmp_path / "templates")])
    assert rc == 2
    assert not witness.exists()
    assert not out.exists()


def test_a_link_to_a_file_outside_the_folder_is_refused(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "report.css").symlink_to("/etc/passwd")
    with pytest.raises(InputError, match="outside the template folder"):
        FolderLoader(folder).get_source(jinja2.Environment(), "report.css")


def test_a_linked_subfolder_outside_is_refused_and_an_inner_link_is_read(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "summary.html.j2").write_text("secret", "utf-8")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "sections").symlink_to(outside, target_is_directory=True)
    (folder / "real.html.j2").write_text("inside", "utf-8")
    (folder / "alias.html.j2").symlink_to(folder / "real.html.j2")
    loader = FolderLoader(folder)
    with pytest.raises(InputError, match="outside the template folder"):
        loader.get_source(jinja2.Environment(), "sections/summary.html.j2")
    assert loader.get_source(jinja2.Environment(), "alias.html.j2")[0] == "inside"


def test_dot_dot_and_missing_templates_are_not_found(tmp_path):
    (tmp_path / "x.html.j2").write_text("x", "utf-8")
    sub = tmp_path / "templates"
    sub.mkdir()
    loader = FolderLoader(sub)
    with pytest.raises(jinja2.TemplateNotFound):
        loader.get_source(jinja2.Environment(), "../x.html.j2")
    with pytest.raises(jinja2.TemplateNotFound):
        loader.get_source(jinja2.Environment(), "absent.html.j2")


def test_a_fifo_or_an_oversized_template_is_refused_without_reading(tmp_path):
    os.mkfifo(tmp_path / "report.css")  # reading it would block for ever
    with pytest.raises(InputError, match="not a regular file"):
        FolderLoader(tmp_path).get_source(jinja2.Environment(), "report.css")
    (tmp_path / "big.html.j2").write_bytes(b"x" * (MAX_TEMPLATE_BYTES + 1))
    with pytest.raises(InputError, match="at most"):
        FolderLoader(tmp_path).get_source(jinja2.Environment(), "big.html.j2")


def test_an_ordinary_override_still_works(tmp_path):
    (tmp_path / "page.html.j2").write_text("{{ 'ab' * 3 }} {{ [1, 2] | sum }} {{ t('x') }}",
                                           "utf-8")
    assert _render(tmp_path) == "ababab 3 x"
