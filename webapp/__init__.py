"""The product around the engine, in three layers (docs/architecture.md):

* :mod:`webapp.store` — SQLite storage and the domain, no Flask;
* :mod:`webapp.web` — the Flask app (blueprints, templates, translations, the server);
* :mod:`webapp.cli` — the ``cfc`` command line.
"""
