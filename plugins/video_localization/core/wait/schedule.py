"""The poll backoff schedule: first interval, growth factor, cap (all seconds).

Why geometric with a cap: a 30-minute dub polled every 10 s costs 180 calls; growing by 1.5 up to 300 s
costs 13 (plus the operator's check before deferring), while a job that ends in 30 s is still seen within
about 10 s. `calls_for` answers "how many status calls for a job of this length" for the benchmark and
the docs.
"""

from __future__ import annotations

from dataclasses import dataclass

from video_localization.core.wait import settings


@dataclass(frozen=True)
class PollSchedule:
    first: float
    factor: float
    cap: float

    def __post_init__(self) -> None:
        if self.first <= 0 or self.cap < self.first or self.factor < 1:
            raise ValueError(
                "a poll schedule needs 0 < first <= cap and factor >= 1, "
                f"got first={self.first}, factor={self.factor}, cap={self.cap}"
            )

    @classmethod
    def parse(cls, text: str, setting: str = "poll_schedule") -> PollSchedule:
        """ "first,factor,cap" -> schedule; a bad value names the setting and the allowed form."""
        parts = [part.strip() for part in text.split(",")]
        try:
            first, factor, cap = (float(part) for part in parts)
            return cls(first, factor, cap)
        except ValueError as bad:
            raise ValueError(
                f"[video_localization] {setting} = {text!r} is not 'first,factor,cap' in seconds "
                f"(for example '10,1.5,300'): {bad}"
            ) from None

    def interval(self, index: int) -> float:
        """The wait before poll number `index + 1` (index 0 is the first interval)."""
        return min(self.first * self.factor**index, self.cap)

    def calls_for(self, seconds: float) -> int:
        """Polls this schedule makes for a job that ends `seconds` after the wait began (the one that
        sees it finished included)."""
        elapsed, calls = 0.0, 0
        while elapsed < seconds:
            elapsed += self.interval(calls)
            calls += 1
        return calls


def polls_before(schedule: PollSchedule, seconds: float) -> int:
    """Scheduled polls strictly before `seconds` (with callbacks, the woken look then sees the end)."""
    elapsed, calls = schedule.interval(0), 0
    while elapsed < seconds:
        calls += 1
        elapsed += schedule.interval(calls)
    return calls


def first_poll(
    schedule: PollSchedule,
    now: float,
    observed_at: float | None,
    *,
    fresh: float,
    jitter: float,
    settled_at: float,
    draw: float,
) -> tuple[float, int]:
    """When a starting wait first looks (epoch seconds), and the schedule index of the interval after it.

    - The operator checked the job `observed_at` (less than `fresh` seconds and one interval ago): that
      check was poll 0, so the first poll is one interval after it, not now (index 1 follows).
    - Otherwise (no check passed in, or a triggerer restart long after it; a wake sent meanwhile may
      have been lost): look soon, spread over a share of the first interval so thousands of restarted
      waits do not ask at once.
    - Never before `settled_at` (`core.resume_race`: the deferring workload must have exited first).
      It is a floor under the first poll, not a delay added to it: a trigger waits once, not twice.

    `draw` is a random number in [0, 1) (the caller's, so a test can fix it); `jitter` the share of the
    interval the spread covers (clamped to [0, 1]).
    """
    jitter = min(max(jitter, 0.0), 1.0)
    if observed_at is not None and 0 <= now - observed_at < min(fresh, schedule.interval(0)):
        due, index = observed_at + schedule.interval(0) * (1 - jitter * draw), 1
    else:
        due, index = now + min(schedule.interval(0), fresh) * jitter * draw, 0
    return max(due, settled_at), index


def configured(key: str, vendor: str) -> PollSchedule | None:
    """The schedule set in conf for `vendor` (`<key>_<vendor>`, then `<key>`); None when unset."""
    text = settings.vendor_value(key, vendor)
    return PollSchedule.parse(text, f"{key}[_{vendor}]") if text else None
