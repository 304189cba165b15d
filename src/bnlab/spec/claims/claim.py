"""A claim as data (pure, no statistics): the dataclass every registry entry
is, and the helpers the studies' registries declare their claims with."""

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class Claim:
    """One tested statement: `quantity` of model b minus that of model a.

    name: the row's label, unique in a registry.
    source: where it is stated, e.g. "Santurkar et al. 2018, §3.3, Fig. 5".
    statement: the claim in a sentence.
    quantity: the name of a per-run measure (one number per run).
    pair: (a, b), models of `study`; the difference is b − a.
    conditions: the study's axis values the runs are taken at, e.g.
        {"optimizer": "sgd", "learning_rate": 0.3}.
    study: the name of the study whose runs it reads.
    direction: "+" if the paper reports b − a > 0, "-" if < 0, "=" if no
        difference (then its p-value is the equivalence test's).
    margin: the smallest difference that matters, in the quantity's units:
        the half-width of the equivalence region, and the bound inside which
        a detected difference is negligible (bnlab.spec.claims.margins).
    margin_reason: where that number comes from.
    family: claims whose primary measures share one Holm correction.
    primary: the claim's primary measure (corrected); False: a secondary one.
    """

    name: str
    source: str
    statement: str
    quantity: str
    pair: tuple[str, str]
    conditions: Mapping[str, object] = field(default_factory=dict)
    study: str
    direction: str
    margin: float
    family: str
    margin_reason: str
    primary: bool = True

    def __post_init__(self):
        if self.direction not in ("+", "-", "="):
            raise ValueError(f"claim {self.name!r}: direction must be '+', '-' or '='")
        if not self.margin > 0:
            raise ValueError(f"claim {self.name!r}: margin must be positive")
        if not self.margin_reason:
            raise ValueError(f"claim {self.name!r}: a margin needs its reason")
        if len(self.pair) != 2 or self.pair[0] == self.pair[1]:
            raise ValueError(f"claim {self.name!r}: pair must be two different models")


SANTURKAR = "Santurkar et al. 2018"
IOFFE = "Ioffe & Szegedy 2015"


def claim(
    name,
    statement,
    source,
    quantity,
    pair,
    conditions,
    direction,
    family,
    study="part2",
    *,
    margin,
    **options,
):
    """A Claim whose margin is a margins.Margin."""
    return Claim(
        name=name,
        statement=statement,
        source=source,
        quantity=quantity,
        pair=pair,
        conditions=conditions,
        study=study,
        direction=direction,
        family=family,
        margin=margin.value,
        margin_reason=margin.reason,
        **options,
    )


def tag(conditions):
    """'sgd 0.3': an optimizer condition in a claim's name (a condition the
    study does not train has none; its claims are dropped)."""
    if conditions is None:
        return "untrained"
    return f"{conditions['optimizer']} {conditions['learning_rate']:g}"
