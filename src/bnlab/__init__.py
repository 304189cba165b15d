"""bnlab: how does batch normalization help a deep MLP train on MNIST?"""

__version__ = "0.1.0"


def __getattr__(name):
    # Lazy, so `import bnlab` (and the workflow's parse) stays light.
    if name == "open_study":
        from bnlab.history.study import open_study

        return open_study
    raise AttributeError(f"module 'bnlab' has no attribute {name!r}")
