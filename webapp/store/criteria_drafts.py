"""Draft versions of a criteria set: verified against the official text value by value, published with four eyes.

A draft is the YAML text of a whole set (``criteria.export``), made from an installed set with a new version
string and ``valid_from``; the installed set is never changed. Every edit of a part is checked by the same
loader as ``cfc criteria check`` and refused, named at the value, when it breaks the set; it records its
citation (document, article or clause, page) and an optional scan. One legal officer (or administrator)
prepares the draft, another confirms it: publishing installs the new version under its content hash, and new
rounds of the set use it (:func:`default_set`); rounds already pinned keep theirs, unless an administrator
re-pins a round that has not started (:func:`repin`), with a reason.
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

import criteria
from criteria import CriteriaError, CriteriaInvalid, CriteriaSet
from criteria.export import dump_data, plain_data

from . import audit, limits, private
from .attachments import MAX_BYTES, safe_filename, sniff
from .criteria_values import Part, Said, apply_form, band_rows, find, form_values, in_vietnamese, mark_verified, where
from .db import transaction
from .errors import N_, NotFound, StorageError
from .rounds import criteria_for, get_round, install_criteria

WORKERS = ("legal", "admin")  # the roles that prepare and confirm drafts
STATES = {"draft": N_("Đang soạn"), "prepared": N_("Chờ người thứ hai xác nhận"), "published": N_("Đã ban hành")}
VERSION = 40    # characters of a version string
CITATION = 300  # characters of a document's name, a clause or a page
SCAN_DIR = "criteria-scans"  # under the attachments folder


class DraftRefused(StorageError):
    """An edit, upload or step of the life cycle refused; ``fields`` names the problem at each form field,
    ``general`` lists those that concern no field of the form (e.g. the criterion's maximum)."""

    def __init__(self, message: str, vi: str | None = None, fields: dict[str, Said] | None = None,
                 general: list[Said] | None = None, **params: Any):
        self.fields, self.general = fields or {}, general or []
        super().__init__(message, vi, **params)


@dataclass(frozen=True)
class Citation:
    """Where the official text states a value: the document, the article or clause, the page."""

    document: str
    clause: str
    page: str = ""

    def text(self) -> str:
        return ", ".join(filter(None, (self.document, self.clause, f"trang {self.page}" if self.page else "")))

    def problems(self) -> dict[str, Said]:
        out = {}
        missing = {"document": N_("Hãy ghi căn cứ: văn bản nêu giá trị."),  # one sentence per field: a form with
                   "clause": N_("Hãy ghi căn cứ: điều, khoản nêu giá trị.")}  # both empty says no sentence twice
        for name, value in (("document", self.document), ("clause", self.clause), ("page", self.page)):
            if name in missing and not value.strip():
                out[name] = Said(missing[name])
            elif len(value) > CITATION:
                out[name] = Said(N_("Dài quá %(limit)s ký tự."), {"limit": CITATION})
        return out


# --------------------------------------------------------------------------- reading


def get(db: sqlite_utils.Database, draft_id: int) -> dict[str, Any]:
    row = next(db.query("select * from criteria_drafts where id = ?", [draft_id]), None) \
        if abs(draft_id) < 2**63 else None
    if row is None:
        raise NotFound(f"no criteria draft {draft_id}")
    return row


def drafts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("select * from criteria_drafts order by id desc"))


def draft_set(row: dict[str, Any]) -> CriteriaSet:
    """The draft's set as the loader reads it (a stored draft always loads: edits that break it are refused)."""
    return criteria.load_text(row["content"], name=f"draft {row['id']}")


def edits(db: sqlite_utils.Database, draft_id: int) -> list[dict[str, Any]]:
    return list(db.query("select * from criteria_draft_edits where draft_id = ? order by id", [draft_id]))


