"""Every connection a run will use exists and has the right type, checked in `plan` before any spend.

A missing `notify_conn_id`, or a vendor connection that was never configured, used to fail only after
the vendor had been paid. A connection a user names (the notification target) must also point at a
public host (`core.urls`); vendor connections are set by the operator and are only checked to exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from video_localization.core.errors import InvalidInputError
from video_localization.core.urls import check_public_host

HTTP_CONN_TYPES = ("http", "https")


@dataclass(frozen=True)
class NeededConnection:
    """A connection a run needs: which request field brought it in, its id and the types it may have."""

    field: str
    value: Any
    conn_id: str
    conn_types: tuple[str, ...]
    user_chosen: bool = False  # the user named it: its host must be public too


def _lookup(conn_id: str) -> Any:
    from airflow.sdk import BaseHook

    return BaseHook.get_connection(conn_id)


def check_connection(needed: NeededConnection) -> None:
    """Raise `InvalidInputError` naming the request field when the connection is unusable."""
    types = " or ".join(needed.conn_types)
    allowed = f"a field whose connection {needed.conn_id!r} exists with type {types}"
    if needed.user_chosen:
        allowed = f"the id of an existing connection of type {types}"
    try:
        connection = _lookup(needed.conn_id)
    except Exception:  # AirflowNotFoundException, or a secrets backend that cannot answer
        raise InvalidInputError(
            needed.field, needed.value, allowed, f"connection {needed.conn_id!r} does not exist"
        ) from None
    conn_type = (getattr(connection, "conn_type", None) or "").lower()
    if conn_type not in needed.conn_types:
        raise InvalidInputError(
            needed.field,
            needed.value,
            allowed,
            f"connection {needed.conn_id!r} has type {conn_type or 'none'}, not {types}",
        )
    if needed.user_chosen:
        host = getattr(connection, "host", None) or ""
        check_public_host(needed.field, needed.value, host, getattr(connection, "port", None))


def vendor_connection(field: str, value: Any, vendor: str) -> NeededConnection:
    """The default connection of a vendor's hook (`panjaya_default`, type `panjaya`, ...)."""
    return NeededConnection(field, value, f"{vendor}_default", (vendor,))


def notify_connection(field: str, conn_id: str) -> NeededConnection:
    return NeededConnection(field, conn_id, conn_id, HTTP_CONN_TYPES, user_chosen=True)
