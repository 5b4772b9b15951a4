"""Published workbooks: one sheet per table, written deterministically (puljeeval/workbook.py)."""

from puljeeval.workbook import write

__all__ = ["write"]
