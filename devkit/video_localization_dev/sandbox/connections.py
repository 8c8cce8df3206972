"""Airflow connections that point every vendor hook at a running sandbox, as `AIRFLOW_CONN_*` values.

One place for the sandbox credentials, used by `vloc demo`/`vloc up`, the DAG tests and the README.
"""

from __future__ import annotations

import json

from video_localization_dev.sandbox.akool.wire import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from video_localization_dev.sandbox.blendvision.constants import SANDBOX_API_TOKEN, SANDBOX_ORG_ID
from video_localization_dev.sandbox.cdnvideo.constants import (
    SANDBOX_ACCOUNT,
    SANDBOX_PASSWORD,
    SANDBOX_USERNAME,
)
from video_localization_dev.sandbox.panjaya import SANDBOX_API_KEYS, public_key_pem
from video_localization_dev.sandbox.rev.wire import SANDBOX_CLIENT_KEY, SANDBOX_USER_KEY


def sandbox_connections(sandbox_url: str) -> dict[str, str]:
    """`{"AIRFLOW_CONN_PANJAYA_DEFAULT": "<json>", ...}` for the sandbox at `sandbox_url`."""
    base = sandbox_url.rstrip("/")
    connections = {
        "panjaya_default": {
            "conn_type": "panjaya",
            "host": f"{base}/panjaya",
            "password": sorted(SANDBOX_API_KEYS)[0],
            "extra": {"callback_public_key": public_key_pem()},
        },
        "akool_default": {
            "conn_type": "akool",
            "host": f"{base}/akool",
            "login": SANDBOX_CLIENT_ID,
            "password": SANDBOX_CLIENT_SECRET,
        },
        "blendvision_default": {
            "conn_type": "blendvision",
            "host": f"{base}/blendvision",
            "password": SANDBOX_API_TOKEN,
            "extra": {"org_id": SANDBOX_ORG_ID},
        },
        "rev_default": {
            "conn_type": "rev",
            "host": f"{base}/rev",
            "login": SANDBOX_CLIENT_KEY,
            "password": SANDBOX_USER_KEY,
            "extra": {"sandbox_mode": True},
        },
        "cdnvideo_default": {
            "conn_type": "cdnvideo",
            "host": f"{base}/cdnvideo",
            "login": SANDBOX_USERNAME,
            "password": SANDBOX_PASSWORD,
            "extra": {"account": SANDBOX_ACCOUNT},
        },
    }
    return {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(value) for conn_id, value in connections.items()}
