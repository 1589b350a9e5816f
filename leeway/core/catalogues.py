"""Checks on the translation catalogues, shared by `make messages` and the i18n tests."""

import argparse
import re
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import leeway

ROOT = Path(leeway.__file__).parent


def catalogue_paths(language: str = "es") -> list[Path]:
    return sorted(ROOT.glob(f"**/locale/{language}/LC_MESSAGES/*.po"))


def untranslated(po_path: Path) -> list[str]:
    """The msgids of a catalogue that have no translation or only a fuzzy guess."""
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def format_problems(po_path: Path) -> list[str]:
    """Translations whose placeholders do not fit their msgid's: what `msgfmt -c` refuses, in Python.

    Babel decides "python-format" from the msgid's look ("10 % less" looks like one), so an entry the
    catalogue flags `no-python-format` (from a `# xgettext:no-python-format` comment) is left out,
    as msgfmt leaves it out.
    """
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    problems = []
    for message in catalog:
        if not message.id or message.fuzzy or "no-python-format" in message.flags:
            continue
        for error in message.check(catalog):
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            problems.append(f"{msgid!r}: {error}")
    return problems


def strip_fuzzy_header(po_path: Path) -> None:
    """makemessages marks a new header fuzzy; a fuzzy header makes compilers skip the file."""
    text = po_path.read_text(encoding="utf-8")
    fixed = re.sub(r'\A((?:#.*\n)*?)#, fuzzy\n(msgid "")', r"\1\2", text, count=1)
    if fixed != text:
        po_path.write_text(fixed, encoding="utf-8")


def compile_catalogues() -> int:
    """Build every .mo from its .po in pure Python, so installing needs no GNU gettext."""
    paths = sorted(ROOT.glob("**/locale/*/LC_MESSAGES/*.po"))
    for po_path in paths:
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, abort_invalid=True)
        with po_path.with_suffix(".mo").open("wb") as mo_file:
            # Fuzzy entries are guesses; like msgfmt, leave them out.
            write_mo(mo_file, catalog, use_fuzzy=False)
    return len(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strip-fuzzy-headers", action="store_true")
    parser.add_argument("--compile", action="store_true", help="Build the .mo files.")
    args = parser.parse_args()
    if args.compile:
        print(f"Compiled {compile_catalogues()} catalogues.")
        return
    for path in catalogue_paths():
        if args.strip_fuzzy_headers:
            strip_fuzzy_header(path)
        for problem in format_problems(path):
            print(f"{path.relative_to(ROOT.parent)}: {problem}")
        missing = untranslated(path)
        if missing:
            print(f"{path.relative_to(ROOT.parent)}: {len(missing)} untranslated")
            for msgid in missing:
                print(f"    {msgid!r}")


if __name__ == "__main__":
    main()
