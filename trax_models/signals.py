"""Ctrl-C (SIGINT) and SIGTERM on the command line: one line, exit 130 / 143, never ignored.

    exit_at_once()      while ``python -m trax_models`` imports trax, JAX and TensorFlow (a few
                        seconds, nothing written yet): a signal ends the process there
    raise_interrupted() while a command runs: the signal raises ``Interrupted`` in the main
                        thread, so ``finally`` blocks run (an atomic write removes its
                        temporary file, the directory's lock is released) and ``__main__``
                        prints one line
    run(command)        both, in turn: the second once the command has returned (shutdown)

Python runs a signal handler between bytecodes of the main thread; when that happens inside
a callback whose exceptions Python only reports ("Exception ignored in _xla_gc_callback"),
the ``Interrupted`` would be lost and the command go on to exit 0. So such a report is
silenced and the signal delivered again (``_thread.interrupt_main``); the first signal also
starts a watchdog that ends the process ``GRACE_S`` seconds later, and a second signal ends
it at once. Either way the exit status is 128 + the signal's number. Library code may also
turn the ``Interrupted`` into an error of its own (NumPy, filling an array); ``__main__``
reports any error that follows a signal as the signal.
"""
import _thread
import atexit
import os
import signal
import sys
import threading

__all__ = ["Interrupted", "run", "run_as_module", "exit_at_once", "raise_interrupted",
           "received", "exit_status", "message", "SIGNALS", "GRACE_S"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_S = 10.0  # for the cleanup of ``finally`` blocks after the exception is raised
_received = []  # signal numbers seen by raise_interrupted's handler
_redelivered = []  # a signal re-sent after a callback swallowed its Interrupted
_status = []  # run()'s exit status, for _exit_before_teardown
_stderr = []  # a duplicate of fd 2 taken before trax's import redirects it (trax_import)


class Interrupted(KeyboardInterrupt):
    """The command was stopped by a signal (a ``KeyboardInterrupt``: code that cleans up on
    Ctrl-C does so on SIGTERM too)."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_status(signum):
    return 128 + signum


def message(signum):
    return f"interrupted ({signal.Signals(signum).name})"


def _say_and_exit(signum):
    try:
        sys.stdout.flush()  # what the command printed (a summary) is not lost
    except (OSError, ValueError):
        pass
    try:
        line = (message(signum) + "\n").encode()
        if _stderr:
            os.write(_stderr[0], line)
        else:
            sys.stderr.flush()
            os.write(2, line)
    finally:
        os._exit(exit_status(signum))


def run_as_module(name):
    """Whether this process is ``python [options] -m NAME ...`` (``sys.orig_argv``: the
    command line as typed; ``sys.argv`` is not final while the package imports)."""
    argv = sys.orig_argv
    return "-m" in argv and argv[argv.index("-m") + 1:argv.index("-m") + 2] == [name]


def exit_at_once():
    """Until ``raise_interrupted``: a signal prints one line and ends the process."""
    if not _stderr:
        try:
            _stderr.append(os.dup(2))
        except OSError:
            pass  # no fd 2: nowhere to say it
    for s in SIGNALS:
        signal.signal(s, lambda signum, frame: _say_and_exit(signum))


def received():
    """The first signal ``raise_interrupted``'s handler saw, or None."""
    return _received[0] if _received else None


def _watchdog(signum):
    timer = threading.Timer(GRACE_S, _say_and_exit, args=(signum,))
    timer.daemon = True
    timer.start()


def _handler(signum, frame):
    if _redelivered:  # our own second delivery of the first signal
        _redelivered.clear()
        raise Interrupted(_received[0])
    if _received:  # the second signal: the user means it
        _say_and_exit(_received[0])
    _received.append(signum)
    _watchdog(signum)
    raise Interrupted(signum)


def _unraisable(report, default=sys.unraisablehook):
    """An ``Interrupted`` raised inside a callback: not reported, delivered again."""
    if isinstance(report.exc_value, Interrupted) and not _redelivered:
        _redelivered.append(True)  # from another thread: sent now, it would land in here
        threading.Timer(0.05, _thread.interrupt_main, args=(report.exc_value.signum,)).start()
        return
    default(report)


def run(command):
    """``command()``'s exit status under these rules: while it runs a signal raises
    ``Interrupted`` (``command`` reports it); once it has returned, a signal ends the process
    at once (its buffered output flushed) — a signal during shutdown is never ignored."""
    raise_interrupted()
    atexit.register(_exit_before_teardown)  # the first registered: the last to run
    try:
        try:
            _status.append(command())
        finally:
            exit_at_once()
    except KeyboardInterrupt as e:  # came between the command's own handling and here
        signum = getattr(e, "signum", signal.SIGINT)
        sys.stderr.write(message(signum) + "\n")
        _status.append(exit_status(signum))
    return _status[-1]


def _exit_before_teardown():
    """After the other atexit handlers: exit with the command's status before Python tears
    down its modules — there, signals get their default handlers back and a Ctrl-C would
    kill the process without a word."""
    if _status:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(_status[-1])


def raise_interrupted():
    """A signal raises ``Interrupted`` in the main thread (see the module docstring)."""
    sys.unraisablehook = _unraisable
    for s in SIGNALS:
        signal.signal(s, _handler)
