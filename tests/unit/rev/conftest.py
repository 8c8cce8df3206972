"""Rev tests: `rev_default` (the sandbox user's keys, sandbox mode) pointing at the sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rev_test_support import RevObjects, rev_objects
from video_localization_dev.sandbox.server import RunningSandbox


@pytest.fixture
def rev(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RevObjects]:
    """`rev_default` pointing at the sandbox."""
    yield from rev_objects(sandbox, monkeypatch)
