"""Rendering: the chapter notebooks' helpers, HTML pages, provenance and the index page."""
