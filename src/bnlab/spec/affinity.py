"""Keep a job on as many cores as it was given.

XLA sizes its CPU thread pool from the process's CPU affinity, so pinning
before JAX is imported is what limits a job's threads. Two local jobs must
not pin to the same core: each claims cores through lock files that the
kernel releases when the process dies.
"""

import fcntl
import os
import tempfile
from pathlib import Path

_held = []  # open lock files: a claim lasts as long as the process


def hold(path):
    """Lock `path` for as long as this process lives; False if another process holds it."""
    handle = open(path, "w")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return False
    _held.append(handle)
    return True


def claim_cores(n, lock_dir=None):
    """Pin this process to `n` cores not claimed by another bnlab job.

    Under a scheduler that already confined the job (SLURM's cgroup, taskset)
    to at most `n` cores, this changes nothing. Returns the cores in use.
    """
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) <= n:
        return allowed
    lock_dir = Path(lock_dir or tempfile.gettempdir())
    claimed = []
    for core in allowed:
        if hold(lock_dir / f"bnlab-cpu{core}.lock"):
            claimed.append(core)
            if len(claimed) == n:
                break
    # More jobs than cores: share the first ones rather than wait.
    claimed += [c for c in allowed if c not in claimed][: n - len(claimed)]
    os.sched_setaffinity(0, claimed)
    return sorted(claimed)
