"""Every operator and sensor holds its hook one way (a `cached_property`: one hook, one connection read and
one HTTP client per task instance), and no sensor module imports an operator module."""

from __future__ import annotations

import ast
import importlib
import inspect
from functools import cached_property
from pathlib import Path

import pytest
from airflow.sdk import BaseOperator

PACKAGE = Path(importlib.import_module("video_localization").__file__).parent
VENDORS = ("panjaya", "akool", "blendvision", "rev", "cdnvideo")
MODULES = [f"video_localization.{vendor}.{kind}" for vendor in VENDORS for kind in ("operators", "sensors")]
MODULES.append("video_localization.panjaya.review")


def _classes_with_a_hook(module_name: str) -> list[type]:
    module = importlib.import_module(module_name)
    return [
        cls
        for _name, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module_name and issubclass(cls, BaseOperator) and hasattr(cls, "hook")
    ]


@pytest.mark.parametrize("module_name", MODULES)
def test_the_hook_is_a_cached_property(module_name: str) -> None:
    classes = _classes_with_a_hook(module_name)
    assert classes, module_name
    for cls in classes:
        assert isinstance(inspect.getattr_static(cls, "hook"), cached_property), cls
        assert not hasattr(cls, "_hook"), cls


@pytest.mark.parametrize("vendor", [*VENDORS, "core"])
def test_sensor_modules_import_no_operator_module(vendor: str) -> None:
    tree = ast.parse((PACKAGE / vendor / "sensors.py").read_text())
    imported = [
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module is not None
    ]
    assert imported and not [name for name in imported if name.endswith(".operators")], imported