def installed(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every set one can open: installed in the database or shipped, newest first, each with whether it is the
    default for new rounds and who published it through the workbench."""
    found: dict[str, dict[str, Any]] = {}
    for row in db.query("select hash, installed_at from criteria_sets order by installed_at"):
        found[row["hash"]] = {"hash": row["hash"], "cset": criteria_for(db, row["hash"])}
    for cset in criteria.shipped():
        found.setdefault(criteria.content_hash(cset), {"hash": criteria.content_hash(cset), "cset": cset})
    published = {r["hash"]: r for r in db.query("select * from criteria_published")}
    defaults = {default_hash(db, s["cset"].id) for s in found.values()}
    out = [s | {"published": published.get(s["hash"]), "default": s["hash"] in defaults} for s in found.values()]
    return sorted(out, key=lambda s: (s["cset"].id, s["cset"].valid_from, s["cset"].version), reverse=True)


def by_version(db: sqlite_utils.Database, set_id: str, version: str) -> dict[str, Any]:
    """The installed or shipped set ``set_id`` of ``version`` (NotFound otherwise)."""
    found = next((s for s in installed(db) if s["cset"].id == set_id and s["cset"].version == version), None)
    if found is None:
        raise NotFound(f"no criteria set {set_id} {version}")
    return found


def default_hash(db: sqlite_utils.Database, set_id: str) -> str | None:
    """The content hash new rounds of ``set_id`` use: the last one published here, else the shipped one."""
    row = next(db.query("select hash from criteria_published where set_id = ? order by published_at desc, rowid desc "
                        "limit 1", [set_id]), None)
    if row:
        return row["hash"]
    try:
        return criteria.content_hash(criteria.get(set_id))
    except criteria.CriteriaNotFound:
        return None


def default_set(db: sqlite_utils.Database, set_id: str, version: str | None = None) -> CriteriaSet:
    """The set new rounds use: ``version`` if given (published here or shipped), else :func:`default_hash`'s."""
    if version is not None:
        row = next(db.query("select hash from criteria_published where set_id = ? and version = ?",
                            [set_id, version]), None)
        return criteria_for(db, row["hash"]) if row else criteria.get(set_id, version)
    digest = default_hash(db, set_id)
    if digest is None:
        raise criteria.CriteriaNotFound(f"no criteria set {set_id!r}")
    published = db["criteria_published"].count_where("hash = ?", [digest])
    return criteria_for(db, digest) if published else criteria.get(set_id)


# --------------------------------------------------------------------------- creating


def check_new_version(version: str, taken: set[str]) -> None:
    """A version string that is given, not too long and not one of ``taken`` (a set's versions so far)."""
    if not version.strip() or len(version) > VERSION:
        raise DraftRefused(f"version {version!r} is empty or too long", N_("Hãy ghi phiên bản (tối đa %(n)s ký tự)."),
                           fields={"version": Said(N_("Hãy ghi phiên bản (tối đa %(n)s ký tự)."), {"n": VERSION})},
                           n=VERSION)
    if version.strip() in taken:
        said = Said(N_("Phiên bản «%(version)s» đã có; hãy đặt tên phiên bản mới."), {"version": version})
        raise DraftRefused(f"version {version!r} exists", said.vi, fields={"version": said}, version=version)


def _check_version(db: sqlite_utils.Database, set_id: str, version: str, valid_from: str) -> dt.date:
    """A new version string (not used by any installed, shipped or drafted set of the id) and a date."""
    taken = {s["cset"].version for s in installed(db) if s["cset"].id == set_id}
    taken |= {r["version"] for r in db.query("select version from criteria_drafts where set_id = ?", [set_id])}
    check_new_version(version, taken)
    try:
        return dt.date.fromisoformat(valid_from.strip())
    except ValueError:
        said = Said(N_("Ngày áp dụng không hợp lệ."))
        raise DraftRefused(f"valid_from {valid_from!r} is not a date", said.vi, fields={"valid_from": said}) from None


def create(db: sqlite_utils.Database, base_hash: str, version: str, valid_from: str, actor: str) -> int:
    """A new draft of the installed (or shipped) set ``base_hash`` with ``version`` and ``valid_from``."""
    base = next((s for s in installed(db) if s["hash"] == base_hash), None)
    if base is None:
        raise NotFound(f"no criteria set {base_hash}")
    cset: CriteriaSet = base["cset"]
    when = _check_version(db, cset.id, version, valid_from)
    data = plain_data(cset) | {"version": version.strip(), "valid_from": when}
    return _insert(db, cset, data, actor, "create")


def from_yaml(db: sqlite_utils.Database, text: str, actor: str, set_id: str | None = None) -> int:
    """A draft from a YAML file (an export, edited or not): the loader's problems refuse it, as does a set of
    another id than ``set_id``; its version must be new. Its base is the set's default for new rounds."""
    try:
        cset = criteria.load_text(text, name="tệp tải lên")
    except CriteriaInvalid as exc:
        raise DraftRefused("the file breaks the criteria set", N_("Tệp có lỗi; chưa tạo bản dự thảo."),
                           general=[_located(p) for p in exc.problems]) from None
    except CriteriaError:
        raise DraftRefused("the file is not a criteria set", N_("Tệp không phải bộ tiêu chí dạng YAML đọc được.")) from None
    if set_id is not None and cset.id != set_id:
        raise DraftRefused(f"the file is set {cset.id!r}, not {set_id!r}",
                           N_("Tệp là bộ tiêu chí «%(found)s», không phải «%(wanted)s»."), found=cset.id, wanted=set_id)
    if default_hash(db, cset.id) is None:
        raise DraftRefused(f"no installed set {cset.id!r}", N_("Chưa có bộ tiêu chí «%(found)s» để làm căn cứ."),
                           found=cset.id)
    _check_version(db, cset.id, cset.version, cset.valid_from.isoformat())
    return _insert(db, default_set(db, cset.id), plain_data(cset), actor, "upload")


def _located(problem: Any) -> Said:
    """A loader problem of an uploaded file: its line and the message in Vietnamese."""
    said = in_vietnamese(problem.message)
    return Said(N_("Dòng %(line)s: %(message)s"), {"line": problem.line or "?", "message": str(said)})


def _insert(db: sqlite_utils.Database, base: CriteriaSet, data: dict[str, Any], actor: str, how: str) -> int:
    text = dump_data(data)
    criteria.load_text(text)  # a draft always loads
    with transaction(db):
        base_hash = install_criteria(db, base)
        draft_id = db["criteria_drafts"].insert({
            "set_id": base.id, "base_hash": base_hash, "version": data["version"],
            "valid_from": data["valid_from"].isoformat(), "content": text, "state": "draft",
            "created_by": actor, "created_at": audit.now()}).last_pk
        audit.record(db, actor, how, "criteria_draft", draft_id,
                     new={"set": base.id, "version": data["version"], "base": f"{base.id} {base.version}"})
    return draft_id


# --------------------------------------------------------------------------- editing a part


def edit_part(db: sqlite_utils.Database, draft_id: int, part_key: str, form: dict[str, str], citation: Citation,
              actor: str, scan: tuple[str, bytes] | None = None, store: Path | None = None) -> Part:
    """Write one part's values from its form, as the official text states them: the part becomes verified with
    the citation as its source. Refused (nothing written) with every problem named at its field."""
    row = get(db, draft_id)
    if row["state"] == "published":
        raise DraftRefused(f"draft {draft_id} is published", N_("Bản dự thảo đã ban hành, không sửa được nữa."))
    cset = draft_set(row)
    part = find(cset, part_key)
    if part is None:
        raise NotFound(f"no part {part_key!r} in draft {draft_id}")
    data = plain_data(cset)
    before = copy.deepcopy(data)
    fields = apply_form(data, part, form) | citation.problems()
    if scan is not None:
        fields |= scan_problems(scan[1])
    if fields:
        raise DraftRefused("the form has unreadable values", N_("Chưa lưu: có giá trị chưa hợp lệ."), fields=fields)
    mark_verified(data, part, citation.text())
    text = dump_data(data)
    try:
        criteria.load_text(text)
    except CriteriaInvalid as exc:
        fields, general = {}, []
        shown = set(form_values(data, part)) | {f"band{i}" for i in range(band_rows(data, part))}
        for problem in exc.problems:
            at = where(problem.path, part)
            said = in_vietnamese(problem.message)
            if at not in shown:
                general.append(said)
            else:
                fields.setdefault(at, said)
        raise DraftRefused("the values break the criteria set", N_("Chưa lưu: giá trị làm bộ tiêu chí không hợp lệ."),
                           fields=fields, general=general) from None
    write_edit(db, CRITERIA, row, part.key, _node(before, part.path), _node(data, part.path), text, citation,
               actor, scan, store)
    return part


def scan_problems(data: bytes) -> dict[str, Said]:
    """What is wrong with a scan of the official page (empty, too large, not a PDF or image), at the field."""
    if not data:
        return {"scan": Said(N_("Tệp trống."))}
    if len(data) > MAX_BYTES:
        return {"scan": Said(N_("Tệp lớn hơn giới hạn %(mb)s MB."), {"mb": MAX_BYTES // 2**20})}
    if sniff(data) is None:
        return {"scan": Said(N_("Chỉ nhận tệp PDF, PNG và JPEG (kiểm tra theo nội dung tệp)."))}
    return {}


def _node(data: dict[str, Any], path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


@dataclass(frozen=True)
class Tables:
    """Where drafts of one kind of set live (criteria or NTM sets): the drafts, their edits, the audit's name."""

    drafts: str
    edits: str
    entity: str


CRITERIA = Tables("criteria_drafts", "criteria_draft_edits", "criteria_draft")


def write_edit(db: sqlite_utils.Database, tables: Tables, row: dict[str, Any], part_key: str, old: Any, new: Any,
               text: str, citation: Citation, actor: str, scan: tuple[str, bytes] | None, store: Path | None) -> None:
    """Store an edited draft's text with the edit (old and new values of the part, the citation, the scan's file),
    audited; a prepared draft goes back to being written. The scan's file is removed if the write fails."""
    record: dict[str, Any] = {"draft_id": row["id"], "part": part_key,
                              "old": json.dumps(old, default=str, ensure_ascii=False),
                              "new": json.dumps(new, default=str, ensure_ascii=False),
                              "document": citation.document.strip(), "clause": citation.clause.strip(),
                              "page": citation.page.strip() or None, "edited_by": actor, "edited_at": audit.now()}
    target = None
    if scan is not None and store is not None:
        name, data = scan
        ctype = sniff(data) or ""
        stored = secrets.token_hex(16) + {"application/pdf": ".pdf", "image/png": ".png"}.get(ctype, ".jpg")
        private.make_dir(store / SCAN_DIR)
        target = store / SCAN_DIR / stored
        record |= {"scan_name": safe_filename(name), "scan_type": ctype, "scan_size": len(data),
                   "scan_sha256": hashlib.sha256(data).hexdigest(), "scan_stored": stored}
    try:
        with transaction(db):
            if target is not None and scan is not None:
                private.write_new(target, scan[1])
            changes = {"content": text}
            if row["state"] == "prepared":  # a changed draft needs preparing (and a second look) again
                changes |= {"state": "draft", "prepared_by": None, "prepared_at": None}
            db[tables.drafts].update(row["id"], changes)
            db[tables.edits].insert(record)
            audit.record(db, actor, "edit", tables.entity, row["id"], part_key, record["old"], record["new"],
                         reason=citation.text())
    except BaseException:
        if target is not None:
            target.unlink(missing_ok=True)
        raise


def scan_of(db: sqlite_utils.Database, edit_id: int, tables: Tables = CRITERIA) -> dict[str, Any]:
    """The edit ``edit_id`` of ``tables`` that has a scan (NotFound otherwise)."""
    row = next(db.query(f"select * from {tables.edits} where id = ? and scan_stored is not null", [edit_id]), None) \
        if abs(edit_id) < 2**63 else None
    if row is None:
        raise NotFound(f"no scan for edit {edit_id}")
    return row


# --------------------------------------------------------------------------- four eyes


def problems(row: dict[str, Any]) -> list[Said]:
    """What the loader says of the draft's text (empty when it loads)."""
    return loader_problems(lambda: criteria.load_text(row["content"], name="bản dự thảo"))


def loader_problems(load: Callable[[], Any]) -> list[Said]:
    """What ``load`` (a loader reading a draft's text, of a criteria or an NTM set) says of it, in Vietnamese;
    empty when it loads."""
    try:
        load()
    except CriteriaInvalid as exc:
        return [in_vietnamese(p.message) for p in exc.problems]
    except CriteriaError:
        return [Said(N_("Giá trị không hợp lệ theo quy tắc của bộ tiêu chí."))]
    return []


def check_preparable(row: dict[str, Any], has_problems: bool) -> None:
    """The first pair of eyes may prepare a draft (of a criteria or an NTM set) being written that loads."""
    if row["state"] != "draft":
        raise DraftRefused(f"draft {row['id']} is {row['state']}", N_("Bản dự thảo không ở trạng thái đang soạn."))
    if has_problems:
        raise DraftRefused("the draft has problems", N_("Bản dự thảo còn lỗi, chưa thể trình xác nhận."))


def check_confirmable(row: dict[str, Any], actor: str, has_problems: bool) -> None:
    """The second pair of eyes may confirm a prepared draft that loads, never the person who prepared it."""
    if row["state"] != "prepared":
        raise DraftRefused(f"draft {row['id']} is {row['state']}", N_("Bản dự thảo chưa được trình xác nhận."))
    if row["prepared_by"] == actor:
        raise DraftRefused("the person who prepared a draft cannot confirm it",
                           N_("Người trình không thể tự xác nhận: cần một cán bộ pháp chế hoặc quản trị khác."))
    if has_problems:
        raise DraftRefused("the draft has problems", N_("Bản dự thảo còn lỗi, không thể ban hành."))


def mark_prepared(db: sqlite_utils.Database, table: str, draft_id: int, actor: str) -> None:
    """Record, audited, that ``actor`` prepared the draft of ``table`` (criteria or NTM drafts, same columns)."""
    db[table].update(draft_id, {"state": "prepared", "prepared_by": actor, "prepared_at": audit.now()})
    audit.record(db, actor, "prepare", table.removesuffix("s"), draft_id, old="draft", new="prepared")


def prepare(db: sqlite_utils.Database, draft_id: int, actor: str) -> None:
    """The first pair of eyes: the draft is complete and loads; it waits for a second person to confirm."""
    with transaction(db):
        row = get(db, draft_id)
        check_preparable(row, bool(problems(row)))
        mark_prepared(db, "criteria_drafts", draft_id, actor)


def confirm(db: sqlite_utils.Database, draft_id: int, actor: str) -> str:
    """The second pair of eyes: publish the prepared draft (never by the person who prepared it); returns its hash."""
    with transaction(db):
        row = get(db, draft_id)
        check_confirmable(row, actor, bool(problems(row)))
        cset = draft_set(row)
        digest = install_criteria(db, cset)
        stamp = audit.now()
        db["criteria_published"].insert({"hash": digest, "set_id": cset.id, "version": cset.version, "draft_id": draft_id,
                                         "prepared_by": row["prepared_by"], "confirmed_by": actor, "published_at": stamp})
        db["criteria_drafts"].update(draft_id, {"state": "published", "confirmed_by": actor, "confirmed_at": stamp,
                                                "published_hash": digest})
        audit.record(db, actor, "publish", "criteria_set", digest,
                     new={"set": cset.id, "version": cset.version, "prepared_by": row["prepared_by"],
                          "confirmed_by": actor, "draft": draft_id})
    return digest


# --------------------------------------------------------------------------- re-pinning a round


def started(db: sqlite_utils.Database, round_id: int) -> bool:
    """Whether any commune of the round has begun: left draft, or entered a value or an evidence note."""
    return bool(db.execute(
        "select count(*) from assessments where round_id = ? and (status != 'draft' or declared != '{}' or version > 1)",
        [round_id]).fetchone()[0])


def repin(db: sqlite_utils.Database, round_id: int, cset: CriteriaSet, reason: str, actor: str) -> None:
    """Pin a round that has not started to another version of its set (installed if need be), with the reason."""
    limits.bounded(reason, "reason", limits.REASON)
    if not reason.strip():
        raise DraftRefused("a reason is required", N_("Hãy ghi lý do đổi phiên bản."),
                           fields={"reason": Said(N_("Hãy ghi lý do đổi phiên bản."))})
    with transaction(db):
        rnd = get_round(db, round_id)
        digest = install_criteria(db, cset)
        if cset.id != rnd["criteria_id"]:
            raise DraftRefused("another criteria set", N_("Chỉ đổi sang phiên bản khác của cùng bộ tiêu chí."))
        if started(db, round_id):
            raise DraftRefused(f"round {round_id} has started",
                               N_("Đợt đánh giá đã bắt đầu (có xã đã nhập số liệu): không đổi phiên bản được."))
        old = f"{rnd['criteria_id']} {rnd['criteria_version']}"
        db.execute("update rounds set criteria_version = ?, criteria_hash = ? where id = ?",
                   [cset.version, digest, round_id])
        db.execute("update assessments set criteria_hash = ? where round_id = ?", [digest, round_id])
        audit.record(db, actor, "repin", "round", round_id, "criteria", old, f"{cset.id} {cset.version}",
                     reason=reason.strip())
