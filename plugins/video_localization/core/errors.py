"""The project's exceptions: one for vendor answers, one for a user's bad input."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from airflow.sdk.exceptions import AirflowException, AirflowFailException

_RAW_LIMIT = 2000
#: The query string of a link in a raw answer: a signed link's signature lives there (a credential).
_LINK_QUERY = re.compile(r"""(https?://[^\s'"<>?]*)\?[^\s'"<>]*""")


def _clip(raw: Any) -> str:
    text = raw if isinstance(raw, str) else repr(raw)
    text = _LINK_QUERY.sub(r"\1?<redacted>", text)
    return text if len(text) <= _RAW_LIMIT else text[:_RAW_LIMIT] + f"... ({len(text)} characters)"


class VendorError(AirflowException):
    """A vendor said no (or did not answer): carries who, the HTTP status, the vendor's code and words.

    `retryable` tells the HTTP client whether trying again may help (429, 5xx, timeouts, a vendor's
    "try again later" code); `retry_after` is the wait the vendor asked for, in seconds.
    """

    def __init__(
        self,
        vendor: str,
        message: str,
        *,
        status_code: int | None = None,
        code: str | int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        details: Any = None,
    ) -> None:
        self.vendor = vendor
        self.message = message
        self.status_code = status_code
        self.code = code
        self.retryable = retryable
        self.retry_after = retry_after
        self.details = details
        parts = [f"{vendor}"]
        if status_code is not None:
            parts.append(f"HTTP {status_code}")
        if code is not None:
            parts.append(f"code {code}")
        super().__init__(f"{' '.join(parts)}: {message}")

    def __reduce__(self):  # keep pickling (Airflow ships exceptions between processes) faithful
        return (
            _rebuild_vendor_error,
            (
                type(self),
                self.vendor,
                self.message,
                self.status_code,
                self.code,
                self.retryable,
                self.retry_after,
                self.details,
            ),
        )


def _rebuild_vendor_error(cls, vendor, message, status_code, code, retryable, retry_after, details):
    return cls(
        vendor,
        message,
        status_code=status_code,
        code=code,
        retryable=retryable,
        retry_after=retry_after,
        details=details,
    )


class VendorResponseError(VendorError):
    """A vendor answered something this project does not understand: the raw answer is in the message."""

    def __init__(self, vendor: str, what: str, raw: Any, *, status_code: int | None = None) -> None:
        super().__init__(vendor, f"unexpected {what}: {_clip(raw)}", status_code=status_code, details=raw)


class VendorJobFailed(VendorError, AirflowFailException):
    """A vendor job ended in failure (its own status said so).

    Not retried by Airflow: a retry would pay for a new job that most often fails the same way (bad
    media, a time out of range). Clear the task to try again on purpose once the cause is fixed.
    """


class DownloadVerificationError(AirflowException):
    """A downloaded file does not match what the vendor announced (size or checksum)."""


class InvalidInputError(ValueError):
    """Bad input, caught before any money is spent: names the field, the value and what is allowed."""

    def __init__(
        self, field: str, value: Any, allowed: str | Iterable[Any], reason: str | None = None
    ) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        if isinstance(allowed, str):
            self.allowed = allowed
        else:
            self.allowed = ", ".join(str(item) for item in allowed)
        message = f"{field}={value!r} is not allowed"
        if reason:
            message += f" ({reason})"
        message += f"; allowed: {self.allowed}"
        super().__init__(message)


class InvalidInputs(ValueError):
    """Several bad inputs at once, so the user can fix them all in one go."""

    def __init__(self, errors: list[InvalidInputError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors))
