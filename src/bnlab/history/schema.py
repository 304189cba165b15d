"""The history format (bnlab/schemas/history.schema.yaml): its spec, and the
long_name and units every variable gets from it."""

from bnlab import schemas


def history_schema():
    return schemas.load("history")


def describe(ds, specs):
    """Set each variable's long_name and units from its spec in the schema."""
    for name, var in ds.variables.items():
        if name in specs:
            var.attrs.update(long_name=specs[name]["long_name"], units=specs[name]["units"])
