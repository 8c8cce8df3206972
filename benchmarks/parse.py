"""DAG file parse cost: each file in `dags/` against a trivial one-task DAG, cold, in a fresh process.

"Cold" means a new interpreter per parse, as the dag-processor's parsing subprocess sees it, with the
bytecode cache warm (one untimed parse first; this repository's shells set PYTHONDONTWRITEBYTECODE, so
the benchmark points PYTHONPYCACHEPREFIX at a cache of its own instead of writing into the tree).
The child loads the file the way Airflow's DagBag does (`importlib` from a file path) and reports the
wall time of that load; the parent also records the child's CPU time (user + sys, from `wait4`), which
is the steadier figure on a shared machine. Medians of `repeat` runs; figures above the trivial DAG.

`python -m benchmarks parse [--repeat N]`.  `python -X importtime` on one file shows where time goes:
`.venv/bin/python -X importtime -c "import runpy; runpy.run_path('dags/localize_video.py')"`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAGS = ROOT / "dags"
PYCACHE = Path(tempfile.gettempdir()) / "vloc-bench-pycache"

TRIVIAL_DAG = """
from airflow.sdk import dag, task


@dag(dag_id="trivial", schedule=None)
def trivial():
    @task
    def one():
        return 1

    one()


trivial()
"""

# Loads one DAG file as DagBag does, prints the milliseconds the load took.
_CHILD = r"""
import importlib.util, sys, time
path = sys.argv[1]
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("unusual_prefix_dagfile", path)
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
print((time.perf_counter() - started) * 1000)
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    return env


def parse_once(path: Path) -> tuple[float, float]:
    """Wall milliseconds of the load (inside the child) and CPU milliseconds of the whole child."""
    process = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_env(),
        cwd=ROOT,
        text=True,
    )
    output = process.stdout.read()  # type: ignore[union-attr]
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"parsing {path} failed (exit code {process.returncode})")
    wall = float(output.strip().splitlines()[-1])
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def bench_parse(repeat: int = 3) -> None:
    with tempfile.TemporaryDirectory(prefix="vloc-bench-parse-") as folder:
        trivial = Path(folder) / "trivial_dag.py"
        trivial.write_text(TRIVIAL_DAG)
        files = [trivial, *sorted(DAGS.glob("*.py"))]
        for path in files:
            parse_once(path)  # warm the bytecode cache; not timed
        runs: dict[Path, list[tuple[float, float]]] = {path: [] for path in files}
        for _ in range(repeat):  # round-robin, so a burst of load hits every file alike
            for path in files:
                runs[path].append(parse_once(path))
    wall = {path: statistics.median(run[0] for run in runs[path]) for path in files}
    cpu = {path: statistics.median(run[1] for run in runs[path]) for path in files}
    print(f"parse: cold, fresh process per parse, median of {repeat} (goal: <= 200 ms above the trivial DAG)")
    print(f"  {'trivial one-task DAG':28s} load {wall[trivial]:6.0f} ms | process CPU {cpu[trivial]:6.0f} ms")
    for path in files[1:]:
        print(
            f"  {path.name:28s} load {wall[path]:6.0f} ms (+{wall[path] - wall[trivial]:5.0f})"
            f" | process CPU {cpu[path]:6.0f} ms (+{cpu[path] - cpu[trivial]:5.0f})"
        )
