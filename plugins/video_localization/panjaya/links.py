"""Extra link on Panjaya tasks: open the version in Panjaya Dubbing Studio (needs a Panjaya login)."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperatorLink
from airflow.sdk.bases.xcom import BaseXCom

#: XCom key the operators push the (unsigned) studio URL under.
STUDIO_URL_XCOM_KEY = "studio_url"


class PanjayaStudioLink(BaseOperatorLink):
    """The version's unsigned `studio_url`: it requires a Panjaya login, so it is safe to show in the UI.

    Panjaya's own page for the job (the only vendor page the documents name). No argument: the link is
    the `studio_url` XCom `PanjayaGenerateVersionOperator` pushes (the connection's host decides it, as
    Panjaya answers it: a sandbox connection gives the emulator's studio page).
    """

    name = "Panjaya Studio"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        return BaseXCom.get_value(ti_key=ti_key, key=STUDIO_URL_XCOM_KEY) or ""
