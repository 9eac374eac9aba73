"""Errors a user can cause and fix.

Every user-facing failure in jitboot is a JitbootError whose message is one
line saying what went wrong, where (file:line or file and key) and, when it is
not obvious, what to do. Entry points print the message and exit non-zero;
they never show a traceback for these.
"""


class JitbootError(Exception):
    """A user-facing error: message is one line saying what and where."""
