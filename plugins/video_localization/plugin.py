"""The Airflow plugin: serves the vendor webhook receiver from the api-server, registers the extra links."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from video_localization import EXTRA_LINKS
from video_localization.callbacks.app import create_callback_app
from video_localization.core.links import import_links


class VideoLocalizationPlugin(AirflowPlugin):
    """Vendor callbacks at `/vloc-callbacks` (verified before believed) and every extra link of the provider.

    The links are the same list as the provider info's `extra-links` (`video_localization.EXTRA_LINKS`).
    """

    name = "video_localization"
    fastapi_apps = [
        {"app": create_callback_app(), "url_prefix": "/vloc-callbacks", "name": "Vendor callbacks"},
    ]
    operator_extra_links = [link_class() for link_class in import_links(EXTRA_LINKS)]
