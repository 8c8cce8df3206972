"""The provider's settings: one `[video_localization]` section of Airflow's configuration.

Each setting is declared once here; `provider_config()` turns the declarations into the `config` block of
the provider info (so `airflow config list` documents them), and `setting()` reads a value with Airflow's
`conf` (airflow.cfg, or `AIRFLOW__VIDEO_LOCALIZATION__<KEY>` in the environment). Defaults that depend on
the deployment (paths) are computed when read, under `$AIRFLOW_HOME`, never inside the installed package.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SECTION = "video_localization"


@dataclass(frozen=True)
class Setting:
    key: str
    description: str
    type: str = "string"
    #: A fixed default; `None` means the default is computed by `_computed_default`.
    default: str | None = ""
    example: str | None = None


def _airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "output_root",
        "Where deliverables are written unless a run names another location under an allowed output root: "
        "a local folder or an object-storage URI (s3://bucket/prefix, gs://..., ...). Default: "
        "$AIRFLOW_HOME/video-localization/output.",
        default=None,
        example="s3://media-bucket/localized",
    ),
    Setting(
        "default_source",
        "The source the trigger form proposes (empty: the user must give one).",
        example="https://media.example.com/masters/launch.mp4",
    ),
    Setting(
        "intake_inbox",
        "The folder (or object-storage URI) `localization_intake` reads job requests from. Default: "
        "$AIRFLOW_HOME/video-localization/inbox.",
        default=None,
    ),
    Setting(
        "intake_schedule",
        "Schedule of `localization_intake` (a cron expression or preset).",
        default="*/10 * * * *",
    ),
    Setting(
        "intake_settle_seconds",
        "A request modified more recently than this is left for the intake's next run.",
        type="float",
        default="10",
    ),
    Setting(
        "housekeeping_schedule",
        "Schedule of `vendor_housekeeping` (a cron expression or preset).",
        default="@daily",
    ),
    Setting(
        "callback_ledger_max_age_hours",
        "`vendor_housekeeping` deletes callback-ledger entries (Airflow Variables `vloc_callback__...`, job "
        "ids named by verified webhooks) recorded longer ago than this. Keep it above any task's "
        "`callback_wait` plus the time a person may take to answer its question.",
        type="float",
        default="168",
    ),
    Setting(
        "poll_interval",
        "First interval (seconds) between two status checks of a vendor job; it grows with backoff.",
        type="float",
        default="10",
    ),
    Setting(
        "max_poll_interval",
        "Longest interval (seconds) between two status checks of a vendor job.",
        type="float",
        default="120",
    ),
    Setting(
        "notify_conn_id",
        "HTTP connection the DAGs' failure notification POSTs a JSON summary to (a run's own notify_conn_id "
        "param wins). Empty: the failure is logged by the dag-processor, and nothing is sent.",
        example="vloc_notify",
    ),
    Setting(
        "cdnvideo_catalogue",
        "A CDNvideo configurations snapshot (JSON) to use instead of the one shipped with the provider.",
    ),
    Setting(
        "cdnvideo_pacing_url",
        "Where the CDNvideo POST budget (10 a minute for the whole account) is counted. Empty: a file "
        "ledger in the system temp folder, shared by the processes of one machine only. A Redis URL: one "
        "ledger for every worker that uses the same URL (set it wherever workers run on several machines "
        "or containers).",
        example="redis://redis:6379/1",
    ),
    Setting(
        "cdnvideo_pool",
        "Airflow pool the CDNvideo generate tasks run in.",
        default="default_pool",
    ),
)
#: Trust boundaries: where runs may read and write, which hosts they may name, what callbacks are believed.
SETTINGS += (
    Setting(
        "source_roots",
        "Comma-separated folders (or storage URIs) local sources must lie under, resolved (symlinks, ..) "
        "before the check. Empty: the folder of default_source when that is a local file, else none "
        "(every local source is refused).",
        example="/data/masters, s3://media-bucket/masters",
    ),
    Setting(
        "output_roots",
        "Comma-separated folders or URIs outputs (and the localization board's reads) must lie under. "
        "Empty: output_root.",
        example="/data/localized, s3://media-bucket/localized",
    ),
    Setting(
        "output_schemes",
        "Storage schemes an output location may use.",
        default="file,s3,gs,gcs,az,abfs,abfss",
    ),
    Setting(
        "inbox_roots",
        "Comma-separated inbox folders the intake may read (a manual run chooses among them; the first is "
        "the default). Empty: intake_inbox.",
    ),
    Setting(
        "allow_private_urls",
        "Let user URLs (sources, notification hosts) point at loopback, link-local or private addresses.",
        type="boolean",
        default="False",
    ),
    Setting(
        "allowed_url_hosts",
        "Comma-separated hosts, host:port, IPs or networks user URLs may point at although private.",
        example="media.internal:8443, 10.20.0.0/16",
    ),
    Setting(
        "url_resolve_timeout",
        "Seconds to resolve a user URL's host at plan time.",
        type="float",
        default="5",
    ),
    Setting(
        "callback_seen_dir",
        "Folder of the SQLite store of vendor callbacks already believed (shared by the api-server's "
        "processes on one machine). Default: $AIRFLOW_HOME/vloc-callbacks.",
        default=None,
    ),
    Setting(
        "callback_seen_redis_url",
        "Keep the believed callbacks in Redis instead (several api-server machines).",
        example="redis://redis:6379/2",
    ),
    Setting(
        "callback_seen_retention_seconds",
        "How long a believed callback is remembered (a replay within it is refused).",
        type="float",
        default="2592000",
    ),
    Setting(
        "callback_max_skew_seconds",
        "How far an Akool callback's timestamp may be from now.",
        type="float",
        default="900",
    ),
)
#: The wait engine (`core.wait.settings` reads these per event loop): key -> (type, default, description).
WAIT_SETTINGS: dict[str, tuple[str, str, str]] = {
    "max_in_flight": (
        "integer",
        "20",
        "Requests in flight per vendor and base URL on one triggerer event loop (below httpx's pool).",
    ),
    "first_poll_jitter": (
        "float",
        "0.2",
        "Share of the first interval over which first polls spread.",
    ),
    "poll_schedule": (
        "string",
        "",
        "Poll schedule 'first,factor,cap' in seconds for every vendor (poll_schedule_<vendor> for one); "
        "empty: the operator's own schedule.",
    ),
    "callback_poll_schedule": (
        "string",
        "1200,1,1200",
        "Safety-net schedule 'first,factor,cap' when a callback is expected and a wake channel listens "
        "(callback_poll_schedule_<vendor> for one vendor).",
    ),
    "trigger_settle_seconds": (
        "float",
        "5",
        "No look at the vendor (poll, wake or pushed answer) before this many seconds after a trigger "
        "starts, so the deferring workload has exited (docs/airflow-resume-race.md). A floor under the "
        "first poll, not added to it.",
    ),
    "fresh_observation": (
        "float",
        "30",
        "A trigger started within this many seconds of the operator's status check skips its start poll.",
    ),
    "batch_window": ("float", "0.25", "Seconds a status loop gathers due lookups before one list call."),
    "min_list_interval": (
        "float",
        "3",
        "Seconds from the start of one list round of a status loop to the next (a finished job is seen "
        "within about this).",
    ),
    "sweep_min_waits": (
        "integer",
        "50",
        "Waits on one loop from which one list call sweeps them all.",
    ),
    "max_list_pages": ("integer", "200", "Pages one list call may read before single lookups take over."),
    "wake_channel": (
        "string",
        "file",
        "How verified callbacks wake waiting triggers: file (wake files, one machine), file:///dir, "
        "redis://host:port/db (several machines) or none.",
    ),
    "wake_dir": ("string", "", "Wake-file folder of the file channel. Default: $AIRFLOW_HOME/vloc-wakes."),
    "wake_scan_interval": ("float", "0.25", "Seconds between two looks of the wake-file scanner."),
    "wake_prefix": ("string", "vloc", "Prefix of the Redis wake channel (<prefix>:wake)."),
}
SETTINGS += tuple(
    Setting(key, description, type=kind, default=default)
    for key, (kind, default, description) in WAIT_SETTINGS.items()
)
_BY_KEY = {setting.key: setting for setting in SETTINGS}


def _computed_default(key: str) -> str:
    if key == "output_root":
        return str(_airflow_home() / "video-localization" / "output")
    if key == "intake_inbox":
        return str(_airflow_home() / "video-localization" / "inbox")
    if key == "callback_seen_dir":
        return str(_airflow_home() / "vloc-callbacks")
    raise KeyError(key)


def setting(key: str) -> str:
    """The configured value of `key`, else its default (an unknown key is a programming error)."""
    declared = _BY_KEY[key]
    from airflow.sdk import conf

    value = conf.get(SECTION, key, fallback=None)
    if value not in (None, ""):
        return str(value)
    return declared.default if declared.default is not None else _computed_default(key)


def float_setting(key: str) -> float:
    value = setting(key)
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"[{SECTION}] {key} = {value!r} is not a number") from None


def list_setting(key: str) -> list[str]:
    """A comma- or newline-separated setting as a list of non-empty items."""
    return [item.strip() for item in setting(key).replace("\n", ",").split(",") if item.strip()]


def bool_setting(key: str) -> bool:
    return setting(key).strip().lower() in ("1", "true", "yes", "on")


def provider_config() -> dict:
    """The `config` block of the provider info."""
    options = {}
    for declared in SETTINGS:
        option: dict = {
            "description": declared.description,
            "version_added": "0.2.0",
            "type": declared.type,
            "example": declared.example,
            "default": declared.default,
        }
        options[declared.key] = option
    return {SECTION: {"description": "Settings of the video-localization provider.", "options": options}}
