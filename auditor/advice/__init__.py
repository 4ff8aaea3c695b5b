"""Cost and fit advice: a sibling of the rules; prices are dated data files."""

from __future__ import annotations

from pathlib import Path

from auditor.advice.costs import DEFAULT_HEADROOM, Advice
from auditor.facts.prices import load_prices


def advise(inv, model, pricing: str | Path | None = None, headroom: float | None = None,
           instance_family: str | None = None) -> Advice:
    return Advice(inv, model, load_prices(pricing),
                  DEFAULT_HEADROOM if headroom is None else headroom, instance_family)
