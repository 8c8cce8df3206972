"""The Airflow plugin: the vendor webhook receiver and the localization board, served by the api-server,
the provider's extra links, and (on SQLite only) one write request at a time."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from video_localization import EXTRA_LINKS
from video_localization.board.api import URL_PREFIX as BOARD_PREFIX
from video_localization.board.api import create_board_app
from video_localization.callbacks.app import create_callback_app
from video_localization.core.links import import_links
from video_localization.sqlite_writes import SerializeSqliteWrites

#: Relative to the UI's `<base href>` (a leading `/` would break a deployment under a sub-path).
BOARD_BUNDLE = BOARD_PREFIX.lstrip("/") + "/static/board.js"


class VideoLocalizationPlugin(AirflowPlugin):
    """Vendor callbacks at `/vloc-callbacks` (verified before believed), the localization board (a page in
    the navigation, its API and downloads at `/vloc-board`), every extra link of the provider, and the
    SQLite write serializer (a no-op on any other metadata database).

    The links are the same list as the provider info's `extra-links` (`video_localization.EXTRA_LINKS`).
    """

    name = "video_localization"
    fastapi_apps = [
        {"app": create_callback_app(), "url_prefix": "/vloc-callbacks", "name": "Vendor callbacks"},
        {"app": create_board_app(), "url_prefix": BOARD_PREFIX, "name": "Localization board"},
    ]
    react_apps = [
        {
            "name": "Localization board",
            "bundle_url": BOARD_BUNDLE,
            "destination": "nav",
            "url_route": "localization-board",
            "icon": BOARD_PREFIX.lstrip("/") + "/static/icon.svg",
            "nav_top_level": True,
        }
    ]
    operator_extra_links = [link_class() for link_class in import_links(EXTRA_LINKS)]
    # On SQLite only: one write request at a time, so a burst of REST triggers gets no "database is locked".
    fastapi_root_middlewares = [
        {"middleware": SerializeSqliteWrites, "args": [], "kwargs": {}, "name": "Serialize SQLite writes"},
    ]
