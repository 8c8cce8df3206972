"""The Airflow plugin: serves the vendor webhook receiver from the api-server (and eases SQLite writes)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from video_localization.callbacks.app import create_callback_app
from video_localization.panjaya.links import PanjayaStudioLink
from video_localization.sqlite_writes import SerializeSqliteWrites


class VideoLocalizationPlugin(AirflowPlugin):
    name = "video_localization"
    fastapi_apps = [
        {"app": create_callback_app(), "url_prefix": "/vloc-callbacks", "name": "Vendor callbacks"},
    ]
    operator_extra_links = [PanjayaStudioLink()]
    # On SQLite only: one write request at a time, so a burst of REST triggers gets no "database is locked".
    fastapi_root_middlewares = [
        {"middleware": SerializeSqliteWrites, "args": [], "kwargs": {}, "name": "Serialize SQLite writes"},
    ]
