"""Numbers the blog post prints (seed 42, per-split normalization, 20 epochs)."""

# epoch -> (train accuracy, test accuracy)
ACCURACY = {
    "baseline": {
        0: (0.1010, 0.1007),
        1: (0.9651, 0.9608),
        6: (0.9919, 0.9788),
        11: (0.9958, 0.9794),
        16: (0.9966, 0.9803),
        20: (0.9982, 0.9809),
    },
    "batchnorm": {
        0: (0.1010, 0.1007),
        1: (0.9755, 0.9677),
        6: (0.9941, 0.9802),
        11: (0.9968, 0.9802),
        16: (0.9986, 0.9816),
        20: (0.9993, 0.9846),
    },
}
SEED = 42
EPOCHS = 20
