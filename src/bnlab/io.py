"""Atomic NetCDF/figure writes and checked reads."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import xarray as xr

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


def write_netcdf(ds, path, encoding=None):
    with atomic_path(path) as tmp:
        try:
            ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
        except RuntimeError as err:  # the netCDF library reports a full disk this way
            raise OSError(28, f"{err} (is the disk full?)") from err


def open_netcdf(path, what="NetCDF file"):
    """Load a NetCDF file fully into memory, or raise a readable error."""
    path = Path(path)
    if not path.is_file():
        raise BnlabError(f"{what} {path} does not exist.")
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            return ds.load()
    except (OSError, ValueError, RuntimeError) as err:
        raise BnlabError(
            f"{what} {path} cannot be read ({err}); it is truncated or not NetCDF. "
            f"Delete it and rerun the rule that makes it."
        ) from err
