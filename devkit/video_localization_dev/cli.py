"""`vloc`: the project's command line (sandbox, demo, up, down)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from video_localization_dev.stack import ADMIN_USER, PROJECT_DIR, Stack

UP_HOME = PROJECT_DIR / ".airflow" / "up"
UP_STATE = UP_HOME / "stack.json"


def _languages(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def cmd_sandbox(args: argparse.Namespace) -> int:
    from video_localization_dev.sandbox.server import serve

    print(
        f"Vendor sandbox on http://{args.host}:{args.port} (vendors under /panjaya, /akool, ...)", flush=True
    )
    serve(host=args.host, port=args.port, step_seconds=args.step_seconds)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from video_localization_dev.demo import run_demo

    return run_demo(
        _languages(args.languages),
        Path(args.output).resolve(),
        vendor=args.vendor,
        dag_id=args.dag,
        captions=args.captions,
        formats=_languages(args.formats),
        fail=args.fail,
    )


def cmd_up(args: argparse.Namespace) -> int:
    if UP_STATE.exists():
        print(f"A stack is already up (see {UP_STATE}); run `vloc down` first.", file=sys.stderr)
        return 1
    stack = Stack(
        home=UP_HOME,
        output_dir=Path(args.output).resolve(),
        api_port=args.port,
        sandbox_port=args.sandbox_port,
        sandbox_step_seconds=2.0,
    )
    stack.start()
    from video_localization_dev.keeper import stack_settings

    pids = {name: p.pid for name, p in stack.processes.items()}
    UP_STATE.write_text(json.dumps({"pids": pids, "stack": stack_settings(stack)}))
    keeper = subprocess.Popen(  # restarts a component that dies; stopped first by `vloc down`
        [sys.executable, "-m", "video_localization_dev.keeper", str(UP_STATE)],
        env=stack.env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    UP_STATE.write_text(json.dumps({"pids": {"keeper": keeper.pid, **pids}, "stack": stack_settings(stack)}))
    print(f"Airflow UI: {stack.api_url}   login: {ADMIN_USER} / {stack.password}")
    print(f"Vendor sandbox: {stack.sandbox_url}   outputs: {stack.output_dir}")
    print(f"A keeper restarts any component that dies and says so in {stack.home / 'logs' / 'keeper.log'}.")
    print("Stop it with `make down` (or `vloc down`).")
    return 0


def cmd_down(_args: argparse.Namespace) -> int:
    if not UP_STATE.exists():
        print("No stack is up.")
        return 0
    state = json.loads(UP_STATE.read_text())
    pids = state.get("pids", state)  # (a state file written before the keeper existed holds pids only)
    keeper = pids.pop("keeper", None)
    if keeper is not None:  # first, or it would start again what is being stopped
        with contextlib.suppress(ProcessLookupError):
            os.killpg(keeper, signal.SIGKILL)
    for pid in pids.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    time.sleep(3)
    for pid in pids.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    UP_STATE.unlink()
    print(f"Stopped {', '.join(pids)}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vloc", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sandbox = commands.add_parser("sandbox", help="serve the offline vendor emulators")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8900)
    sandbox.add_argument(
        "--step-seconds", type=float, default=2.0, help="length of each vendor processing stage"
    )
    sandbox.set_defaults(func=cmd_sandbox)

    demo = commands.add_parser("demo", help="run localize_video end to end against the sandbox")
    demo.add_argument("--languages", default="fr-FR,de-DE,es-ES", help="comma-separated target languages")
    demo.add_argument("--output", default=str(PROJECT_DIR / "output"))
    demo.add_argument(
        "--vendor",
        default="auto",
        choices=["auto", "panjaya", "akool", "blendvision"],
        help="auto: each language to the first vendor that dubs it (a run can span vendors)",
    )
    demo.add_argument(
        "--fail",
        default=None,
        metavar="LOCALE@VENDOR",
        help="inject a vendor-side failure of one language's job (e.g. fr-FR@panjaya) and turn fallback on",
    )
    demo.add_argument("--dag", default="localize_video", choices=["localize_video", "talking_head_video"])
    demo.add_argument(
        "--captions",
        default=None,
        choices=["dubbing", "rev"],
        help="where captions come from (with --formats)",
    )
    demo.add_argument(
        "--formats", default="", help="comma-separated caption formats, e.g. SubRip,WebVtt,Ttml,Scc"
    )
    demo.set_defaults(func=cmd_demo)

    up = commands.add_parser("up", help="start the sandbox and Airflow and leave them running")
    up.add_argument("--port", type=int, default=8080)
    up.add_argument("--sandbox-port", type=int, default=8900)
    up.add_argument("--output", default=str(PROJECT_DIR / "output"))
    up.set_defaults(func=cmd_up)

    down = commands.add_parser("down", help="stop what `vloc up` started")
    down.set_defaults(func=cmd_down)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
