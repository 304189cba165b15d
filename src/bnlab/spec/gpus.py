"""Training jobs sharing GPUs: how many a machine has, which one a job takes,
and a JAX memory policy that lets `gpu.jobs_per_gpu` jobs fit on one.

By default each JAX process preallocates 75% of a GPU's memory, so a second
job on the same GPU fails. Each job here allocates on demand, up to its share.
No JAX import: the workflow calls this at parse time and before JAX starts.
"""

import importlib.metadata
import os
import tempfile
from pathlib import Path

from bnlab.spec.affinity import hold

CUDA_PLUGINS = ("jax-cuda12-plugin", "jax-cuda13-plugin")
# Headroom for the CUDA context and XLA's own buffers on each GPU.
USABLE_FRACTION = 0.9


def jax_has_cuda():
    """Whether JAX's CUDA plugin is installed (JAX then trains on a GPU it sees)."""
    for name in CUDA_PLUGINS:
        try:
            importlib.metadata.version(name)
            return True
        except importlib.metadata.PackageNotFoundError:
            pass
    return False


def count_gpus(environ=os.environ, driver="/proc/driver/nvidia/gpus"):
    """NVIDIA GPUs this process may use: CUDA_VISIBLE_DEVICES where set, else
    the driver's list; 0 without a driver."""
    visible = environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return len(_visible_ids(visible))
    try:
        return len(os.listdir(driver))
    except OSError:
        return 0


def _visible_ids(visible):
    """CUDA's reading of CUDA_VISIBLE_DEVICES: ids up to the first invalid one
    (so -1 or an empty value hides every GPU)."""
    ids = []
    for gpu in (i.strip() for i in visible.split(",")):
        if not gpu or gpu.startswith("-"):
            break
        ids.append(gpu)
    return ids


def training_gpus(environ=os.environ):
    """GPUs the training jobs will use: those visible, if JAX can use them."""
    return count_gpus(environ) if jax_has_cuda() else 0


def memory_env(jobs_per_gpu):
    """JAX's memory policy for one of `jobs_per_gpu` jobs on a GPU."""
    return {
        "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
        "XLA_PYTHON_CLIENT_MEM_FRACTION": f"{USABLE_FRACTION / jobs_per_gpu:.3f}",
    }


def claim_gpu(gpus, jobs_per_gpu, lock_dir=None, environ=os.environ):
    """Take a free slot on one of `gpus` GPUs and make it this process's only
    GPU. A slot is a lock file the kernel releases when the process dies.
    Returns the GPU's id, or None when every slot is taken (more jobs than
    slots: `--resources gpu=N` above GPUs x jobs_per_gpu); the memory share
    applies either way, so no job preallocates most of a GPU."""
    environ.update(memory_env(jobs_per_gpu))
    lock_dir = Path(lock_dir or tempfile.gettempdir())
    visible = environ.get("CUDA_VISIBLE_DEVICES")
    ids = _visible_ids(visible) if visible is not None else [str(i) for i in range(gpus)]
    # Fill GPUs evenly: the first slot of every GPU before the second of any.
    for slot in range(jobs_per_gpu):
        for gpu in ids[:gpus]:
            if hold(lock_dir / f"bnlab-gpu{gpu}-slot{slot}.lock"):
                environ["CUDA_VISIBLE_DEVICES"] = gpu
                return gpu
    return None
