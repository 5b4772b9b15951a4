"""Publishing, one path for every chapter: the registry (config/tables.yaml, `registry`) says
what is published; `rules` are the disclosure rules it names; `tables` makes the controlled
tables and the sheets with Danish headings; `xlsx` writes workbooks byte for byte reproducibly;
`figures` draws each chapter's figures from the controlled tables with the registry's texts."""
