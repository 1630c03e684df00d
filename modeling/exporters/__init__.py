"""The model as files: a Python package, AsyncAPI, Mermaid, Markdown, SVG.

Each format is a module with `export(source) -> Files` (see `base`): pure,
no Django. `FORMATS` is what the command line, REST and admin offer; `json`
(the whole board, or a frozen version's model) is made by the services,
since it reads the database.
"""

from . import asyncapi, markdown, mermaid, python, svg

FORMATS = {
    "python": python.export,
    "asyncapi": asyncapi.export,
    "mermaid": mermaid.export,
    "markdown": markdown.export,
    "svg": svg.export,
    "json": None,
}
# What a download of each format is: one file as it is, or a zip.
SINGLE_FILE = ("svg", "json")
