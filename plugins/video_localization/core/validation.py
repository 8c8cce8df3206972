"""Input checks shared by operators and the DAGs' plan steps: each failure names field, value, allowed.

`Checks` gathers every problem of a request before raising, so a user fixes all of them in one go and
nothing is spent on a request that was never going to work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlparse

from video_localization.core.errors import InvalidInputError, InvalidInputs

T = TypeVar("T")


class Checks:
    """Collects `InvalidInputError`s; `raise_if_any()` raises them together as `InvalidInputs`."""

    def __init__(self) -> None:
        self.errors: list[InvalidInputError] = []

    @contextmanager
    def field(self) -> Iterator[None]:
        try:
            yield
        except InvalidInputError as error:
            self.errors.append(error)
        except InvalidInputs as errors:
            self.errors.extend(errors.errors)

    def run(self, check: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        with self.field():
            return check(*args, **kwargs)
        return None

    def add(self, error: InvalidInputError) -> None:
        self.errors.append(error)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InvalidInputs(self.errors)


def http_url(field: str, value: Any) -> str:
    """An absolute http(s) URL with a host (vendors fetch it themselves)."""
    text = str(value or "").strip()
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInputError(field, value, "an absolute http:// or https:// URL")
    return text


def number_in_range(
    field: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    integer: bool = False,
) -> float | int:
    kind = "a whole number" if integer else "a number"
    try:
        if isinstance(value, bool):
            raise TypeError
        number: float | int = int(value) if integer else float(value)
        if integer and float(value) != number:
            raise ValueError
    except (TypeError, ValueError):
        raise InvalidInputError(
            field, value, _range_text(kind, minimum, maximum, exclusive_minimum)
        ) from None
    too_low = minimum is not None and (number <= minimum if exclusive_minimum else number < minimum)
    too_high = maximum is not None and number > maximum
    if too_low or too_high:
        raise InvalidInputError(field, value, _range_text(kind, minimum, maximum, exclusive_minimum))
    return number


def _range_text(kind: str, minimum: float | None, maximum: float | None, exclusive_minimum: bool) -> str:
    low = "" if minimum is None else f"{'>' if exclusive_minimum else '>='} {minimum:g}"
    high = "" if maximum is None else f"<= {maximum:g}"
    bounds = " and ".join(part for part in (low, high) if part)
    return f"{kind} {bounds}".strip()


def one_of(field: str, value: Any, allowed: list[str]) -> str:
    if value not in allowed:
        raise InvalidInputError(field, value, allowed)
    return value


@contextmanager
def as_field(field: str, value: Any, renamed: tuple[str, ...]) -> Iterator[None]:
    """Report errors of the inner fields `renamed` (an operator's names, e.g. `source_path`) against the
    user's own `field` and `value` (the plan's `source`), keeping why and what is allowed."""

    def relabel(error: InvalidInputError) -> InvalidInputError:
        if error.field not in renamed:
            return error
        reason = f"{error.field}={error.value!r}" + (f": {error.reason}" if error.reason else "")
        return InvalidInputError(field, value, error.allowed, reason)

    try:
        yield
    except InvalidInputError as error:
        raise relabel(error) from None
    except InvalidInputs as errors:
        raise InvalidInputs([relabel(error) for error in errors.errors]) from None
