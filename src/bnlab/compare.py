"""Compare histories of two result folders bit for bit.

Usage: python -m bnlab.compare RESULTS_A RESULTS_B
Exits 1 and names every difference; timing attributes and the machine's name
are ignored. Where variables differ, it names the likely cause: another CPU
instruction set, other XLA flags or package versions (docs/reproducibility.md).
"""

import sys
from pathlib import Path

from bnlab.history import differences, likely_causes, load_history


def compare_folders(a, b):
    a, b = Path(a), Path(b)
    names = sorted(p.relative_to(a) for p in a.glob("histories/*/*.nc"))
    other = sorted(p.relative_to(b) for p in b.glob("histories/*/*.nc"))
    problems = [f"{n}: only in one folder" for n in sorted(set(names) ^ set(other))]
    causes = set()
    for name in sorted(set(names) & set(other)):
        x, y = load_history(a / name), load_history(b / name)
        found = differences(x, y)
        problems += [f"{name}: {d}" for d in found]
        if any(d.startswith("variable") for d in found):
            causes.update(likely_causes(x, y))
    return names, problems, sorted(causes)


def main(argv=sys.argv[1:]):
    names, problems, causes = compare_folders(*argv)
    for problem in problems:
        print(problem)
    for cause in causes:
        print(f"likely cause: {cause}")
    print(f"{len(names)} histories compared, {len(problems)} differences")
    return 1 if problems or not names else 0


if __name__ == "__main__":
    sys.exit(main())
