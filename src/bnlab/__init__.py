"""bnlab: how does batch normalization help a deep MLP train on MNIST?"""

__version__ = "0.1.0"
