"""watchdog's Python adapter: report a crash on the watchdog's crash channel.

The watchdog puts this directory first on PYTHONPATH, so Python imports this module at start-up
(site.py imports `sitecustomize`). It must never change what the program does or prints:

- It checks that WATCHDOG_CRASH_FD names the watchdog's channel, by the same identity rule as
  the Node preload (docs/channel.md): the first process pins the channel's dev:ino in
  WATCHDOG_CRASH_ID, descendants use the descriptor only if it is that same socket.
- sys.excepthook is wrapped: on an uncaught exception it writes the traceback's frames and the
  exception's type name (never its message or values) on the channel, then calls the previous
  hook, which prints as usual. KeyboardInterrupt is not a crash.
- faulthandler is enabled on the channel, so a fatal signal (segmentation fault, abort) dumps the
  Python stack there rather than nowhere; stderr is untouched.
- It removes its own directory from sys.path again and then runs any other sitecustomize the
  program would have run without the watchdog.
"""

import os
import sys


def _watchdog_channel():
    raw = os.environ.get("WATCHDOG_CRASH_FD", "")
    if not raw.isdigit() or int(raw) < 3:
        return None
    fd = int(raw)
    pinned = os.environ.get("WATCHDOG_CRASH_ID")
    try:
        import stat

        st = os.fstat(fd)
        ident = "%d:%d" % (st.st_dev, st.st_ino)
        usable = stat.S_ISSOCK(st.st_mode)  # the channel is a socket; a FIFO is the program's own pipe
    except (OSError, ValueError):
        ident, usable = None, False
    if pinned:
        return fd if ident is not None and pinned == ident else None
    if not usable or ident is None:
        os.environ["WATCHDOG_CRASH_ID"] = "none"
        return None
    os.environ["WATCHDOG_CRASH_ID"] = ident
    return fd


def _watchdog_report(fd, exc_type, tb):
    import traceback

    lines = ["Traceback (most recent call last):\n"]
    for frame in traceback.extract_tb(tb, limit=64):
        lines.append('  File "%s", line %s, in %s\n' % (frame.filename, frame.lineno, frame.name))
    module = getattr(exc_type, "__module__", "builtins")
    name = getattr(exc_type, "__qualname__", "Exception")
    lines.append((name if module in ("builtins", "__main__") else module + "." + name) + "\n")
    data = "".join(lines).encode("utf-8", "replace")
    while data:
        data = data[os.write(fd, data):]


def _watchdog_install():
    fd = _watchdog_channel()
    if fd is None:
        return
    previous = sys.excepthook

    def excepthook(exc_type, exc, tb):
        if not issubclass(exc_type, KeyboardInterrupt):
            try:
                _watchdog_report(fd, exc_type, tb)
            except Exception:
                pass
        previous(exc_type, exc, tb)

    sys.excepthook = excepthook
    try:
        import faulthandler

        if not faulthandler.is_enabled():
            faulthandler.enable(file=fd, all_threads=False)
    except Exception:
        pass


def _watchdog_chain():
    """Runs the sitecustomize this one shadows, as Python would have without the watchdog."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    import importlib.machinery
    import importlib.util

    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


try:
    _watchdog_install()
except Exception:
    pass
_watchdog_chain()
