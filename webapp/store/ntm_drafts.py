"""Draft versions of an NTM indicator set: each part verified or corrected against the official text, published
with four eyes, and then the version the NTM pages and documents use.

A draft is the YAML text of a whole set (``criteria.export``) with a new version string, and the text of the
version it was made from; the shipped file is never changed. An edit of a part (an indicator's number, wording,
mapping and levels; a region's or group's name and note; the validity), with its verified flag, the citation and
an optional scan of the page, is checked by the NTM loader against the child-friendly inputs and refused, named at
the field, when it breaks the set; it is recorded as the criteria drafts' edits are (``ntm_draft_edits``). The
life cycle and its refusals are the criteria drafts' (:mod:`criteria_drafts`): one legal officer or administrator
prepares, another confirms; publishing stores the text with its content hash and both names (``ntm_published``),
and :func:`current` then returns it for the set id.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlite_utils

import criteria
import criteria.ntm
from criteria import CriteriaInvalid
from criteria.export import dump_data, dump_yaml, plain_data
from criteria.ntm import NtmSet

from . import audit, ntm_values, vietnamese
from .criteria_drafts import (
    Citation,
    DraftRefused,
    Tables,
    check_confirmable,
    check_new_version,
    check_preparable,
    loader_problems,
    mark_prepared,
    scan_problems,
    write_edit,
)
from .criteria_values import Part, Said, in_vietnamese
from .db import transaction
from .errors import N_, NotFound

NTM = Tables("ntm_drafts", "ntm_draft_edits", "ntm_draft")


@lru_cache(maxsize=32)
def _loaded(content: str) -> NtmSet:
    """A stored text as its set (each text is read once: pages call :func:`current` on every request)."""
    return criteria.ntm.load_text(content, name="bộ chỉ tiêu đã ban hành")


def checked(content: str) -> NtmSet:
    """The text as the NTM loader reads it, every mapped input checked against the child-friendly set."""
    return criteria.ntm.load_text(content, name="bản dự thảo", cf_set=criteria.get(criteria.ntm.CF_SET_ID))


def current(db: sqlite_utils.Database, set_id: str) -> NtmSet:
    """The set ``set_id`` as it applies now: the version last published here, else the shipped file."""
    row = next(db.query("select content from ntm_published where set_id = ? order by published_at desc, rowid desc "
                         "limit 1", [set_id]), None)
    return _loaded(row["content"]) if row else criteria.ntm.get(set_id)


def published_on(db: sqlite_utils.Database, set_id: str) -> dt.date | None:
    """The day (in Vietnam) the version :func:`current` returns was published here; None for the shipped file.
    Pages and documents name the version they read with it, since a later publication changes what they show."""
    row = next(db.query("select published_at from ntm_published where set_id = ? order by published_at desc, "
                        "rowid desc limit 1", [set_id]), None)
    return vietnamese.as_date(row["published_at"]) if row else None


def edition(db: sqlite_utils.Database, set_id: str) -> str:
    """The version a document reads, as it names it: «Bộ tiêu chí … (51/2025/QĐ-TTg), phiên bản 2025.2, xác minh
    trên hệ thống ngày 03/12/2026» (the pages say the same through their catalogue)."""
    nset, day = current(db, set_id), published_on(db, set_id)
    said = f"{nset.title.vi} ({nset.legal_basis[0].document}), phiên bản {nset.version}"
    return vietnamese.nfc(said + (f", xác minh trên hệ thống ngày {vietnamese.short_date(day)}" if day else ""))


def published(db: sqlite_utils.Database, set_id: str) -> list[dict[str, Any]]:
    """The versions of ``set_id`` published here, newest first."""
    return list(db.query("select * from ntm_published where set_id = ? order by published_at desc, rowid desc",
                         [set_id]))


def get(db: sqlite_utils.Database, draft_id: int) -> dict[str, Any]:
    row = next(db.query("select * from ntm_drafts where id = ?", [draft_id]), None) if abs(draft_id) < 2**63 else None
    if row is None:
        raise NotFound(f"no NTM draft {draft_id}")
    return row


def drafts(db: sqlite_utils.Database, set_id: str) -> list[dict[str, Any]]:
    return list(db.query("select * from ntm_drafts where set_id = ? order by id desc", [set_id]))


def draft_set(row: dict[str, Any]) -> NtmSet:
    """The draft's set (a stored draft always loads: edits that break it are refused)."""
    return _loaded(row["content"])


