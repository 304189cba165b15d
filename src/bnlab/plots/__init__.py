"""Figures, each a pure function of loaded histories (and MNIST) plus options."""
