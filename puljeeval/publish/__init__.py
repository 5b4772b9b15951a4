"""Publishing: disclosure-controlled tables with Danish headings, Excel workbooks, figures."""
