"""The human-readable contract page is generated from the schemas and config."""

from puljeeval.settings import load
from puljeeval.tools import docs


def test_contract_page_is_current():
    expected = docs.render(load())
    assert docs.PAGE.read_text(encoding="utf-8") == expected, "run: python -m puljeeval.tools.docs"


def test_contract_page_lists_every_column():
    from puljeeval.data import contract
    settings = load()
    page = docs.render(settings)
    for name in contract.EXTRACTS:
        for col in contract.schema(name, settings)["properties"]:
            assert f"| `{col}` |" in page
