"""Language registry: which BCP-47 tags each vendor takes as source and as target, and its own code.

The data lives in `data/languages/<vendor>.csv` (columns tag, name, code, source, target), one file a
vendor, copied from that vendor's document. Lookups accept any casing (`fr-fr`, `fr_FR`) and answer the
canonical tag; a tag a vendor does not take gets an `InvalidInputError` listing what it does take.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from video_localization.core.errors import InvalidInputError
from video_localization.core.paths import data_dir


@dataclass(frozen=True)
class VendorLanguage:
    tag: str
    name: str
    vendor: str
    code: str
    source: bool
    target: bool


def normalize_tag(tag: str) -> str:
    """`fr_fr` / `FR-fr` -> `fr-FR` (language lower case, region upper case, script title case)."""
    parts = str(tag).strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 2 or part.isdigit():
            out.append(part.upper())
        elif len(part) == 4:
            out.append(part.title())
        else:
            out.append(part.lower())
    return "-".join(out)


class VendorLanguages:
    """One vendor's languages."""

    def __init__(self, vendor: str, languages: list[VendorLanguage]) -> None:
        self.vendor = vendor
        self._by_tag = {language.tag: language for language in languages}

    def __iter__(self):
        return iter(self._by_tag.values())

    def sources(self) -> list[str]:
        return [language.tag for language in self if language.source]

    def targets(self) -> list[str]:
        return [language.tag for language in self if language.target]

    def get(self, tag: str) -> VendorLanguage | None:
        return self._by_tag.get(normalize_tag(tag))

    def source(self, tag: str, field: str = "source_language") -> VendorLanguage:
        language = self.get(tag)
        if language is None or not language.source:
            reason = f"{self.vendor} does not dub from it"
            if language is not None:
                reason = f"{self.vendor} takes {language.tag} as a target language only"
            raise InvalidInputError(field, tag, self.sources(), reason)
        return language

    def target(self, tag: str, field: str = "target_languages") -> VendorLanguage:
        language = self.get(tag)
        if language is None or not language.target:
            reason = f"{self.vendor} does not dub into it"
            if language is not None:
                reason = f"{self.vendor} takes {language.tag} as a source language only"
            raise InvalidInputError(field, tag, self.targets(), reason)
        return language


def _read_vendor_file(path: Path) -> VendorLanguages:
    vendor = path.stem
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    languages = [
        VendorLanguage(
            tag=normalize_tag(row["tag"]),
            name=row["name"],
            vendor=vendor,
            code=row["code"],
            source=row["source"].strip().lower() == "yes",
            target=row["target"].strip().lower() == "yes",
        )
        for row in csv.DictReader(lines)
    ]
    return VendorLanguages(vendor, languages)


@cache
def vendor_languages(vendor: str) -> VendorLanguages:
    path = data_dir() / "languages" / f"{vendor}.csv"
    if not path.is_file():
        known = sorted(p.stem for p in (data_dir() / "languages").glob("*.csv"))
        raise InvalidInputError("vendor", vendor, known, "no language table for it")
    return _read_vendor_file(path)


def language_name(tag: str) -> str:
    """A human name for a tag, from any vendor's table (the tag itself when none knows it)."""
    for path in sorted((data_dir() / "languages").glob("*.csv")):
        language = vendor_languages(path.stem).get(tag)
        if language is not None:
            return language.name
    return tag
