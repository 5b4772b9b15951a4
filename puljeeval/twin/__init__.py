"""The synthetic twin: a data-generating process of its own that writes raw extracts in the
data contract. It reads only the twin's config and never imports the analysis layers."""
