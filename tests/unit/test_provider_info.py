"""The provider's contract with Airflow: entry point, connection types as data, provider info."""

from __future__ import annotations

import importlib
import json
from importlib.metadata import entry_points
from pathlib import Path

import airflow
import jsonschema

from video_localization import get_provider_info


# -- the provider's declaration ------------------------------------------------------------------------------
def test_provider_info_declares_five_connection_types_as_data() -> None:
    info = get_provider_info()
    assert info["package-name"] == "airflow-provider-video-localization"
    schema_path = Path(airflow.__file__).parent / "provider_info.schema.json"
    jsonschema.validate(info, json.loads(schema_path.read_text()))
    types = {entry["connection-type"]: entry for entry in info["connection-types"]}
    assert set(types) == {"panjaya", "akool", "rev", "cdnvideo", "blendvision"}
    for entry in types.values():
        assert entry["conn-fields"], entry["connection-type"]
        behaviour = entry["ui-field-behaviour"]
        assert {"hidden-fields", "relabeling", "placeholders"} <= set(behaviour)
        for field in entry["conn-fields"].values():
            assert field["label"] and field["schema"]["type"]


def test_the_panjaya_entries_point_at_importable_classes() -> None:
    info = get_provider_info()
    [panjaya] = [entry for entry in info["connection-types"] if entry["connection-type"] == "panjaya"]
    module, _, name = panjaya["hook-class-name"].rpartition(".")
    hook = getattr(importlib.import_module(module), name)
    assert (hook.conn_type, hook.hook_name, hook.default_conn_name) == (
        "panjaya",
        panjaya["hook-name"],
        "panjaya_default",
    )
    assert set(panjaya["conn-fields"]) == {"callback_url", "callback_public_key"}
    assert panjaya["ui-field-behaviour"]["relabeling"]["password"] == "API key"
    for link in info["extra-links"]:
        module, _, name = link.rpartition(".")
        assert getattr(importlib.import_module(module), name)().name


def test_the_provider_is_registered_through_its_entry_point() -> None:
    [entry] = [
        e for e in entry_points(group="apache_airflow_provider") if e.value.startswith("video_localization")
    ]
    assert entry.load() is get_provider_info
