"""The model as files: a Python package, AsyncAPI, Mermaid, Markdown, SVG.

Each format is a module with `export(source) -> Files` (see `base`); the
`FORMATS` table is what the command line, REST and admin offer.
"""
