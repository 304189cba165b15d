"""One training job: read mnist.nc, check inputs, train, write the history."""

from bnlab.data import load_mnist, normalization
from bnlab.history import to_dataset, write_history
from bnlab.training import Settings, train


def split_arrays(ds, train_examples=None, test_examples=None):
    """uint8 images and int32 labels of both splits, optionally the first N."""
    limits = {"train": train_examples, "test": test_examples}
    return {
        f"{split}_{kind}": ds[f"{split}_{kind}"].values[: limits[split]].astype(dtype, copy=False)
        for split in ("train", "test")
        for kind, dtype in (("images", "uint8"), ("labels", "int32"))
    }


def run_training(model, seed, mnist, config, output, log=print):
    import jax

    ds = load_mnist(mnist)
    train_cfg = config["training"]
    stats = normalization(ds, config["data"]["normalization"])
    # Move the data to the device and drop the host copy: peak memory matters.
    data = jax.device_put(split_arrays(ds, train_cfg["train_examples"], train_cfg["test_examples"]))
    del ds
    run = train(model, seed, data, stats, Settings.from_config(config), log=log)
    write_history(to_dataset(run, config, stats), output)
    log(f"wrote {output} ({sum(run.seconds):.1f} s of training and evaluation)")
