"""Parsing a DAG file must not import the heavy libraries its tasks use (see `core/lazy.py`).

Not timed (`python -m benchmarks parse` measures): each DAG file is loaded the way DagBag loads it, in
a fresh interpreter, and the modules it left in `sys.modules` are checked. A new top-level import of a
caption converter or of the http provider's operator in a DAG file, an operator module or a `pipelines`
module fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"

#: Loaded only when a task runs: caption converters (and what they pull in), the http provider's
#: operator (aiohttp, requests), our own caption conversion code, Airflow's ORM models of runs and task
#: instances (the standard provider's `TriggerDagRunOperator` module imports them; the intake's trigger
#: does not use it, see `pipelines/intake_trigger.py`).
HEAVY_AT_PARSE = (
    "pycaption",
    "ttconv",
    "bs4",
    "cssutils",
    "aiohttp",
    "requests",
    "airflow.providers.http.operators.http",
    "video_localization.core.captions.convert",
    "video_localization.core.captions.library_writers",
    "airflow.providers.standard.operators.trigger_dagrun",
    "airflow.api.common.trigger_dag",
    "airflow.models.dagrun",
    "airflow.models.taskinstance",
)

_LOAD = r"""
import importlib.util, json, sys
path = sys.argv[1]
spec = importlib.util.spec_from_file_location("unusual_prefix_dagfile", path)
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
print(json.dumps(sorted(sys.modules)))
"""


def modules_after_parsing(path: Path) -> set[str]:
    env = {**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    result = subprocess.run(
        [sys.executable, "-c", _LOAD, str(path)], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("dag_file", sorted(DAGS.glob("*.py")), ids=lambda path: path.stem)
def test_parsing_a_dag_file_imports_no_heavy_library(dag_file: Path) -> None:
    loaded = modules_after_parsing(dag_file)
    assert "airflow.sdk" in loaded  # the file was really parsed
    heavy = sorted(name for name in loaded if name.split(".")[0] in HEAVY_AT_PARSE or name in HEAVY_AT_PARSE)
    assert heavy == [], f"{dag_file.name} imports at parse time: {heavy}"
