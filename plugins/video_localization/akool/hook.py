"""AkoolHook: the only place that knows Akool's wire format (paths, auth, business codes).

Connection (`akool_default`): login = clientId, password = clientSecret (a token is taken from
`POST /getToken` and reused), or the `api_key` extra (sent as `x-api-key`; used when set); host = base
URL (default `https://openapi.akool.com/api/open/v3`); extra `webhook_url` = where Akool should post
job updates.

Every answer is HTTP 200 with a business `code`; anything but 1000 becomes a `VendorError` carrying the
code and Akool's words. 1201/1205 ("try again later") are retried by `VendorApi`, creates included (the
code proves nothing was created). 1101 (token expired or invalid) takes a new token once and repeats
the call once.
"""

from __future__ import annotations

import hashlib
import threading
import time
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

import httpx
from airflow.sdk.log import mask_secret

from video_localization.akool.models import (
    DEFAULT_BASE_URL,
    INVALID_TOKEN,
    LIPSYNC_REPEATED,
    SUCCESS_CODE,
    VENDOR,
    CreateAnswer,
    Language,
    LanguageList,
    TokenAnswer,
    TranslationRequest,
    VideoJob,
    code_meaning,
    parse,
)
from video_localization.core.errors import VendorError, VendorResponseError
from video_localization.core.hooks import VendorHook, base_url_of
from video_localization.core.http import ErrorParser

API_KEY_HEADER = "x-api-key"
TOKEN_PATH = "/getToken"  # noqa: S105 (a path, not a secret)
LANGUAGES_PATH = "/language/list"
CREATE_PATH = "/content/video/createbytranslate"
INFO_PATH = "/content/video/infobymodelid"
#: How long a fetched language list is believed, per process (a worker, the triggerer, the api-server).
LANGUAGE_LIST_TTL_SECONDS = 3600.0


class AkoolApiError(VendorError):
    """Akool answered a business code other than 1000."""


class AkoolCredentialsError(AkoolApiError):
    """`POST /getToken` refused the connection's clientId/clientSecret (or the API key was refused)."""


class AkoolLipsyncRepeated(AkoolApiError):
    """1202: this video was already translated with lipsync into this language (a paid job exists)."""


def akool_error(code: int, msg: str, body: Any, *, what: str = "") -> AkoolApiError:
    """A business code -> the matching error, with Akool's own words and whether retrying may help."""
    meaning = code_meaning(code)
    cls = AkoolLipsyncRepeated if code == LIPSYNC_REPEATED else AkoolApiError
    prefix = f"{what}: " if what else ""
    error = cls(
        VENDOR,
        f"{prefix}{meaning.meaning} (Akool: {msg or 'no message'})",
        status_code=200,
        code=code,
        retryable=meaning.retryable,
        details=body,
    )
    # The answer is a refusal of the whole request: a create that got it may be sent again.
    error.vendor_did_not_act = meaning.nothing_created  # type: ignore[attr-defined]
    return error


def business_body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of an answer; anything else is an unexpected answer with its raw text."""
    try:
        body = response.json()
    except ValueError:
        raise VendorResponseError(
            VENDOR, "answer (not JSON)", response.text[:2000], status_code=response.status_code
        ) from None
    code = body.get("code") if isinstance(body, dict) else None
    if isinstance(code, bool) or not isinstance(code, int):
        raise VendorResponseError(
            VENDOR, "answer (no integer `code`)", body, status_code=response.status_code
        )
    return body


def check_business_code(response: httpx.Response) -> None:
    """`VendorApi`'s `check`: HTTP 200 is not success, `code == 1000` is."""
    body = business_body(response)
    if body["code"] != SUCCESS_CODE:
        raise akool_error(body["code"], str(body.get("msg") or ""), body)


