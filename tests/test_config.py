"""A wrong configuration key, type or value stops the run, naming the key."""

from __future__ import annotations

import pytest
import yaml

from puljeeval.data import ingest
from puljeeval.settings import ROOT, ConfigError, load_settings, validate_config
from tests.conftest import base_config


def test_repository_config_is_valid():
    load_settings(base_config(), ROOT)


@pytest.mark.parametrize(("change", "named"), [
    (lambda c: c.update(data_source="excel"), "config key 'data_source': 'excel' is not one of"),
    (lambda c: c["twin"].update(scale=0), "config key 'twin.scale': 0 is less than the minimum of 1"),
    (lambda c: c["twin"].update(seed="abc"), "config key 'twin.seed': 'abc' is not of type 'integer'"),
    (lambda c: c["extracts"]["registrations"].update(encoding="latin1"),
     "config key 'extracts.registrations.encoding': 'latin1' is not one of"),
    (lambda c: c["extracts"]["background"].update(path="baggrund.txt"),
     "config key 'extracts.background.path': 'baggrund.txt' does not match"),
    (lambda c: c.update(unknown_key=1), "Additional properties are not allowed ('unknown_key' was unexpected)"),
    (lambda c: c["age"]["groups"][0].update(max="2"), "config key 'age.groups.0.max': '2' is not of type 'integer'"),
    (lambda c: c["twin"]["dirt"].update(duplicate_courses=0.9),
     "config key 'twin.dirt.duplicate_courses': 0.9 is greater than the maximum of 0.5"),
])
def test_bad_value_is_named(change, named):
    config = base_config()
    change(config)
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    assert named in str(info.value)


def test_age_group_with_min_above_max():
    config = base_config()
    config["age"]["groups"][1]["min"] = 11
    with pytest.raises(ConfigError, match="config key 'age.groups.1': min 11 > max 10"):
        load_settings(config, ROOT)


def test_test_person_pattern_must_be_a_regular_expression():
    config = base_config()
    config["cleaning"]["test_person_id_pattern"] = "^test("
    with pytest.raises(ConfigError, match="config key 'cleaning.test_person_id_pattern': not a valid regular"):
        validate_config(config)


def test_unknown_offer_in_production_adjustment():
    config = base_config()
    config["production"]["add"][0]["offer"] = "NOPE"
    with pytest.raises(ConfigError, match="config key 'production.add.0.offer': unknown offer 'NOPE'"):
        load_settings(config, ROOT)


def test_real_data_without_a_key_is_an_error():
    config = base_config()
    config["data_source"] = "real"
    settings = load_settings(config, ROOT)
    with pytest.raises(ConfigError, match="set the environment variable PULJEEVAL_PSEUDONYM_KEY"):
        ingest.pseudonym_key(settings, environ={})
    with pytest.raises(ConfigError, match="public demo key must not be used"):
        ingest.pseudonym_key(settings, environ={"PULJEEVAL_PSEUDONYM_KEY": config["pseudonymisation"]["demo_key"]})
    assert ingest.pseudonym_key(settings, environ={"PULJEEVAL_PSEUDONYM_KEY": "a-real-secret-key-0123"}) \
        == b"a-real-secret-key-0123"


def _duplicate_keys(node, path="") -> list[str]:
    """Keys that occur twice in one mapping of a composed YAML node tree (YAML's loaders keep the
    last silently: a second table with an existing id would replace the first)."""
    found = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                if key.value in seen:
                    found.append(f"{path}{key.value} (lines {seen[key.value]} and {key.start_mark.line + 1})")
                seen[key.value] = key.start_mark.line + 1
            found += _duplicate_keys(value, f"{path}{getattr(key, 'value', '?')}.")
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += _duplicate_keys(item, f"{path}{i}.")
    return found


def test_no_config_file_repeats_a_key():
    files = sorted((ROOT / "config").rglob("*.yaml"))
    assert len(files) > 5
    for path in files:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        assert not _duplicate_keys(node), (path, _duplicate_keys(node))


def test_duplicate_keys_are_found():
    node = yaml.compose("tables:\n  a: 1\n  b: 2\n  a: 3\n", Loader=yaml.SafeLoader)
    assert _duplicate_keys(node) == ["tables.a (lines 2 and 4)"]
