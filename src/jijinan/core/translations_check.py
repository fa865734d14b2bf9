"""`python -m jijinan.core.translations_check`: every user-visible string has its English text.

Regenerates the English catalogue from the sources (makemessages), then asks msgfmt for its
statistics; an untranslated or fuzzy entry fails the check and is listed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
PO = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"


def untranslated_entries(text: str) -> list[str]:
    """msgids whose msgstr is empty or that are marked fuzzy (header excluded)."""
    missing = []
    for block in text.split("\n\n"):
        if "msgid" not in block or block.lstrip().startswith("#~"):
            continue
        msgid = "".join(re.findall(r'^(?:msgid|msgid_plural)?\s*"(.*)"$',
                                   block.split("msgstr")[0], re.M))
        if not msgid:
            continue  # the header
        strs = re.findall(r'^msgstr(?:\[\d+\])?\s+"(.*)"\n((?:".*"\n?)*)', block + "\n", re.M)
        empty = any(not (first + rest.replace('"', "").strip()) for first, rest in strs)
        if empty or "#, fuzzy" in block:
            missing.append(msgid)
    return missing


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jijinan.settings")
    import django
    from django.core.management import call_command

    django.setup()
    cwd = Path.cwd()
    os.chdir(PACKAGE)
    try:
        call_command("makemessages", locale=["en"], no_obsolete=True, no_location=True,
                     verbosity=0, ignore_patterns=["tests/*", "*/migrations/*"])
    finally:
        os.chdir(cwd)
    missing = untranslated_entries(PO.read_text(encoding="utf-8"))
    subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(PO)], check=True)  # noqa: S603, S607
    if missing:
        sys.stderr.write(f"{len(missing)} string(s) without an English translation in {PO}:\n")
        for msgid in missing:
            sys.stderr.write(f"  {msgid}\n")
        return 1
    print(f"translations: complete ({PO.relative_to(PACKAGE.parent.parent)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