def akool_http_error(response: httpx.Response) -> VendorError:
    """A non-200 answer (gateway errors, throttling): Akool's `{code, msg}` words when present."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("msg"):
        message = str(body["msg"])
    else:
        message = response.text[:2000] or response.reason_phrase
    return VendorError(VENDOR, message, status_code=response.status_code, details=body)


# -- caches shared by every hook of the process (the triggerer polls many jobs with one token) ---------
_lock = threading.Lock()
_tokens: dict[tuple[str, str, str], str] = {}
_languages: dict[tuple[str, str], tuple[float, list[Language]]] = {}  # key -> (fetched at, list)


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def clear_caches() -> None:
    """Forget every cached token and language list of this process."""
    with _lock:
        _tokens.clear()
        _languages.clear()


class AkoolHook(VendorHook):
    """One method per Akool endpoint; async twins of what triggers poll.

    :param akool_conn_id: the Airflow connection (type `akool`); `conn_id` is accepted too. Default
        `akool_default`.
    :param timeout: seconds per HTTP request.
    :param retry: the backoff policy for retryable answers (429, 5xx, timeouts); default `RetryPolicy()`.
    """

    vendor = VENDOR
    default_base_url = DEFAULT_BASE_URL
    conn_name_attr = "akool_conn_id"
    default_conn_name = "akool_default"
    conn_type = "akool"
    hook_name = "Akool Video Translation"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._languages: list[Language] | None = None

    # -- credentials ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return base_url_of(self.connection, self.default_base_url)

    @cached_property
    def api_key(self) -> str | None:
        """The `api_key` extra (sent as `x-api-key`); when set, no token is taken."""
        key = str(self.extras.get("api_key") or "").strip()
        if key:
            mask_secret(key)
        return key or None

    @property
    def uses_token(self) -> bool:
        return self.api_key is None

    def _client_credentials(self) -> tuple[str, str]:
        client_id = (self.connection.login or "").strip()
        secret = (self.connection.password or "").strip()
        if not client_id or not secret:
            raise AkoolCredentialsError(
                VENDOR,
                f"connection {self.conn_id!r} needs clientId (login) and clientSecret (password), "
                "or an `api_key` extra",
            )
        return client_id, secret

    def _token_key(self) -> tuple[str, str, str]:
        client_id, secret = self._client_credentials()
        return self.base_url, client_id, _fingerprint(secret)

    def _token_body(self) -> dict[str, str]:
        client_id, secret = self._client_credentials()
        return {"clientId": client_id, "clientSecret": secret}

    @staticmethod
    def _token_from(response: httpx.Response) -> str:
        try:
            raw = response.json()
        except ValueError:
            raw = None
        secret = raw.get("token") if isinstance(raw, dict) else None
        if not (isinstance(secret, str) and secret):
            secret = None
        if secret:
            mask_secret(secret)
        try:
            body = business_body(response)
            if body["code"] != SUCCESS_CODE:
                error = akool_error(body["code"], str(body.get("msg") or ""), body, what="getToken")
                raise AkoolCredentialsError(
                    VENDOR, error.message, status_code=200, code=error.code, details=body
                ) from None
            token = parse(TokenAnswer, body, "getToken answer").token
        except VendorResponseError:
            if secret is None:
                raise
            # The answer's shape, never the token it carries.
            shown = {**raw, "token": "<redacted>"}
            raise VendorResponseError(
                VENDOR, "getToken answer", shown, status_code=response.status_code
            ) from None
        return token  # masked above: a parsed token is the answer's `token` string

    def get_token(self, refresh: bool = False) -> str:
        """A token for the connection's clientId/clientSecret: cached per process, fetched when missing."""
        key = self._token_key()
        with _lock:
            cached = None if refresh else _tokens.get(key)
        if cached:
            return cached
        response = self.api.request("POST", TOKEN_PATH, json=self._token_body(), authenticated=False)
        token = self._token_from(response)
        with _lock:
            _tokens[key] = token
        return token

    async def aget_token(self, refresh: bool = False) -> str:
        await self.aconnection()
        key = self._token_key()
        with _lock:
            cached = None if refresh else _tokens.get(key)
        if cached:
            return cached
        response = await self.api.arequest(
            "POST", TOKEN_PATH, json=self._token_body(), authenticated=False, auth_headers={}
        )
        token = self._token_from(response)
        with _lock:
            _tokens[key] = token
        return token

    def forget_token(self) -> None:
        with _lock:
            _tokens.pop(self._token_key(), None)

    def auth_headers(self) -> dict[str, str]:
        if self.api_key:
            return {API_KEY_HEADER: self.api_key}
        return {"Authorization": f"Bearer {self.get_token()}"}

    async def aauth_headers(self) -> dict[str, str]:
        await self.aconnection()
        if self.api_key:
            return {API_KEY_HEADER: self.api_key}
        return {"Authorization": f"Bearer {await self.aget_token()}"}

    def error_parser(self) -> ErrorParser:
        return akool_http_error

    # -- the call wrapper: business codes, and one token refresh on 1101 --------------------------
    def _refused_key(self, error: VendorError) -> VendorError:
        if self.api_key and error.code == INVALID_TOKEN:
            return AkoolCredentialsError(
                VENDOR,
                f"the API key of connection {self.conn_id!r} was refused: {error.message}",
                status_code=error.status_code,
                code=error.code,
                details=error.details,
            )
        return error

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> dict[str, Any]:
        for attempt in (1, 2):
            try:
                response = self.api.request(method, path, check=check_business_code, **kwargs)
                return response.json()
            except AkoolCredentialsError:
                raise
            except VendorError as error:
                if error.code == INVALID_TOKEN and self.uses_token and attempt == 1:
                    self.log.info("Akool answered 1101 on %s: taking a new token and trying once more", what)
                    self.forget_token()
                    continue
                raise self._refused_key(error) from None
        raise AssertionError("unreachable")

    async def _acall(self, method: str, path: str, what: str, **kwargs: Any) -> dict[str, Any]:
        api = await self.aapi()
        for attempt in (1, 2):
            try:
                response = await api.arequest(
                    method, path, check=check_business_code, auth_headers=await self.aauth_headers(), **kwargs
                )
                return response.json()
            except AkoolCredentialsError:
                raise
            except VendorError as error:
                if error.code == INVALID_TOKEN and self.uses_token and attempt == 1:
                    self.log.info("Akool answered 1101 on %s: taking a new token and trying once more", what)
                    self.forget_token()
                    continue
                raise self._refused_key(error) from None
        raise AssertionError("unreachable")

    # -- languages --------------------------------------------------------------------------------
    def _languages_key(self) -> tuple[str, str]:
        identity = self.api_key or ":".join(self._client_credentials())
        return self.base_url, _fingerprint(identity)

    def list_languages(self, *, refresh: bool = False) -> list[Language]:
        """`GET /language/list`: cached on the hook and, for `LANGUAGE_LIST_TTL_SECONDS`, in the process."""
        if self._languages is not None and not refresh:
            return self._languages
        key = self._languages_key()
        now = time.monotonic()
        with _lock:
            cached = _languages.get(key)
        if cached and now - cached[0] < LANGUAGE_LIST_TTL_SECONDS and not refresh:
            self._languages = cached[1]
            return cached[1]
        body = self._call("GET", LANGUAGES_PATH, "the language list")
        languages = parse(LanguageList, body.get("data"), "language list").lang_list
        with _lock:
            _languages[key] = (now, languages)
        self._languages = languages
        return languages

    def language_codes(self, *, refresh: bool = False) -> set[str]:
        return {language.lang_code for language in self.list_languages(refresh=refresh)}

    # -- translations -----------------------------------------------------------------------------
    def create_translation(self, request: TranslationRequest) -> CreateAnswer:
        """`POST /content/video/createbytranslate` (paid): one job per target language."""
        body = self._call("POST", CREATE_PATH, "createbytranslate", json=request.wire(), creates=True)
        return parse(CreateAnswer, body, "createbytranslate answer")

    def get_video_info(self, video_model_id: str) -> VideoJob:
        body = self._call("GET", INFO_PATH, "infobymodelid", params={"video_model_id": video_model_id})
        return parse(VideoJob, body.get("data"), "video info")

    def video_info_url(self, video_model_id: str) -> str:
        """The job's own URL (`GET /content/video/infobymodelid?video_model_id=`): its extra link."""
        return f"{self.api.url(INFO_PATH)}?{urlencode({'video_model_id': video_model_id})}"

    async def aget_video_info(self, video_model_id: str) -> VideoJob:
        body = await self._acall("GET", INFO_PATH, "infobymodelid", params={"video_model_id": video_model_id})
        return parse(VideoJob, body.get("data"), "video info")

    # -- UI ---------------------------------------------------------------------------------------
    def test_connection(self) -> tuple[bool, str]:
        try:
            languages = self.list_languages(refresh=True)
        except VendorError as error:
            return False, str(error)
        how = "API key" if self.api_key else "clientId/clientSecret token"
        return True, f"Connected to Akool ({how}): {len(languages)} languages"
