"""The emulator's ``pyodide`` package: ``pyodide.ffi`` and ``pyodide.http``.

``pyodide.code``, ``pyodide.console`` and ``pyodide.webloop`` raise ``NotEmulatedError`` on
import (see ``runtime/imports.py``).
"""

# The Pyodide of the runtime's newest Python (3.13, packages of 2025-08-08).
__version__ = "0.28.2"
