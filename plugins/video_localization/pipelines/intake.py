"""The `localization_intake` pipeline: job requests dropped in an inbox become `localize_video` runs.

Inbox layout (any `ObjectStoragePath`: a local folder, `s3://...`, ...)::

    <inbox>/*.json | *.yaml | *.yml       new requests
    <inbox>/processing/<run_id>__<name>    claimed, being triggered
    <inbox>/done/<run_id>__<name>          triggered; `<...>.result.json` beside it names the run
    <inbox>/failed/<sha>__<name>           refused; `<...>.error.json` beside it gives the reason

A request is triggered at most once, by three independent locks:

1. Its run id is derived from its content (`intake__` + SHA-256 of the normalized request), so the
   same request always asks for the same `localize_video` run id, and Airflow refuses a second run
   with an existing id (unique `(dag_id, run_id)` in the metadata DB); the trigger task then skips.
2. A request is claimed by renaming it into `processing/` before it is triggered: on a local or
   POSIX file system the rename is atomic, so of two overlapping intake runs only one claims it.
3. The DAG runs with `max_active_runs=1`.

A retried intake task finds what it claimed in `processing/` and triggers it again under the same
run id (refused if the first try got through), and `finish` only moves a request to `done/` once the
run exists. Each request is read, validated and moved on its own: a bad one goes to `failed/` with the
reason and never holds up the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airflow.sdk import ObjectStoragePath, Param

from video_localization.core import trust_settings
from video_localization.core.config import float_setting, setting
from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.core.storage import as_storage_path, write_bytes
from video_localization.core.validation import Checks
from video_localization.pipelines import localize

log = logging.getLogger(__name__)

TARGET_DAG_ID = "localize_video"
RUN_ID_PREFIX = "intake__"
SUFFIXES = (".json", ".yaml", ".yml")
PROCESSING, DONE, FAILED = "processing", "done", "failed"
#: Requests are small; anything bigger is not a request (and is not read into memory).
MAX_REQUEST_BYTES = 256 * 1024
#: How the request's own words map onto `localize_video`'s Params (left: accepted in a request).
ALIASES = {
    "targets": "target_languages",
    "target_language": "target_languages",
    "vendor": "dubbing_vendor",
    "output": "output_location",
}
#: Caption fields a request may carry; passed to `localize_video` in its conf.
CAPTION_FIELDS = ("caption_formats", "captions_source")


def default_inbox() -> str:
    """The first of `[video_localization] inbox_roots` (default: the `intake_inbox` setting)."""
    return trust_settings.inbox_roots()[0]


def schedule() -> str:
    """The intake's schedule: the `[video_localization] intake_schedule` setting (cron or preset)."""
    return setting("intake_schedule")


def params() -> dict[str, Param]:
    return {
        "inbox": Param(
            default_inbox(),
            type="string",
            enum=trust_settings.inbox_roots(),
            title="Inbox",
            description="Folder or object-storage URI the job requests (JSON or YAML) are dropped in; "
            "one of the configured `[video_localization] inbox_roots`.",
        ),
        "settle_seconds": Param(
            float_setting("intake_settle_seconds"),
            type="number",
            minimum=0,
            title="Settle time (s)",
            description="A request modified more recently than this is left for the next run "
            "(it may still be being written).",
        ),
    }


# -- reading a request -------------------------------------------------------------------------------------
def parse_request(name: str, data: bytes) -> dict[str, Any]:
    """A request file's mapping; JSON for `.json`, YAML (a superset) otherwise."""
    suffix = Path(name).suffix.lower()
    try:
        text = data.decode("utf-8-sig")
        if suffix == ".json":
            document = json.loads(text)
        else:
            import yaml

            document = yaml.safe_load(text)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidInputError("request", name, "a UTF-8 JSON or YAML mapping", str(error)) from None
    except Exception as error:  # yaml.YAMLError and its kin
        raise InvalidInputError("request", name, "a UTF-8 JSON or YAML mapping", str(error)) from None
    if not isinstance(document, dict):
        raise InvalidInputError("request", name, "a JSON or YAML mapping", f"got {type(document).__name__}")
    return document


def _allowed_fields() -> list[str]:
    return sorted({*localize.params(), *ALIASES, *CAPTION_FIELDS})


