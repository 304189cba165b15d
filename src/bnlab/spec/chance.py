"""Chance level: ten classes, so a run whose final test accuracy is below twice
chance learned nothing (it is flagged in its history and tables)."""

CHANCE_ACCURACY = 0.1
AT_CHANCE_BELOW = 2 * CHANCE_ACCURACY


def at_chance(accuracy):
    return accuracy < AT_CHANCE_BELOW
