"""Every user-facing string has a Spanish translation, and the catalogues are up to date."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from leeway.core.catalogues import ROOT, catalogue_paths, format_problems, untranslated


def test_every_spanish_catalogue_is_complete():
    problems = {str(path.relative_to(ROOT)): untranslated(path) for path in catalogue_paths("es")}
    assert catalogue_paths("es"), "no Spanish catalogues found"
    assert {path: missing for path, missing in problems.items() if missing} == {}


def test_every_translation_keeps_its_placeholders():
    # What `msgfmt -c` checks, without GNU gettext: "%(name)s" in the msgid is in the msgstr too.
    problems = {str(path.relative_to(ROOT)): format_problems(path) for path in catalogue_paths("es")}
    assert {path: found for path, found in problems.items() if found} == {}


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is not installed")
def test_msgfmt_check_accepts_every_catalogue():
    refused = {}
    for path in catalogue_paths("es"):
        result = subprocess.run(
            ["msgfmt", "--check", "--output-file=/dev/null", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            refused[str(path.relative_to(ROOT))] = result.stderr
    assert refused == {}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_no_string_in_code_or_templates_lacks_a_spanish_translation(tmp_path, monkeypatch):
    # Extract the strings afresh from a copy of the package; any string that the
    # committed catalogues do not translate comes out untranslated.
    copy = tmp_path / "leeway"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns("tests", "migrations", "__pycache__", "static", "*.mo"),
    )
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[]):
        call_command("makemessages", locale=["es"], no_obsolete=True, no_location=True, verbosity=0)
    missing = {}
    for path in sorted(Path(os.getcwd()).glob("**/locale/es/LC_MESSAGES/django.po")):
        strings = untranslated(path)
        if strings:
            missing[str(path.relative_to(copy))] = strings
    assert missing == {}, "run `make messages` and translate these"
