"""Atomic writes: a killed job never leaves a complete-looking output (stdlib only)."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from bnlab.errors import BnlabError


def _cannot_write(path, err):
    return BnlabError(
        f"cannot write {path}: {err.strerror}. Make {Path(path).parent} writable (or free "
        f"disk space there) and rerun; nothing was left behind."
    )


def check_writable(path):
    """Fail now, not after minutes of work, if `path` cannot be written."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as err:
        raise _cannot_write(path, err) from err


def _remove_stale_temporaries(path):
    """Temporary files of `path` left by a killed job (Snakemake runs one job per output)."""
    for stale in path.parent.glob(f".{path.name}.*"):
        stale.unlink(missing_ok=True)


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; rename it into place on success.

    A killed job leaves only a hidden temporary file, never a complete-looking
    output.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    except OSError as err:
        raise _cannot_write(path, err) from err
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide results from other users
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except OSError as err:
        raise _cannot_write(path, err) from err
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
