"""Base hook for the vendors: connection -> base URL, credentials and a `VendorApi`.

A connection's host may be a whole URL (`https://api.panjaya.ai`, `http://127.0.0.1:8900/panjaya` for the
sandbox) or a bare host name with the scheme in `schema`. With no host the vendor's real base URL is used,
so a user only has to paste a key to reach production.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from airflow.sdk import BaseHook, Connection
from airflow.sdk.log import mask_secret

from video_localization.core.http import ErrorParser, RetryPolicy, VendorApi


def base_url_of(connection: Connection, default: str) -> str:
    host = (connection.host or "").strip()
    if not host:
        return default.rstrip("/")
    if "://" in host:
        return host.rstrip("/")
    scheme = connection.schema or "https"
    port = f":{connection.port}" if connection.port else ""
    return f"{scheme}://{host}{port}".rstrip("/")


class VendorHook(BaseHook):
    """Shared by every vendor hook: reads the connection once, builds the API client, masks secrets.

    :param conn_id: the Airflow connection id (each vendor hook also takes it under its `conn_name_attr`, e.g.
        `rev_conn_id`). Default: the hook's `default_conn_name`.
    :param timeout: seconds per HTTP request.
    :param retry: the backoff policy for retryable answers (429, 5xx, timeouts); default `RetryPolicy()`.
    """

    vendor: ClassVar[str]
    default_base_url: ClassVar[str]
    conn_name_attr = "conn_id"

    def __init__(
        self,
        conn_id: str | None = None,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        **kwargs: Any,
    ) -> None:
        # `Connection.get_hook()` (the UI's Test button, generic callers) passes the id under the hook's
        # `conn_name_attr` (`panjaya_conn_id`, ...), as Airflow's own hooks take it; `conn_id` works too.
        named = kwargs.pop(self.conn_name_attr, None) if self.conn_name_attr != "conn_id" else None
        super().__init__(**kwargs)
        self.conn_id = conn_id or named or self.default_conn_name
        setattr(self, self.conn_name_attr, self.conn_id)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()

    # -- connection -------------------------------------------------------------------------------
    @cached_property
    def connection(self) -> Connection:
        connection = self.get_connection(self.conn_id)
        self._mask(connection)
        return connection

    async def aconnection(self) -> Connection:
        """The connection, read without blocking the triggerer's event loop."""
        if "connection" not in self.__dict__:
            connection = await self.aget_connection(self.conn_id)
            self._mask(connection)
            self.__dict__["connection"] = connection
        return self.__dict__["connection"]

    @staticmethod
    def _mask(connection: Connection) -> None:
        if connection.password:
            mask_secret(connection.password)

    @property
    def extras(self) -> dict[str, Any]:
        return self.connection.extra_dejson

    # -- api --------------------------------------------------------------------------------------
    def error_parser(self) -> ErrorParser | None:
        """The vendor's error body -> `VendorError`; hooks override it."""
        return None

    def auth_headers(self) -> dict[str, str]:
        """Headers that authenticate a request; hooks override it."""
        return {}

    @cached_property
    def api(self) -> VendorApi:
        return VendorApi(
            self.vendor,
            base_url_of(self.connection, self.default_base_url),
            auth_headers=self.auth_headers,
            error_parser=self.error_parser(),
            timeout=self.timeout,
            retry=self.retry,
        )

    async def aapi(self) -> VendorApi:
        await self.aconnection()
        return self.api

    def close(self) -> None:
        if "api" in self.__dict__:
            self.api.close()
