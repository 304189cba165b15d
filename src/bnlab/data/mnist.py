"""MNIST: fetch through tensorflow-datasets, check the files, store and load mnist.nc.

TensorFlow is imported only inside `fetch_mnist`, so training jobs that read
`results/data/mnist.nc` never load it.
"""

import hashlib
import os
import socket
from pathlib import Path

import numpy as np
import xarray as xr

from bnlab.errors import BnlabError

# The four files tfds downloads for `mnist`, with the SHA-256 sums tfds records.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",  # noqa: E501
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",  # noqa: E501
}
SPLITS = {"train": 60_000, "test": 10_000}
DOWNLOAD_HOST = "storage.googleapis.com"


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _how_to_supply(manual_dir):
    names = ", ".join(MNIST_FILES)
    return (
        f"Put the four original MNIST files ({names}) in {manual_dir} "
        f"(data.manual_dir in config/config.yaml), or run where tfds can download them."
    )


def check_manual_files(manual_dir):
    """Checksums of the manual files; raise on a partial set or a corrupt file.

    Returns {} when the folder holds none of the files (tfds may download them).
    """
    manual_dir = Path(manual_dir)
    present = [n for n in MNIST_FILES if (manual_dir / n).is_file()]
    if not present:
        return {}
    missing = sorted(set(MNIST_FILES) - set(present))
    if missing:
        raise BnlabError(
            f"MNIST files missing from {manual_dir}: {', '.join(missing)}. "
            + _how_to_supply(manual_dir)
        )
    sums = {}
    for name, expected in MNIST_FILES.items():
        actual = sha256(manual_dir / name)
        if actual != expected:
            raise BnlabError(
                f"MNIST file {manual_dir / name} is corrupt: its SHA-256 is {actual}, "
                f"expected {expected}. Replace it with the original file. "
                + _how_to_supply(manual_dir)
            )
        sums[name] = actual
    return sums


def _online(host=DOWNLOAD_HOST, timeout=5.0):
    """Can tfds reach its download host? BNLAB_OFFLINE=1 says no without asking."""
    if os.environ.get("BNLAB_OFFLINE"):
        return False
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def fetch_mnist(manual_dir, tfds_data_dir):
    """Load both splits with tfds; return ({split: (images, labels)}, attrs)."""
    import tensorflow_datasets as tfds

    builder = tfds.builder("mnist", data_dir=str(tfds_data_dir))
    sums = check_manual_files(manual_dir)
    if builder.is_prepared():
        source = f"tfds prepared dataset in {tfds_data_dir}"
    elif sums:
        source = f"tfds built from the original files in {manual_dir}"
    elif _online():
        source = "tfds download"
    else:
        raise BnlabError(
            f"MNIST is not available offline: {manual_dir} holds none of its files and "
            f"there is no internet connection to download them. " + _how_to_supply(manual_dir)
        )
    download_config = tfds.download.DownloadConfig(manual_dir=str(manual_dir))
    train, test = tfds.load(
        "mnist",
        split=["train", "test"],
        batch_size=-1,
        as_supervised=True,
        data_dir=str(tfds_data_dir),
        download_and_prepare_kwargs={"download_config": download_config},
    )
    arrays = {
        name: tuple(np.asarray(a) for a in tfds.as_numpy(split))
        for name, split in zip(SPLITS, (train, test), strict=True)
    }
    attrs = {
        "source": source,
        "tfds_version": tfds.__version__,
        "tfds_dataset_version": str(builder.version),
        "source_sha256": "; ".join(f"{n} {s}" for n, s in (sums or MNIST_FILES).items()),
    }
    return arrays, attrs


def mnist_dataset(arrays, attrs):
    """MNIST as an xarray Dataset: uint8 images and int64 labels per split."""
    data_vars = {}
    for split, (images, labels) in arrays.items():
        images = np.asarray(images).reshape(len(images), 28, 28).astype(np.uint8)
        dim = f"{split}_example"
        data_vars[f"{split}_images"] = (
            (dim, "row", "col"),
            images,
            {"long_name": f"{split} images", "units": "pixel intensity (0-255)"},
        )
        data_vars[f"{split}_labels"] = (
            (dim,),
            np.asarray(labels).astype(np.int64),
            {"long_name": f"{split} digit labels", "units": "1"},
        )
    sizes = {split: len(labels) for split, (_, labels) in arrays.items()}
    attrs = dict(attrs, title="MNIST", **{f"{s}_size": n for s, n in sizes.items()})
    return xr.Dataset(data_vars, attrs=attrs)


def write_mnist(ds, path):
    from bnlab.history.netcdf import write_netcdf

    encoding = {name: {"zlib": True, "complevel": 4} for name in ds.data_vars}
    write_netcdf(ds, path, encoding=encoding)


def load_mnist(path):
    """Read and check `mnist.nc`; a truncated or foreign file is an error."""
    from bnlab.history.netcdf import open_netcdf

    ds = open_netcdf(path, what="prepared MNIST file")
    for split, size in SPLITS.items():
        images, labels = ds.get(f"{split}_images"), ds.get(f"{split}_labels")
        if (
            images is None
            or labels is None
            or images.shape != (size, 28, 28)
            or images.dtype != np.uint8
            or labels.shape != (size,)
        ):
            raise BnlabError(
                f"{path} is not a bnlab MNIST file: expected {split}_images "
                f"({size}, 28, 28) uint8 and {split}_labels ({size},). "
                f"Delete it and rerun the prepare_data rule."
            )
    return ds
