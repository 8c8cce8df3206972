"""video-localization: an Airflow provider that orchestrates paid AI vendors to localize video.

`get_provider_info()` is the `apache_airflow_provider` entry point: it declares one connection type per
vendor as data (fields, labels, placeholders), so the UI's connection form needs no hook import.
"""

from __future__ import annotations

__version__ = "0.2.0"

_HIDDEN_ALWAYS = ["schema", "port", "extra"]


def _text(label: str, description: str, *, secret: bool = False, default: object = None) -> dict:
    schema: dict = {"type": ["string", "null"]}
    if secret:
        schema["format"] = "password"
    if default is not None:
        schema["default"] = default
    return {"label": label, "description": description, "schema": schema}


def _connection(
    conn_type: str,
    hook: str,
    name: str,
    *,
    base_url: str,
    hidden: list[str],
    relabeling: dict[str, str],
    placeholders: dict[str, str],
    fields: dict[str, dict],
) -> dict:
    return {
        "connection-type": conn_type,
        "hook-class-name": hook,
        "hook-name": name,
        "conn-fields": fields,
        "ui-field-behaviour": {
            "hidden-fields": [*_HIDDEN_ALWAYS, *hidden],
            "relabeling": {"host": "Base URL", **relabeling},
            "placeholders": {"host": base_url, **placeholders},
        },
    }


CONNECTION_TYPES = [
    _connection(
        "panjaya",
        "video_localization.panjaya.hook.PanjayaHook",
        "Panjaya Dubbing Studio",
        base_url="https://api.panjaya.ai",
        hidden=["login"],
        relabeling={"password": "API key"},
        placeholders={"password": "your API key (without the 'panjaya-' prefix)"},
        fields={
            "callback_url": _text(
                "Callback URL",
                "Where Panjaya posts status updates (this deployment's /vloc-callbacks/panjaya/...)",
            ),
            "callback_public_key": _text(
                "Callback public key (PEM)",
                "Key that verifies X-Signature on callbacks; empty = the key in Panjaya's documentation",
            ),
        },
    ),
    _connection(
        "akool",
        "video_localization.akool.hook.AkoolHook",
        "Akool Video Translation",
        base_url="https://openapi.akool.com/api/open/v3",
        hidden=[],
        relabeling={"login": "Client ID", "password": "Client secret"},
        placeholders={"login": "clientId", "password": "clientSecret"},
        fields={
            "api_key": _text(
                "API key", "x-api-key for newer accounts (instead of client ID/secret)", secret=True
            ),
            "webhook_url": _text("Webhook URL", "Where Akool posts encrypted job updates"),
        },
    ),
    _connection(
        "rev",
        "video_localization.rev.hook.RevHook",
        "Rev Captions",
        base_url="https://api.rev.com/api/v1",
        hidden=[],
        relabeling={"login": "Client API key", "password": "User API key"},
        placeholders={"login": "client API key", "password": "user API key"},
        fields={
            "sandbox_mode": {
                "label": "Sandbox mode",
                "description": "Place sandbox orders (free, never worked by humans)",
                "schema": {"type": ["boolean", "null"], "default": False},
            },
            "notification_url": _text("Notification URL", "Where Rev posts order status notifications"),
        },
    ),
    _connection(
        "cdnvideo",
        "video_localization.cdnvideo.hook.CDNVideoHook",
        "CDNvideo Talking Head",
        base_url="https://api.cdnvideo.ru",
        hidden=[],
        relabeling={"login": "Username", "password": "Password"},
        placeholders={"login": "CDNvideo account user"},
        fields={
            "account": _text("Account", "Account name in the API path (/accounts/<account>/...)"),
            "pacing_dir": _text(
                "POST pacing folder",
                "Folder of the ledger that keeps every worker under 10 POSTs a minute (shared by all "
                "workers; empty = the system temp folder, which covers one machine)",
            ),
        },
    ),
    _connection(
        "blendvision",
        "video_localization.blendvision.hook.BlendVisionHook",
        "BlendVision One",
        base_url="https://api.one.blendvision.com",
        hidden=["login"],
        relabeling={"password": "API token"},
        placeholders={"password": "API token"},
        fields={"org_id": _text("Organization ID", "Sent as the x-bv-org-id header")},
    ),
]


#: One integration per vendor: (name, module folder, documentation URL).
INTEGRATIONS = [
    ("Panjaya", "panjaya", "https://docs.panjaya.ai"),
    ("Akool", "akool", "https://docs.akool.com"),
    ("BlendVision", "blendvision", "https://developers.blendvision.com"),
    ("Rev", "rev", "https://docs.rev.com/api"),
    ("CDNvideo", "cdnvideo", "https://www.cdnvideo.ru"),
]


def _modules(kind: str, extra: dict[str, list[str]] | None = None) -> list[dict]:
    """`[{"integration-name": ..., "python-modules": [...]}]` for one kind of class (hooks, sensors...)."""
    entries = []
    for name, folder, _url in INTEGRATIONS:
        modules = [f"video_localization.{folder}.{kind}", *(extra or {}).get(folder, [])]
        entries.append({"integration-name": name, "python-modules": modules})
    return entries


def get_provider_info() -> dict:
    """The provider's contract with Airflow, as data: nothing here imports a hook or an operator."""
    from video_localization.core.config import provider_config

    return {
        "package-name": "airflow-provider-video-localization",
        "name": "Video Localization",
        "description": "Orchestrates AI dubbing, captioning and presenter-video vendors from Airflow.",
        "versions": [__version__],
        "integrations": [
            {"integration-name": name, "external-doc-url": url, "tags": ["service"]}
            for name, _folder, url in INTEGRATIONS
        ],
        "hooks": _modules("hook"),
        "operators": _modules("operators", {"panjaya": ["video_localization.panjaya.review"]}),
        "sensors": _modules("sensors"),
        "triggers": _modules("triggers"),
        "connection-types": CONNECTION_TYPES,
        "extra-links": EXTRA_LINKS,
        "notifications": NOTIFICATIONS,
        "config": provider_config(),
        "plugins": [
            {
                "name": "video_localization",
                "plugin-class": "video_localization.plugin.VideoLocalizationPlugin",
            }
        ],
    }


PLUGIN_CLASS = "video_localization.plugin.VideoLocalizationPlugin"
#: Every operator extra link of the provider (also registered by the plugin).
EXTRA_LINKS = [
    "video_localization.panjaya.links.PanjayaStudioLink",
    "video_localization.rev.links.RevOrderLink",
    "video_localization.blendvision.links.BlendVisionDubbingJobLink",
    "video_localization.cdnvideo.links.CDNVideoTaskLink",
    "video_localization.akool.links.AkoolJobLink",
    "video_localization.core.links.ManifestLink",
]
#: The provider's notifiers (`notifications` in the provider info).
NOTIFICATIONS = ["video_localization.notifications.RunFailureNotifier"]
