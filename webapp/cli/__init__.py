"""The ``cfc`` command line: the root group in :mod:`webapp.cli.main`, one module per command group."""
