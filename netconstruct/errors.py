"""Errors that the CLI turns into one clear line on stderr.

Every problem a user can cause (bad arguments, a malformed file, a target that is not
Lipschitz, a network too large to build) raises a subclass of :class:`NetconstructError`
whose message is a single sentence naming the problem.
"""

from __future__ import annotations


class NetconstructError(ValueError):
    """A user-facing error: the message is one line and names the problem."""

    exit_code = 1


class UsageError(NetconstructError):
    """Bad arguments (ε ≤ 0, d ≤ 0, an unknown target name): exit code 2."""

    exit_code = 2


class FormatError(NetconstructError):
    """A network file that does not parse or does not validate."""


class TargetError(UsageError):
    """A target expression that does not parse, or a profile that is not Lipschitz."""


class TooLargeError(NetconstructError):
    """A construction whose predicted size exceeds the allowed budget (checked before allocating)."""


class NotCertifiable(Exception):
    """The network does not have the structure a certificate needs (the message says why).

    Not a user error: the verifier falls back to another certificate or reports "no certificate"."""


class WorkerLostError(NetconstructError):
    """A worker process died twice running the same pieces (killed, out of memory): the job is not done."""


class Terminated(KeyboardInterrupt):
    """SIGTERM reached the command: unwinds like Ctrl-C (temporary files removed, workers stopped), exit 143."""
