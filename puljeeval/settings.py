"""Load the configuration files and check them against their schemas."""

from __future__ import annotations

import atexit
import copy
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG_SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message names the key."""


# libyaml's safe loader where PyYAML has it (ten times faster on the side files), else PyYAML's
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader


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


SIDE_FILES = ("offers", "instruments", "published", "core_elements", "tables")


class UndeclaredConfig(KeyError):
    """A rule read configuration its `params`/`input` do not declare: its results would go stale
    when that setting changes, so the read is refused."""

    def __str__(self) -> str:
        return str(self.args[0])


class ConfigView(dict):
    """A read-only view of the configuration a rule declared.

    `paths` are the dotted keys the rule declared (`core_elements.aggregation`). A key on the
    way to a declared path is *partial*: reading any other child of it (with [], get, in or by
    iterating) raises UndeclaredConfig naming the key, instead of silently returning a default.
    Below a declared path the view behaves like the plain config. Every read is recorded in
    `reads` (shared by all nodes), so a test can check that each declared key is used."""

    def __init__(self, values: dict, paths: list[str], rule: str = "", prefix: str = "",
                 reads: set[str] | None = None) -> None:
        super().__init__(values)
        self._paths, self._rule, self._prefix = list(paths), rule, prefix
        self.reads = reads if reads is not None else set()

    def _key(self, key: Any) -> str:
        return f"{self._prefix}{key}"

    def _partial(self) -> bool:
        here = self._prefix.rstrip(".")
        return not any(here == p or here.startswith(p + ".") for p in self._paths) if here else \
            not any(p == "" for p in self._paths)

    def _check(self, key: Any) -> None:
        full = self._key(key)
        if self._partial() and not any(p == full or p.startswith(full + ".") for p in self._paths):
            rule = f"rule '{self._rule}'" if self._rule else "this step"
            raise UndeclaredConfig(f"{rule} reads config key '{full}', which its params do not declare: "
                                   f"add it to the rule's `config=config_slice(...)` in workflow/rules/")

    def _wrap(self, key: Any, value: Any) -> Any:
        full = self._key(key)
        self.reads.add(full)
        if isinstance(value, dict) and not isinstance(value, ConfigView):
            return ConfigView(value, self._paths, self._rule, full + ".", self.reads)
        return value

    def __getitem__(self, key: Any) -> Any:
        self._check(key)
        return self._wrap(key, super().__getitem__(key))

    def get(self, key: Any, default: Any = None) -> Any:
        self._check(key)
        return self._wrap(key, super().get(key, default)) if key in self.keys() else default

    def __contains__(self, key: object) -> bool:
        self._check(key)
        self.reads.add(self._key(key))
        return super().__contains__(key)

    def _whole(self) -> None:
        if self._partial():
            raise UndeclaredConfig(f"iterating over config key '{self._prefix.rstrip('.') or '(top level)'}' "
                                   f"reads keys the rule's params do not declare")
        self.reads.add(self._prefix.rstrip("."))

    def items(self):  # type: ignore[override]
        self._whole()
        return [(k, self._wrap(k, v)) for k, v in super().items()]

    def values(self):  # type: ignore[override]
        return [v for _, v in self.items()]

    def __iter__(self):
        self._whole()
        return super().__iter__()

    def plain(self) -> dict:
        """The values as plain dicts (for hashing and for writing)."""
        return json.loads(json.dumps(dict(super().items()), default=str))


class ConfigSlice(dict):
    """A rule's `params.config` (keys `paths` and `values`). Snakemake records a rule's params by
    their repr and prints old and new repr when they change; the full values would make that
    reason thousands of characters long, so the repr names the keys and a digest of the values
    (a change of any value still changes the repr, and so reruns the rule)."""

    def __repr__(self) -> str:
        digest = hashlib.sha256(json.dumps(self["values"], sort_keys=True, default=str).encode()).hexdigest()
        return f"config[{', '.join(self['paths'])}] sha256:{digest[:16]}"

    def __reduce__(self):
        return (ConfigSlice, (dict(self),))


def config_slice(config: dict, *paths: str) -> dict:
    """What a rule declares as `params.config`: the given dotted keys of `config` (whole subtrees)
    under their parents, plus the list of keys, so the script can refuse reads of anything else.
    A key missing from the config is an error naming it."""
    values: dict = {}
    for path in paths:
        node, out = config, values
        parts = path.split(".")
        for i, part in enumerate(parts):
            if not isinstance(node, dict) or part not in node:
                raise ConfigError(f"config key '{path}' does not exist (declared by a rule's params)")
            node = node[part]
            if i == len(parts) - 1:
                out[part] = copy.deepcopy(node)
            else:
                out = out.setdefault(part, {})
    return ConfigSlice(paths=sorted(paths), values=values)


@dataclass(frozen=True)
class Settings:
    """The configuration a step may read: the main config (a ConfigView of the rule's declared
    keys, or the whole config) and the side files it was given."""

    config: dict
    side: dict = field(default_factory=dict)
    rule: str = ""
    side_reads: set = field(default_factory=set, compare=False)

    def _side(self, key: str) -> dict:
        self.side_reads.add(key)
        if key not in self.side:
            rule = f"rule '{self.rule}'" if self.rule else "this step"
            raise UndeclaredConfig(f"{rule} reads the side file config/{key}.yaml, which is not among its "
                                   f"inputs: add `{key}=SIDE_FILES['{key}']` to the rule's input")
        return self.side[key]

    offers = property(lambda self: self._side("offers"))
    instruments = property(lambda self: self._side("instruments"))
    published = property(lambda self: self._side("published"))
    core_elements = property(lambda self: self._side("core_elements"))
    tables = property(lambda self: self._side("tables"))

    @property
    def offer_codes(self) -> list[str]:
        return [o["code"] for o in self.offers["offers"]]

    @property
    def element_codes(self) -> list[str]:
        return [e["code"] for e in self.core_elements["core_elements"]]

    def branches(self, offer: str) -> list[dict]:
        return self.offers.get("branches", {}).get(offer, [])


def from_params(declared: dict, side_paths: dict[str, str | Path], rule: str = "", trace: str = "") -> Settings:
    """Settings of one rule (or notebook): its declared config slice (`config_slice`'s output)
    and the side files it was given, by name. With `trace` and the environment variable
    PULJEEVAL_CONFIG_TRACE set (the config-use test), what was declared and read is written to
    <that folder>/<trace>.json when the process ends (a notebook's kernel has no other hook)."""
    view = ConfigView(declared["values"], declared["paths"], rule)
    side = {key: read_yaml(path) for key, path in side_paths.items()}
    made = Settings(config=view, side=side, rule=rule)
    folder = os.environ.get(TRACE_ENV)
    if trace and folder:
        atexit.register(write_trace, Path(folder) / f"{trace}.json", rule, declared["paths"], sorted(side), [made])
    return made


TRACE_ENV = "PULJEEVAL_CONFIG_TRACE"


def write_trace(path: Path, rule: str, declared: list[str], side_files: list[str], opened: list[Settings]) -> None:
    """What a step declared and what it read, for the config-use test."""
    reads = sorted(set().union(*(s.config.reads for s in opened))) if opened else []
    side_reads = sorted(set().union(*(s.side_reads for s in opened))) if opened else []
    trace = {"rule": rule, "declared": sorted(declared), "reads": reads, "side_files": side_files,
             "side_reads": side_reads}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(trace, indent=1), encoding="utf-8")


def load_settings(config: dict, base: str | Path = ".") -> Settings:
    validate_config(config)
    base = Path(base)
    files = config["files"]
    side = {}
    for key in SIDE_FILES:
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
    return Settings(config=config, side=side)


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
        if name not in cfg["controls"] and name not in cfg["attrition"]["predictors"]:
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
