"""grapes view: a local, token-protected web server for browsing grapes-hpc result files.

``python -m grapes_hpc.view [FILES or FOLDERS...] [--port N] [--host 127.0.0.1]`` (docs/VIEW.md).
Only files under the folders (or next to the files) named on the command line are served.
"""

from .server import create_app, main

__all__ = ["create_app", "main"]
