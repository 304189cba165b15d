"""Compare histories of two result folders bit for bit.

Usage: bnlab compare RESULTS_A RESULTS_B
Compares every history below the two folders (Part 1, Part 2 and the sweep).
Exits 1 and names every difference; timing attributes and the machine's name
are ignored. Where variables differ, it names the likely cause: another CPU
instruction set, other XLA flags or package versions (docs/reproducibility.md).
"""

from pathlib import Path

from bnlab.history.read import differences, likely_causes, load_history


def history_files(folder):
    """Every history below a results folder: its .nc files but the data and
    a killed job's unfinished runs (hidden folders)."""
    files = (p.relative_to(folder) for p in folder.rglob("*.nc"))
    return sorted(p for p in files if "data" not in p.parts and not p.parts[-2].startswith("."))


def compare_folders(a, b):
    a, b = Path(a), Path(b)
    names, other = history_files(a), history_files(b)
    problems = [f"{n}: only in one folder" for n in sorted(set(names) ^ set(other))]
    causes = set()
    for name in sorted(set(names) & set(other)):
        x, y = load_history(a / name), load_history(b / name)
        found = differences(x, y)
        problems += [f"{name}: {d}" for d in found]
        if any(d.startswith("variable") for d in found):
            causes.update(likely_causes(x, y))
    return names, problems, sorted(causes)


def main(a, b):
    """Print every difference and its likely causes; 1 if any (or nothing to compare)."""
    names, problems, causes = compare_folders(a, b)
    for problem in problems:
        print(problem)
    for cause in causes:
        print(f"likely cause: {cause}")
    print(f"{len(names)} histories compared, {len(problems)} differences")
    return 1 if problems or not names else 0
