"""The one exception type for input a user can fix.

Raise ``UserError("what was wrong — what to do")``; the CLI prints ``error: <message>`` on one
line and exits with status 2 instead of showing a traceback.
"""

__all__ = ["UserError"]


class UserError(Exception):
    """Bad input, a missing file or an inconsistent setting, explained for the user."""
