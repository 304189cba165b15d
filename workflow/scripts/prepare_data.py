"""Snakemake adapter: MNIST via tensorflow-datasets -> results/data/mnist.nc."""

from bnlab.data.mnist import fetch_mnist, mnist_dataset, write_mnist
from bnlab.errors import exit_on_error
from bnlab.logs import log_to


def main(params, output, log):
    logger = log_to(log)
    logger.info("loading MNIST with tfds (manual_dir=%s)", params.manual_dir)
    arrays, attrs = fetch_mnist(params.manual_dir, params.tfds_data_dir)
    ds = mnist_dataset(arrays, attrs)
    write_mnist(ds, output)
    logger.info("wrote %s (%s)", output, attrs["source"])


exit_on_error(main, snakemake.params, snakemake.output[0], snakemake.log[0])
