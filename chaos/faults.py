"""Vendor faults: which kinds, where, how often, queued as sandbox fault rules (`POST /_sandbox/faults`).

Per vendor two streams of rules stay queued while runs use that vendor: a *general* one on every
request of the vendor (status polls, uploads, downloads, creates) and a *create* one on the requests
that create paid jobs or objects. Each rule lets 1-3 matching requests pass (`skip`) and hits the next;
when it has fired, the next rule of the stream is queued. So a steady share of each vendor's requests
(measured and printed: fired faults / requests the sandbox saw) is faulted, and one stream never hits two
requests in a row.

The kinds, each a documented sandbox rule (`video_localization_dev.sandbox.faults`):

| kind | rule | the vendor acted? |
|---|---|---|
| `429` | status 429 with `Retry-After` (1-3 s) | no |
| `500`, `502`, `503` | that status, in the vendor's error shape | no |
| `drop` | connection closed without an answer | no; on the create stream half of them after it acted |
| `timeout` | answer held `TIMEOUT_SECONDS`, past the hooks' 30 s read timeout | as `drop` |
| `500-after-create` | the vendor acts (creates), the client gets a 500 | yes (create stream only) |

The rule's `label` carries the kind, so the report counts what fired from the sandbox's own log.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from video_localization_dev.sandbox.cdnvideo.constants import SANDBOX_ACCOUNT

KINDS = ("429", "500", "502", "503", "drop", "timeout", "500-after-create")
#: The vendor hooks time out a read after 30 s (`VendorApi`'s default): hold the answer longer.
TIMEOUT_SECONDS = 33.0
#: How often each kind is drawn: timeouts cost a task 30 s each, so fewer of them.
GENERAL_WEIGHTS = {"429": 3, "500": 3, "502": 3, "503": 3, "drop": 3, "timeout": 1}
CREATE_WEIGHTS = {"429": 1, "500": 1, "502": 1, "503": 1, "drop": 2, "timeout": 1, "500-after-create": 4}

#: The requests that create something paid or kept at each vendor (method, path prefix in the sandbox).
CREATE_ENDPOINTS: dict[str, tuple[tuple[str, str], ...]] = {
    "panjaya": (("POST", "/panjaya/v1/assets/upload"), ("POST", "/panjaya/v1/versions/")),
    "akool": (("POST", "/akool/content/video/createbytranslate"),),
    "blendvision": (
        ("POST", "/blendvision/bv/cms/v1/library/files:upload"),
        ("POST", "/blendvision/bv/cms/v1/dubbing-jobs"),
    ),
    "rev": (("POST", "/rev/inputs"), ("POST", "/rev/orders")),
    "cdnvideo": (("POST", f"/cdnvideo/app/th-api/v1/accounts/{SANDBOX_ACCOUNT}/generate"),),
}
VENDORS = tuple(CREATE_ENDPOINTS)
LABEL_SEPARATOR = "|"


def fault_rule(kind: str, vendor: str, rng: random.Random, *, on_create: bool) -> dict[str, Any]:
    """The sandbox rule body of one fault of `kind` (without `label`, `skip` and the path)."""
    rule: dict[str, Any] = {"vendor": vendor, "times": 1, "message": f"chaos: injected {kind}"}
    acted = on_create and rng.random() < 0.5
    if kind == "429":
        rule.update(status=429, retry_after=float(rng.randint(1, 3)))
    elif kind in ("500", "502", "503"):
        rule.update(status=int(kind))
    elif kind == "drop":
        rule.update(drop=True, after_effect=acted)
    elif kind == "timeout":
        rule.update(status=504, delay_seconds=TIMEOUT_SECONDS, after_effect=acted)
    elif kind == "500-after-create":
        rule.update(status=500, after_effect=True)
    else:
        raise ValueError(f"unknown fault kind {kind!r}; known: {KINDS}")
    return rule


def kind_of(label: str | None) -> str | None:
    """The fault kind a chaos rule's label names (`<kind>|<stream>|<n>`), None for other rules."""
    if not label or LABEL_SEPARATOR not in label:
        return None
    return label.split(LABEL_SEPARATOR, 1)[0]


@dataclass
class FaultInjector:
    """Keeps each active vendor's fault streams queued in the sandbox; reads back what fired."""

    sandbox_url: str
    rng: random.Random
    queued: Counter = field(default_factory=Counter)
    _serial: int = 0

    def sandbox_faults(self, client: httpx.Client) -> dict[str, list[dict[str, Any]]]:
        response = client.get(f"{self.sandbox_url}/_sandbox/faults", timeout=30)
        response.raise_for_status()
        return response.json()

    def top_up(self, client: httpx.Client, vendors: set[str], pending: list[dict[str, Any]]) -> None:
        """Queue the next rule of every stream of `vendors` that has none pending."""
        streams = {
            label.split(LABEL_SEPARATOR)[1]
            for rule in pending
            if LABEL_SEPARATOR in (label := rule.get("label") or "")
        }
        for vendor in sorted(vendors):
            if f"general:{vendor}" not in streams:
                self._queue(client, vendor, on_create=False)
            if f"create:{vendor}" not in streams:
                self._queue(client, vendor, on_create=True)

    def _queue(self, client: httpx.Client, vendor: str, *, on_create: bool) -> None:
        weights = CREATE_WEIGHTS if on_create else GENERAL_WEIGHTS
        kind = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        rule = fault_rule(kind, vendor, self.rng, on_create=on_create)
        self._serial += 1
        stream = f"{'create' if on_create else 'general'}:{vendor}"
        rule["label"] = LABEL_SEPARATOR.join((kind, stream, str(self._serial)))
        rule["skip"] = self.rng.randint(1, 3)
        if on_create:
            rule["method"], rule["path_prefix"] = self.rng.choice(CREATE_ENDPOINTS[vendor])
        else:
            rule["path_prefix"] = f"/{vendor}/"
        client.post(f"{self.sandbox_url}/_sandbox/faults", json=rule, timeout=30).raise_for_status()
        self.queued[kind] += 1

    def clear(self, client: httpx.Client) -> None:
        """Stop injecting: no rule of this injector stays queued (the sandbox keeps its counters)."""
        client.post(f"{self.sandbox_url}/_sandbox/faults/clear", timeout=30).raise_for_status()
