"""Akool tests: `akool_default` (clientId/clientSecret) pointing at the sandbox, nothing cached."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from akool_test_support import AkoolObjects, akool_objects
from video_localization_dev.sandbox.server import RunningSandbox


@pytest.fixture
def akool(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[AkoolObjects]:
    """`akool_default` pointing at the sandbox; no token or language list cached."""
    yield from akool_objects(sandbox, monkeypatch)
