"""Every place the project relies on vendor behaviour its documents do not state, with its fallback.

One table, so a reviewer (or a vendor's answer to a support ticket) can check each guess in one place.
The rule: the money-safe path never depends on a guess. Each entry says what is assumed, where the code
that relies on it lives, and what happens when the guess is wrong. Inferred *field names* that only
shape a request or parse an answer (listed in `vendor-notes.md` as "inferred") are kept as one constant
each in their hook or models module; this table holds the guesses that could cost money or fail runs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Guess:
    name: str
    vendor: str
    assumed: str
    where: str
    fallback: str


GUESSES: tuple[Guess, ...] = (
    Guess(
        "BLENDVISION_CLIENT_JOB_ID",
        "blendvision",
        "BlendVision keeps a client-chosen dubbing_job.id and answers 409 ALREADY_EXISTS when it is reused "
        "(the field is documented, its semantics are not).",
        "blendvision/hook.py ensure_dubbing_job, blendvision/job_ids.py, blendvision/reconcile.py",
        "A write-ahead marker around each create; an unanswered create is found by GET /dubbing-jobs/{id}, "
        "else by listing the source's jobs created since it was sent; when neither settles it the task stops "
        "(AirflowFailException) instead of resending. An answer naming another id is logged and recorded.",
    ),
    Guess(
        "BLENDVISION_UPLOAD_CHECKSUM",
        "blendvision",
        "complete-upload accepts complete_data.checksum_sha1 (base64 SHA-1 of the whole file).",
        "blendvision/hook.py complete_upload (SEND_UPLOAD_CHECKSUM)",
        "A 400 whose field violations name checksum_sha1 sends the complete again without it; every part's "
        "MD5 was already checked against its storage ETag.",
    ),
    Guess(
        "BLENDVISION_LIST_JOBS",
        "blendvision",
        "GET /bv/cms/v1/dubbing-jobs lists jobs with current_page / items_per_page / filter.source_id.",
        "blendvision/hook.py LIST_* constants",
        "Used only to reconcile an unanswered create and for housekeeping; when it fails, the task stops "
        "rather than pays again.",
    ),
    Guess(
        "BLENDVISION_DOWNLOAD_PROBE",
        "blendvision",
        "POST /library/files/{id}:download answers 4xx (not NOT_FOUND) for a file whose upload is not "
        "complete yet.",
        "blendvision/upload.py _completion",
        "A resumed upload whose file looks incomplete PUTs its missing parts and completes it; a second "
        "complete of a complete file is answered by the file's own state, never by a new file.",
    ),
    Guess(
        "PANJAYA_ASSET_NAME",
        "panjaya",
        "Panjaya keeps the asset `name` sent on create and returns it in GET /v1/assets/ (the retry lookup "
        "searches for the task's reference in it).",
        "panjaya/operators.py _find_by_name, panjaya/hook.py find_assets_named",
        "An unanswered create (write-ahead marker open) that no name matches is reconciled by the list's "
        "documented fields (source locale, target languages, created since the create was sent); several "
        "candidates stop the task instead of paying again.",
    ),
    Guess(
        "PANJAYA_ANSWER_LOCALE",
        "panjaya",
        "Asset, dubbing and version answers carry `locale` (the document says only that each language gets "
        "a dubbing and that version callbacks carry the version's locale).",
        "panjaya/models.py (optional fields), panjaya/languages.py, panjaya/reconcile.py _could_be",
        "Answers without it parse. A dubbing that names no language is matched through its version's own "
        "answer, else to the requested languages left unmatched (by elimination; several by request "
        "order, PANJAYA_DUBBING_ORDER); a count that does not add up stops the task with the facts. The "
        "retry reconciliation compares the number of dubbings instead of their locales. Adding languages "
        "to an asset whose dubbings name none stops before adding (it could pay for a language twice).",
    ),
    Guess(
        "PANJAYA_DUBBING_ORDER",
        "panjaya",
        "When answers name no locales, an asset lists its dubbings in the order the request listed the "
        "target languages.",
        "panjaya/languages.py versions_for",
        "Used only when several dubbings name no language; logged as a warning. A wrong match mislabels a "
        "dub but pays nothing twice (each version is generated once); the review step (review=True) shows "
        "each language's studio page before generation.",
    ),
    Guess(
        "AKOOL_WEBHOOK_QUERY",
        "akool",
        "Akool POSTs its webhook to webhookUrl as given, query string (vloc_ref) included.",
        "akool/submission.py, callbacks/ledger.py, callbacks/app.py",
        "When no webhook names the job within callback_wait, a person is asked (Airflow human-in-the-loop: "
        "resubmit / here is the job id / give up); nothing is resent on its own.",
    ),
    Guess(
        "AKOOL_WEBHOOK_AGE",
        "akool",
        "A webhook older than 15 minutes is a replay (Akool documents no replay window).",
        "akool/webhook.py MAX_WEBHOOK_AGE_SECONDS",
        "A refused webhook is only a lost hint: the operators poll infobymodelid anyway.",
    ),
)


def guess(name: str) -> Guess:
    """The guess called `name` (for log messages and docs that cite it)."""
    for entry in GUESSES:
        if entry.name == name:
            return entry
    raise KeyError(name)
