"""Storage and the domain: SQLite, units, rounds, the review workflow, the audit log, accounts,
attachments, imports and exports, civilised-urban status, periodic reports, criteria impact,
NTM linkage and the demo. Never imports Flask (checked by import-linter, see setup.cfg)."""
