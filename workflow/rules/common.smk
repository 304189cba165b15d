# Shared helpers: config checks and target functions.

from bnlab.config import validate_config
from bnlab.errors import BnlabError

try:
    CONFIG = validate_config(config)
except BnlabError as err:
    raise WorkflowError(f"bnlab error: {err}") from None

MNIST = "results/data/mnist.nc"
# One environment for every rule (same pins as requirements.lock).
ENV = "../../environment.yml"


def all_targets():
    return [MNIST]
