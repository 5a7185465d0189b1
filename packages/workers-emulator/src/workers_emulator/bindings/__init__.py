"""The emulated bindings, one module or package per binding kind.

Each binding keeps the store its data needs (KV a key-value table, D1 a whole SQLite
database), persisted as ``<persist-to>/<kind>/<id>.sqlite``; ``providers.py`` builds them from
the config; ``jsvalues.py`` is how their answers look from Python (Pyodide's proxies).
"""
