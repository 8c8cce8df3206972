"""The Airflow plugin: serves the vendor webhook receiver from the api-server."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from video_localization.callbacks.app import create_callback_app
from video_localization.panjaya.links import PanjayaStudioLink


class VideoLocalizationPlugin(AirflowPlugin):
    name = "video_localization"
    fastapi_apps = [
        {"app": create_callback_app(), "url_prefix": "/vloc-callbacks", "name": "Vendor callbacks"},
    ]
    operator_extra_links = [PanjayaStudioLink()]