def create(db: sqlite_utils.Database, set_id: str, version: str, actor: str) -> int:
    """A new draft of the current version of ``set_id`` with ``version`` (one no version of the set has had)."""
    base = current(db, set_id)
    taken = {s.version for s in criteria.ntm.shipped() if s.id == set_id}
    taken |= {r["version"] for r in db.query("select version from ntm_drafts where set_id = ?", [set_id])}
    check_new_version(version, taken)
    text = dump_data(plain_data(base) | {"version": version.strip()})
    checked(text)
    with transaction(db):
        draft_id = db["ntm_drafts"].insert({"set_id": set_id, "version": version.strip(), "content": text,
                                            "base_content": dump_yaml(base), "state": "draft", "created_by": actor,
                                            "created_at": audit.now()}).last_pk
        audit.record(db, actor, "create", "ntm_draft", draft_id,
                     new={"set": set_id, "version": version.strip(), "base": f"{set_id} {base.version}"})
    return draft_id


def edit_part(db: sqlite_utils.Database, draft_id: int, part_key: str, form: dict[str, str], citation: Citation,
              actor: str, scan: tuple[str, bytes] | None = None, store: Path | None = None) -> Part:
    """Write one part's values (an indicator, a region or group, the validity) and its verified flag from its form,
    with the citation as its source and an optional scan of the page; refused (nothing written) with every
    problem named at its field, the loader's in Vietnamese."""
    row = get(db, draft_id)
    if row["state"] == "published":
        raise DraftRefused(f"NTM draft {draft_id} is published", N_("Bản dự thảo đã ban hành, không sửa được nữa."))
    nset = draft_set(row)
    part = ntm_values.find(nset, part_key)
    if part is None:
        raise NotFound(f"no part {part_key!r} in NTM draft {draft_id}")
    data = plain_data(nset)
    fields = ntm_values.apply_form(data, nset, part, form, citation.text()) | citation.problems()
    if scan is not None:
        fields |= scan_problems(scan[1])
    if fields:
        raise DraftRefused("the form has unreadable values", N_("Chưa lưu: có giá trị chưa hợp lệ."), fields=fields)
    try:
        edited = checked(dump_data(data))
    except CriteriaInvalid as exc:
        named = {f.name for f in ntm_values.form_fields(nset, part)}
        fields, general = {}, []
        for problem in exc.problems:
            at, said = ntm_values.field_of(problem.path, part), in_vietnamese(problem.message)
            if at in named:
                fields.setdefault(at, said)
            else:
                general.append(said)
        raise DraftRefused("the values break the NTM set", N_("Chưa lưu: giá trị làm bộ chỉ tiêu không hợp lệ."),
                           fields=fields, general=general) from None
    old, new = (part_data(plain_data(s), part) for s in (nset, edited))
    write_edit(db, NTM, row, part.key, old, new, dump_yaml(edited), citation, actor, scan, store)
    return part


def part_data(data: dict[str, Any], part: Part) -> Any:
    """What an edit of ``part`` changes, for the audit log and the edit's record."""
    if part.kind == "validity":
        return {k: data.get(k) for k in ("valid_from", "valid_until", "validity_verified")}
    return data[part.path[0]][part.path[1]]


def edits(db: sqlite_utils.Database, draft_id: int) -> list[dict[str, Any]]:
    return list(db.query("select * from ntm_draft_edits where draft_id = ? order by id", [draft_id]))


def base_set(row: dict[str, Any]) -> NtmSet:
    """The version the draft was made from (drafts made before this was recorded came from the shipped file)."""
    return _loaded(row["base_content"]) if row.get("base_content") else criteria.ntm.get(row["set_id"])


def problems(row: dict[str, Any]) -> list[Said]:
    """What the NTM loader says of the draft's text (empty when it loads)."""
    return loader_problems(lambda: checked(row["content"]))


def prepare(db: sqlite_utils.Database, draft_id: int, actor: str) -> None:
    """The first pair of eyes: the draft loads; it waits for a second person to confirm."""
    with transaction(db):
        row = get(db, draft_id)
        check_preparable(row, bool(problems(row)))
        mark_prepared(db, "ntm_drafts", draft_id, actor)


def confirm(db: sqlite_utils.Database, draft_id: int, actor: str) -> str:
    """The second pair of eyes: publish the prepared draft (never by the person who prepared it); returns its hash."""
    with transaction(db):
        row = get(db, draft_id)
        check_confirmable(row, actor, bool(problems(row)))
        nset = draft_set(row)
        digest, stamp = criteria.content_hash(nset), audit.now()
        db["ntm_published"].insert({"hash": digest, "set_id": nset.id, "version": nset.version,
                                    "content": row["content"], "draft_id": draft_id, "prepared_by": row["prepared_by"],
                                    "confirmed_by": actor, "published_at": stamp})
        db["ntm_drafts"].update(draft_id, {"state": "published", "confirmed_by": actor, "confirmed_at": stamp,
                                           "published_hash": digest})
        audit.record(db, actor, "publish", "ntm_set", digest,
                     new={"set": nset.id, "version": nset.version, "prepared_by": row["prepared_by"],
                          "confirmed_by": actor, "draft": draft_id})
    return digest
