"""Compare histories of two result folders bit for bit.

Usage: python -m bnlab.compare RESULTS_A RESULTS_B
Exits 1 and names every difference; timing attributes are ignored.
"""

import sys
from pathlib import Path

from bnlab.history import differences, load_history


def compare_folders(a, b):
    a, b = Path(a), Path(b)
    names = sorted(p.relative_to(a) for p in a.glob("histories/*/*.nc"))
    other = sorted(p.relative_to(b) for p in b.glob("histories/*/*.nc"))
    problems = [f"{n}: only in one folder" for n in sorted(set(names) ^ set(other))]
    for name in sorted(set(names) & set(other)):
        problems += [
            f"{name}: {d}" for d in differences(load_history(a / name), load_history(b / name))
        ]
    return names, problems


def main(argv=sys.argv[1:]):
    names, problems = compare_folders(*argv)
    for problem in problems:
        print(problem)
    print(f"{len(names)} histories compared, {len(problems)} differences")
    return 1 if problems or not names else 0


if __name__ == "__main__":
    sys.exit(main())
