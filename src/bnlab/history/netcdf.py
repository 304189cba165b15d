"""NetCDF files written atomically and read with a readable error."""

from pathlib import Path

import xarray as xr

from bnlab.errors import BnlabError
from bnlab.io import atomic_path


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