def request_conf(request: dict[str, Any]) -> dict[str, Any]:
    """The `localize_video` conf a request asks for: aliases resolved, unknown fields refused."""
    checks = Checks()
    known = set(localize.params()) | set(CAPTION_FIELDS)
    conf: dict[str, Any] = {}
    for field_name, value in request.items():
        key = ALIASES.get(str(field_name), str(field_name))
        if key not in known:
            checks.add(InvalidInputError(str(field_name), value, _allowed_fields(), "unknown field"))
        elif key in conf:
            checks.add(
                InvalidInputError(str(field_name), value, f"one of {key!r} or its alias", "given twice")
            )
        else:
            conf[key] = value
    if isinstance(conf.get("target_languages"), str):
        conf["target_languages"] = [
            part.strip() for part in conf["target_languages"].split(",") if part.strip()
        ]
    if isinstance(conf.get("caption_formats"), str):
        conf["caption_formats"] = [
            part.strip() for part in conf["caption_formats"].split(",") if part.strip()
        ]
    checks.raise_if_any()
    return conf


def request_run_id(conf: dict[str, Any]) -> str:
    """The run id a request always asks for: the same request, the same id, whatever its file."""
    canonical = json.dumps(conf, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return RUN_ID_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _check_schema(conf: dict[str, Any]) -> None:
    """What the trigger form's JSON schema would refuse (Airflow would refuse the run with it)."""
    from airflow.sdk.exceptions import ParamValidationError

    checks = Checks()
    form = localize.params()
    for key, value in conf.items():
        param = form.get(key)
        if param is None:
            continue
        try:
            param.resolve(value)
        except ParamValidationError as error:
            enum = param.schema.get("enum") or (param.schema.get("items") or {}).get("enum")
            if enum:
                values = value if isinstance(value, list) else [value]
                unknown = [item for item in values if item not in enum]
                reason = f"not allowed: {unknown}" if unknown else "refused by the form's schema"
                checks.add(InvalidInputError(key, value, enum, reason))
            else:
                schema = {k: v for k, v in param.schema.items() if k not in ("title", "description")}
                checks.add(
                    InvalidInputError(key, value, json.dumps(schema), str(error).splitlines()[0][:200])
                )
    checks.raise_if_any()


def _check_captions(conf: dict[str, Any]) -> None:
    if not conf.get("caption_formats"):
        return
    try:
        from video_localization.core.captions.validation import validate_caption_request
    except ImportError:  # the caption conversion is not part of this installation
        raise InvalidInputError(
            "caption_formats", conf["caption_formats"], "none", "caption conversion is not installed"
        ) from None
    chosen = conf.get("captions_source") or "dubbing"
    if chosen not in localize.CAPTIONS_SOURCES:
        return  # refused by the form's schema, naming localize_video's values
    validate_caption_request(
        conf["caption_formats"], conf.get("target_languages"), localize.CAPTIONS_SOURCES[chosen]
    )


def validate_request(conf: dict[str, Any], run_id: str) -> dict[str, Any]:
    """The same judgement `localize_video` makes: the form's schema, then its plan (no vendor call)."""
    checks = Checks()
    checks.run(_check_schema, conf)
    checks.run(_check_captions, conf)
    checks.raise_if_any()
    defaults = {key: param.value for key, param in localize.params().items()}
    return localize.build_plan({**defaults, **conf}, run_id)


# -- the inbox -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claimed:
    """A request in `processing/`: what the trigger needs, and where its file is."""

    run_id: str
    conf: dict[str, Any]
    path: str
    name: str

    def trigger_kwargs(self) -> dict[str, Any]:
        return {"trigger_run_id": self.run_id, "conf": self.conf}


class Inbox:
    def __init__(self, location: str | ObjectStoragePath) -> None:
        self.root = as_storage_path(location)

    def folder(self, name: str) -> ObjectStoragePath:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def new_requests(self, settle_seconds: float = 0.0, now: float | None = None) -> list[ObjectStoragePath]:
        """Request files at the top of the inbox, oldest name first; hidden and fresh ones wait."""
        self.root.mkdir(parents=True, exist_ok=True)
        moment = now if now is not None else datetime.now(UTC).timestamp()
        found = []
        for path in self.root.iterdir():
            name = path.name
            if name.startswith(".") or path.suffix.lower() not in SUFFIXES or not path.is_file():
                continue
            if settle_seconds > 0 and _modified(path) > moment - settle_seconds:
                log.info(
                    "%s was modified less than %g s ago; leaving it for the next run", name, settle_seconds
                )
                continue
            found.append(path)
        return sorted(found, key=lambda p: p.name)

    def processing(self) -> list[ObjectStoragePath]:
        return sorted(
            (
                p
                for p in self.folder(PROCESSING).iterdir()
                if p.name.startswith(RUN_ID_PREFIX) and p.is_file()
            ),
            key=lambda p: p.name,
        )

    # -- moves -------------------------------------------------------------------------------------------
    def claim(self, path: ObjectStoragePath, run_id: str) -> ObjectStoragePath | None:
        """Rename the request into `processing/`; None when another intake claimed it first."""
        target = self.folder(PROCESSING) / f"{run_id}__{path.name}"
        try:
            path.rename(target)
        except FileNotFoundError:
            log.info("%s was claimed by another intake run", path.name)
            return None
        return target

    def refuse(self, path: ObjectStoragePath, data: bytes, reason: str, errors: list[dict[str, Any]]) -> str:
        """Move a request to `failed/` with a `.error.json` that says why; answers the new location."""
        digest = hashlib.sha256(data).hexdigest()[:12]
        base = original_name(path.name)
        target = self.folder(FAILED) / f"{digest}__{base}"
        record = {
            "request": base,
            "status": "failed",
            "reason": reason,
            "errors": errors,
            "request_sha256": hashlib.sha256(data).hexdigest(),
            "failed_at": datetime.now(UTC).isoformat(),
        }
        write_bytes(target.parent / f"{target.name}.error.json", _json(record), "application/json")
        _move(path, target)
        return str(target)

    def deliver(self, path: ObjectStoragePath, run_id: str, status: str) -> str:
        """Move a claimed request to `done/` with a `.result.json` naming its run."""
        target = self.folder(DONE) / path.name
        record = {
            "request": original_name(path.name),
            "status": status,
            "dag_id": TARGET_DAG_ID,
            "run_id": run_id,
            "done_at": datetime.now(UTC).isoformat(),
        }
        write_bytes(target.parent / f"{target.name}.result.json", _json(record), "application/json")
        _move(path, target)
        return str(target)


def original_name(name: str) -> str:
    """The file name the user gave, from `intake__<hash>__<name>` (or the name itself)."""
    if name.startswith(RUN_ID_PREFIX) and name.count("__") >= 2:
        return name.split("__", 2)[2]
    return name


def _modified(path: ObjectStoragePath) -> float:
    try:
        info = path.stat()
    except OSError:
        return 0.0
    value = getattr(info, "st_mtime", None)
    return float(value) if value is not None else 0.0


def _move(path: ObjectStoragePath, target: ObjectStoragePath) -> None:
    try:
        path.rename(target)
    except FileNotFoundError:
        log.info("%s was already moved on (by an overlapping intake run)", path.name)


def _json(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n").encode()


def error_details(error: Exception) -> list[dict[str, Any]]:
    errors = error.errors if isinstance(error, InvalidInputs) else [error]
    return [
        {"field": e.field, "value": e.value, "allowed": e.allowed, "message": str(e)}
        if isinstance(e, InvalidInputError)
        else {"message": str(e)}
        for e in errors
    ]


# -- the tasks' logic ---------------------------------------------------------------------------------------
def _read(path: ObjectStoragePath) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(MAX_REQUEST_BYTES + 1)
    if len(data) > MAX_REQUEST_BYTES:
        raise InvalidInputError("request", path.name, f"at most {MAX_REQUEST_BYTES} bytes", "file too large")
    return data


def read_claimed(path: ObjectStoragePath) -> Claimed:
    data = _read(path)
    run_id, _, name = path.name.partition("__")[2].partition("__")  # "intake__<hash>__<name>"
    run_id = f"{RUN_ID_PREFIX}{run_id}"
    conf = request_conf(parse_request(name, data))
    if request_run_id(conf) != run_id:
        raise InvalidInputError(
            "request", path.name, "the content it was claimed with", "changed while claimed"
        )
    return Claimed(run_id=run_id, conf=conf, path=str(path), name=name)


def claim_requests(
    location: str, settle_seconds: float = 0.0, run_exists: Callable[[str], bool] | None = None
) -> dict[str, Any]:
    """Validate every new request, refuse the bad ones, claim the good ones; answer all claimed.

    The answer includes requests left in `processing/` by an earlier try or run (a crash between
    claim and trigger): triggering them again is safe, their run id is fixed. `run_exists(run_id)`
    lets a request whose run is already there go straight to `done/`.
    """
    inbox = Inbox(location)
    refused: list[dict[str, Any]] = []
    for path in inbox.new_requests(settle_seconds):
        data = b""
        try:
            data = _read(path)
            conf = request_conf(parse_request(path.name, data))
            run_id = request_run_id(conf)
            validate_request(conf, run_id)
        except (InvalidInputError, InvalidInputs) as error:
            log.warning("Refusing %s: %s", path.name, error)
            refused.append({"request": path.name, "reason": str(error)})
            inbox.refuse(path, data, str(error), error_details(error))
            continue
        except FileNotFoundError:
            continue  # taken by an overlapping run between listing and reading
        except Exception as error:  # one unreadable request must not stop the others
            log.exception("Could not read %s; leaving it for the next run", path.name)
            refused.append({"request": path.name, "reason": f"not read this time: {error}"})
            continue
        if inbox.claim(path, run_id) is not None:
            log.info("Claimed %s as %s", path.name, run_id)

    claimed: list[Claimed] = []
    already: list[dict[str, Any]] = []
    for path in inbox.processing():
        try:
            request = read_claimed(path)
        except FileNotFoundError:
            continue
        except (InvalidInputError, InvalidInputs) as error:
            inbox.refuse(path, _read_or_empty(path), str(error), error_details(error))
            refused.append({"request": path.name, "reason": str(error)})
            continue
        if run_exists is not None and run_exists(request.run_id):
            inbox.deliver(path, request.run_id, "already_triggered")
            already.append({"request": request.name, "run_id": request.run_id})
            continue
        claimed.append(request)
    return {
        # No conf here: it may hold a signed URL, and this answer is XCom. The trigger reads the file.
        "claimed": [{"run_id": c.run_id, "path": c.path, "request": c.name} for c in claimed],
        "refused": refused,
        "already_triggered": already,
    }


def _read_or_empty(path: ObjectStoragePath) -> bytes:
    try:
        return _read(path)
    except (OSError, InvalidInputError):
        return b""


def trigger_kwargs(claimed: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One trigger per distinct request: its fixed run id and its claimed file (whose conf the trigger
    reads when it runs: `intake_trigger.ClaimedRequestTriggerOperator`).

    Two files with the same request share a run id: it is triggered once, both files end in `done/`.
    """
    seen: dict[str, dict[str, Any]] = {}
    for item in claimed:
        seen.setdefault(item["run_id"], {"trigger_run_id": item["run_id"], "request_path": item["path"]})
    return list(seen.values())


def finish(
    location: str,
    claimed: Iterable[dict[str, Any]],
    run_exists: Callable[[str], bool],
    triggered_now: set[str],
) -> dict[str, Any]:
    """Move each claimed request on: `done/` once its run exists, else `failed/` with the reason."""
    inbox = Inbox(location)
    done, failed = [], []
    delivered: set[str] = set()
    for item in claimed:
        path = as_storage_path(item["path"])
        if not path.exists():
            continue  # finished by an overlapping run
        if run_exists(item["run_id"]):
            fresh = item["run_id"] in triggered_now and item["run_id"] not in delivered
            status = "triggered" if fresh else "already_triggered"
            delivered.add(item["run_id"])
            inbox.deliver(path, item["run_id"], status)
            done.append({"request": item["request"], "run_id": item["run_id"], "status": status})
        else:
            reason = (
                f"the {TARGET_DAG_ID} run {item['run_id']} could not be created; "
                "see the log of this request's trigger task"
            )
            inbox.refuse(path, _read_or_empty(path), reason, [{"message": reason}])
            failed.append({"request": item["request"], "reason": reason})
    return {"done": done, "failed": failed}
