"""Load the configuration files and check them against their schemas."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG_SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message names the key."""


def read_yaml(path: str | Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def validate_config(config: dict, schema_path: str | Path = CONFIG_SCHEMA) -> None:
    """Raise ConfigError naming the first offending key and what was expected."""
    schema = read_yaml(schema_path)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for err in errors:
            key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
            lines.append(f"config key '{key}': {err.message}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines))
    try:
        re.compile(config["cleaning"]["test_person_id_pattern"])
    except re.error as err:
        raise ConfigError(f"config key 'cleaning.test_person_id_pattern': not a valid regular expression ({err})") \
            from None
    for i, group in enumerate(config["age"]["groups"]):
        if group["min"] > group["max"]:
            raise ConfigError(f"config key 'age.groups.{i}': min {group['min']} > max {group['max']}")


@dataclass(frozen=True)
class Settings:
    """The main config plus the side files it names, resolved against a base directory."""

    config: dict
    offers: dict
    instruments: dict
    published: dict
    core_elements: dict
    tables: dict

    @property
    def offer_codes(self) -> list[str]:
        return [o["code"] for o in self.offers["offers"]]

    @property
    def element_codes(self) -> list[str]:
        return [e["code"] for e in self.core_elements["core_elements"]]

    def branches(self, offer: str) -> list[dict]:
        return self.offers.get("branches", {}).get(offer, [])


def load_settings(config: dict, base: str | Path = ".") -> Settings:
    validate_config(config)
    base = Path(base)
    files = config["files"]
    side = {}
    for key in ("offers", "instruments", "published", "core_elements", "tables"):
        path = base / files[key]
        if not path.exists():
            raise ConfigError(f"config key 'files.{key}': file {path} does not exist")
        side[key] = read_yaml(path)
    offers = {o["code"] for o in side["offers"]["offers"]}
    for key in ("out_of_range_to_missing",):
        for instr in config["questionnaires"][key]:
            if instr not in side["instruments"]["instruments"]:
                raise ConfigError(f"config key 'questionnaires.{key}.{instr}': unknown instrument "
                                  f"(expected one of {sorted(side['instruments']['instruments'])})")
    for kind in ("subtract", "add"):
        for i, adj in enumerate(config["production"][kind]):
            if adj["offer"] not in offers:
                raise ConfigError(f"config key 'production.{kind}.{i}.offer': unknown offer "
                                  f"'{adj['offer']}' (expected one of {sorted(offers)})")
    _check_core_elements(config, side["instruments"]["instruments"])
    return Settings(config=config, **side)


def _check_core_elements(config: dict, instrument_specs: dict) -> None:
    """Cross-references the schema cannot express: instruments, scales, age groups, keys."""
    cfg = config["core_elements"]
    groups = {g["label"] for g in config["age"]["groups"]}
    keys = [o["key"] for o in cfg["outcomes"]]
    if len(set(keys)) != len(keys):
        raise ConfigError(f"config key 'core_elements.outcomes': keys must be unique, got {keys}")
    for i, out in enumerate(cfg["outcomes"]):
        where = f"core_elements.outcomes.{i}"
        spec = instrument_specs.get(out["instrument"])
        if spec is None or "scales" not in spec:
            raise ConfigError(f"config key '{where}.instrument': '{out['instrument']}' is not a scored "
                              f"instrument of instruments.yaml")
        if out["scale"] not in spec["scales"]:
            raise ConfigError(f"config key '{where}.scale': '{out['scale']}' is not a scale of "
                              f"{out['instrument']} (expected one of {sorted(spec['scales'])})")
        for g in out["age_groups"]:
            if g not in groups:
                raise ConfigError(f"config key '{where}.age_groups': unknown age group '{g}' "
                                  f"(expected one of {sorted(groups)})")
    for name in cfg["numeric_controls"]:
        if name not in cfg["controls"] and name not in cfg["attrition_predictors"]:
            raise ConfigError(f"config key 'core_elements.numeric_controls': '{name}' is neither a "
                              f"control nor an attrition predictor")
    for i, sub in enumerate(cfg["subgroups"]):
        for key in sub.get("outcomes", []):
            if key not in keys:
                raise ConfigError(f"config key 'core_elements.subgroups.{i}.outcomes': unknown outcome "
                                  f"'{key}' (expected one of {keys})")


def load(config_path: str | Path = ROOT / "config" / "config.yaml") -> Settings:
    """Convenience for notebooks and tests: read, validate and resolve a config file."""
    config_path = Path(config_path)
    base = config_path.parent.parent if config_path.parent.name == "config" else Path(".")
    return load_settings(read_yaml(config_path), base)
