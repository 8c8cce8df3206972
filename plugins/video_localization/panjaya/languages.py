"""Which Panjaya version dubs which language, when Panjaya's answers do not say.

The document states that every target language of an asset gets a dubbing of its own, each with its
versions; it never prints a `locale` field on assets, dubbings or versions (only version *callbacks* are
documented to carry the version's locale). That answers carry it is a guess (`core.guesses`
PANJAYA_ANSWER_LOCALE), so the models accept answers without it and this module matches dubbings to the
languages the request asked for:

1. a dubbing that names its locale is that language (the guess, when it holds);
2. for one that does not, the version's own answer (`GET /v1/versions/{id}`) is asked for its locale;
3. the languages still unmatched go to the dubbings still unnamed: by elimination when one is left, and
   when several are, in the order the request listed them (guess PANJAYA_DUBBING_ORDER, logged).

Nothing here pays: a wrong match can only mislabel a dub (each version is still generated once), and the
optional review step shows each language's studio page before generation. A count that does not add up
(more or fewer unnamed dubbings than unmatched languages) stops the task with the facts rather than guess.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from airflow.sdk.exceptions import AirflowFailException

from video_localization.panjaya.models import Asset, Dubbing, VersionSummary

log = logging.getLogger(__name__)

VersionLocale = Callable[[str], str | None]
"""The locale a version's own answer names, or None (`lambda version_id: hook.get_version(...).locale`)."""


def dubbing_languages(
    asset: Asset, version_locale: VersionLocale | None = None
) -> list[tuple[Dubbing, str | None]]:
    """Each dubbing with the language it names, directly or through its newest version's answer (or None)."""
    labelled: list[tuple[Dubbing, str | None]] = []
    for dubbing in asset.dubbings:
        locale = dubbing.locale
        if locale is None and version_locale is not None and (version := dubbing.latest_version) is not None:
            locale = version_locale(version.id)
        labelled.append((dubbing, locale))
    return labelled


def versions_for(
    asset: Asset, requested: Sequence[str], version_locale: VersionLocale | None = None
) -> dict[str, VersionSummary]:
    """`{locale: newest version}` for the requested languages (a dubbing with no version yet is left out).

    :param asset: the asset answer (`GET /v1/assets/{id}`).
    :param requested: every language the asset should have, in the order the request listed them.
    :param version_locale: asks a version's own answer for its locale; None skips that step.
    """
    labelled = dubbing_languages(asset, version_locale)
    named = {locale: dubbing for dubbing, locale in labelled if locale is not None}
    unnamed = [dubbing for dubbing, locale in labelled if locale is None]
    if unnamed:
        unmatched = [locale for locale in requested if locale not in named]
        if len(unnamed) != len(unmatched):
            raise AirflowFailException(
                f"asset {asset.id}: Panjaya's answers do not name the language of dubbings "
                f"{', '.join(dubbing.id for dubbing in unnamed)} (guess PANJAYA_ANSWER_LOCALE), and they "
                "cannot be matched to the languages still unaccounted for "
                f"({', '.join(unmatched) or 'none'}); stopping instead of guessing. Check the asset in "
                "Panjaya Dubbing Studio."
            )
        if len(unnamed) > 1:
            log.warning(
                "Asset %s: dubbings %s do not name their language; matching them to %s in the order the "
                "request listed them (guess PANJAYA_DUBBING_ORDER)",
                asset.id,
                ", ".join(dubbing.id for dubbing in unnamed),
                ", ".join(unmatched),
            )
        named.update(zip(unmatched, unnamed, strict=True))
    return {
        locale: version
        for locale in requested
        if locale in named and (version := named[locale].latest_version) is not None
    }
