"""Routing: which vendor dubs which language of a run, and who may take a language over (fallback).

- one vendor (`dubbing_vendor: panjaya`): every language goes there; languages it cannot dub are refused.
- `auto`: each language goes to the first vendor of `vendor_preference` that dubs that language pair with
  the requested options (review, lip sync, an interval, captions from the vendor's SRT, the source's kind).
- `compare_vendors: [a, b]`: every language is dubbed by both, side by side.

A refusal names every language no vendor takes, why each vendor declined it, and who takes what of the
request, so the user can change the languages or the options in one go. No vendor is called here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from video_localization.core.dubbing import DUBBING_VENDORS, DubRequest, dubbing_vendor
from video_localization.core.errors import InvalidInputError

AUTO = "auto"


@dataclass
class Route:
    locale: str
    vendor: str
    #: Vendors that could take the language over if `vendor` fails it (preference order).
    fallbacks: list[str] = field(default_factory=list)


def who_takes_what(request: DubRequest, targets: Sequence[str], vendors: Sequence[str]) -> str:
    """`panjaya takes fr-FR, de-DE; akool takes fr-FR; blendvision takes none (needs ...)`."""
    parts = []
    for vendor in vendors:
        adapter = dubbing_vendor(vendor)
        taken = [tag for tag in targets if adapter.refusal(request, tag) is None]
        parts.append(f"{vendor} takes {', '.join(taken) if taken else 'none of them'}")
    return "; ".join(parts)


def _declined(request: DubRequest, target: str, vendors: Sequence[str]) -> str:
    reasons = []
    for vendor in vendors:
        reason = dubbing_vendor(vendor).refusal(request, target)
        if reason:
            reasons.append(f"{vendor} {reason}")
    return ", ".join(reasons)


def route(
    request: DubRequest,
    targets: Sequence[str],
    choice: str,
    preference: Sequence[str],
    compare: Sequence[str] = (),
) -> list[Route]:
    """The route of every target language (two per language when comparing), or a refusal naming them."""
    order = [vendor for vendor in preference if vendor in DUBBING_VENDORS]
    order += [vendor for vendor in DUBBING_VENDORS if vendor not in order]
    if compare:
        candidates = list(compare)
    elif choice == AUTO:
        candidates = order
    else:
        candidates = [choice]
    routes: list[Route] = []
    refused: list[str] = []
    for tag in targets:
        capable = [vendor for vendor in candidates if dubbing_vendor(vendor).refusal(request, tag) is None]
        if compare:
            if len(capable) < len(candidates):
                refused.append(tag)
                continue
            routes.extend(Route(tag, vendor) for vendor in candidates)
            continue
        if not capable:
            refused.append(tag)
            continue
        others = [vendor for vendor in order if vendor != capable[0]]
        fallbacks = [vendor for vendor in others if dubbing_vendor(vendor).refusal(request, tag) is None]
        routes.append(Route(tag, capable[0], fallbacks))
    if refused:
        details = "; ".join(f"{tag}: {_declined(request, tag, candidates)}" for tag in refused)
        field_name = "compare_vendors" if compare else "target_languages"
        mode = f"with {' and '.join(candidates)} both" if compare else f"with dubbing_vendor={choice}"
        raise InvalidInputError(
            field_name,
            refused,
            f"languages {mode} can dub with the requested options "
            f"({who_takes_what(request, targets, DUBBING_VENDORS)})",
            f"no vendor takes them: {details}",
        )
    return routes


def route_text(routes: Sequence[Route]) -> str:
    """`fr-FR -> panjaya (fallback akool), ja-JP -> akool` for the plan's log and the manifest's readers."""
    parts = []
    for item in routes:
        tail = f" (fallback {', '.join(item.fallbacks)})" if item.fallbacks else ""
        parts.append(f"{item.locale} -> {item.vendor}{tail}")
    return ", ".join(parts)
