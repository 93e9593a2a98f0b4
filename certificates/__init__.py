"""PDF documents: recognition decisions (Quyết định công nhận), certificates (Giấy công nhận)
and evaluation reports, in the layout of Nghị định 30/2020/NĐ-CP, with the bundled
Liberation Serif fonts only.

* :mod:`certificates.render` — templates → PDF (WeasyPrint, packaged assets only);
* :mod:`certificates.pool` — rendering in long-lived worker processes;
* :mod:`certificates.contexts` — what each document says, read from the database;
* :mod:`certificates.records` — issued decisions, certificates, verification codes;
* :mod:`certificates.bundle` — a round's certificates as one ZIP;
* :mod:`certificates.vn` — what printed documents add to :mod:`webapp.store.vietnamese`: long dates
  with blanks, Vietnamese numbers, yes/no.
"""
