"""A process that imports finews once, then forks one real ``finews`` command per request.

Starting Python and importing finews takes about 3 s here, which would make 50 crash trials take
minutes. Each child is the CLI itself (``finews.cli.app`` with the given arguments, in its own
process, with its own archive connection and lock), so killing it is killing ``finews fetch``.

Protocol, one line each way: the parent writes a JSON list of arguments and a log path; the zygote
answers ``pid N`` once the child runs and ``exit CODE`` (negative: killed by that signal) when it ends.
"""

from __future__ import annotations

import json
import os
import sys


def _child(args: list[str], log: str) -> None:
    import ctypes
    import signal

    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: never outlive the zygote (a failed test)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    from finews.cli import app

    code = 0
    try:
        app(args, prog_name="finews")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # a crash must show in the log and the exit code, never hang the parent
        import traceback

        traceback.print_exc()
        code = 70
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # never run the zygote's own exit handlers


def _warm_up() -> None:
    """Run one fetch of the bundled sample feed, so the word lists finews loads on first use are loaded here.

    jieba's dictionaries take about 8 s to load; each child inherits them loaded instead of paying again.
    """
    import tempfile
    from pathlib import Path

    import finews
    from finews.config import config_from_dict
    from finews.pipeline import fetch_all
    from finews.store import open_archive

    sample = Path(finews.__file__).parent / "samples" / "caijing-rss.xml"
    with tempfile.TemporaryDirectory() as folder:
        config = config_from_dict({"sources": [{"name": "warm", "url": str(sample)}]}, base_dir=Path(folder))
        archive = open_archive(Path(folder) / "warm.db")
        try:
            fetch_all(config, archive)
        finally:
            archive.close()
            archive.engine.dispose()


def main() -> None:
    import finews.cli  # noqa: F401  (the expensive part, paid once)

    _warm_up()
    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request["args"], request["log"])
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        print(f"exit {code}", flush=True)


if __name__ == "__main__":
    main()
