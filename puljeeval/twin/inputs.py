"""What the twin is given: its own config block (`twin:` in config.yaml) and the side files its
rule declares as inputs. Nothing else reaches it, so no analysis setting can shape its data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from puljeeval.settings import read_yaml

# The side files the twin reads (rule inputs of the same names): the offers and their branches,
# the published numbers it is calibrated to, the item banks it writes answers for, and the
# element codes of the fidelity and intention extracts.
SIDE_FILES = ("offers", "published", "instruments", "core_elements")


@dataclass(frozen=True)
class TwinInputs:
    """The twin's config block and its side files (as read from YAML)."""

    twin: dict
    offers: dict
    published: dict
    instruments: dict
    core_elements: dict

    @classmethod
    def of(cls, twin: dict, side: dict[str, dict]) -> TwinInputs:
        """From the twin block and the side files by name; a missing side file is an error
        naming it, so a rule that forgets an input fails loudly."""
        missing = [k for k in SIDE_FILES if k not in side]
        if missing:
            raise KeyError(f"twin: side files {missing} are missing (declare them as the rule's inputs)")
        return cls(twin=twin, **{k: side[k] for k in SIDE_FILES})

    @property
    def offer_codes(self) -> list[str]:
        return [o["code"] for o in self.offers["offers"]]

    @property
    def element_codes(self) -> list[str]:
        return [e["code"] for e in self.core_elements["core_elements"]]

    @property
    def age_groups(self) -> list[dict]:
        """The report's age groups (label, min, max) as the twin's config describes them."""
        return self.twin["age_groups"]

    def branches(self, offer: str) -> list[dict]:
        return self.offers.get("branches", {}).get(offer, [])


def read_side_files(paths: dict[str, str | Path]) -> dict[str, dict]:
    """The twin's side files read from the given paths (name -> path); other names are ignored."""
    return {k: read_yaml(paths[k]) for k in SIDE_FILES}
