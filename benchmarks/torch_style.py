"""The PyTorch peer: the same study written the idiomatic PyTorch way, timed
like blog_style.py. Needs torch (not in requirements.lock: see
docs/performance.md for how to add it).

Per epoch: shuffle, a Python loop of Adam steps over minibatches of 32
(in-memory tensors, fused Adam), then the training set in eval mode with every
layer's output histogrammed (4,000 bins) and its per-unit mean and std, and
test accuracy: the work one bnlab epoch does.

Usage: python benchmarks/torch_style.py MODEL EPOCHS THREADS
           [--mnist FILE] [--train-examples N] [--test-examples N]   (prints one JSON line)
"""

import json
import resource
import time

import numpy as np
import torch
from common import MNIST, data_options, parser
from torch import nn

from bnlab.data.mnist import load_mnist
from bnlab.data.pixels import scale_pixels, scaling_stats


def build(model_name):
    layers, widths = [], [784, 256, 128, 64]
    for n_in, n_out in zip(widths, widths[1:], strict=False):
        layers.append(nn.Linear(n_in, n_out))
        if model_name == "batchnorm":
            layers.append(nn.BatchNorm1d(n_out, momentum=0.01))  # flax's momentum 0.99
        layers.append(nn.ReLU())
    return nn.Sequential(*layers, nn.Linear(64, 10))


@torch.no_grad()
def evaluate(net, x, y, record, chunk=5000):
    net.eval()
    outputs = {}
    hooks = (
        [m.register_forward_hook(lambda m, i, o: outputs.__setitem__(m, o)) for m in net]
        if record
        else []
    )
    correct, hist, sums, squares = 0, {}, {}, {}
    for i in range(0, len(x), chunk):
        logits = net(x[i : i + chunk])
        correct += (logits.argmax(1) == y[i : i + chunk]).sum().item()
        for m, o in outputs.items():
            hist[m] = hist.get(m, 0) + torch.histc(o, bins=4000, min=-100, max=100)
            sums[m] = sums.get(m, 0) + o.sum(0)
            squares[m] = squares.get(m, 0) + (o * o).sum(0)
    for h in hooks:
        h.remove()
    net.train()
    return correct / len(x)


def main(
    model_name,
    epochs,
    threads,
    mnist=MNIST,
    train_examples=None,
    test_examples=None,
    batch_size=32,
    seed=42,
):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    ds = load_mnist(mnist)
    stats = scaling_stats(ds, "per_split")
    train, test = slice(train_examples), slice(test_examples)
    x_train = torch.from_numpy(scale_pixels(ds.train_images.values[train], stats["train"]))
    x_test = torch.from_numpy(scale_pixels(ds.test_images.values[test], stats["test"]))
    y_train = torch.from_numpy(ds.train_labels.values[train].astype(np.int64))
    y_test = torch.from_numpy(ds.test_labels.values[test].astype(np.int64))
    net = build(model_name)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, fused=True)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    evaluate(net, x_train, y_train, True)
    evaluate(net, x_test, y_test, False)
    epoch_seconds = []
    for _ in range(epochs):
        tic = time.perf_counter()
        perm = torch.randperm(len(x_train))
        for i in range(0, len(x_train), batch_size):
            idx = perm[i : i + batch_size]
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x_train[idx]), y_train[idx]).backward()
            opt.step()
        evaluate(net, x_train, y_train, True)
        test_acc = evaluate(net, x_test, y_test, False)
        epoch_seconds.append(time.perf_counter() - tic)
    return {
        "approach": "PyTorch",
        "model": model_name,
        "epochs": epochs,
        "cores": threads,
        "run_s": time.perf_counter() - start,
        "epoch_s": epoch_seconds,
        "final_test_acc": test_acc,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch": torch.__version__,
    }


if __name__ == "__main__":
    p = data_options(parser(__doc__))
    p.add_argument("model")
    p.add_argument("epochs", type=int)
    p.add_argument("threads", type=int)
    args = p.parse_args()
    limits = (args.mnist, args.train_examples, args.test_examples)
    print(json.dumps(main(args.model, args.epochs, args.threads, *limits)))
