"""Confirming who reviews and who recognises against the official text, with four eyes.

The shipped hierarchy profiles (``data/profiles.yaml``) mark what no text found settles as unconfirmed,
and every decision of such a profile is a specimen. A legal officer (or an administrator) who holds the
text proposes the confirmed wording of one *part* of a profile (the reviewing body and its proposer, or
one law the recognising authority acts on) with its citation; a second person confirms it. From then on
documents print the confirmed wording, and a profile with nothing left unconfirmed no longer makes its
decisions specimens. The shipped file is never edited: :func:`current` lays the confirmed changes over it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from . import audit
from .db import transaction
from .errors import N_, Msg, NotFound, StorageError
from .profiles import Basis, Profile, profiles

REVIEWING_BODY = "reviewing_body"
BASIS = "basis-"  # + the law's position in the profile's list, from 1
TEXT = 500        # characters of a body's name, a proposer or a law's title as printed
CITATION = 300    # characters of a document's name, a clause or a page
STATES = {"proposed": N_("Chờ người thứ hai xác nhận"), "confirmed": N_("Đã xác nhận"),
          "withdrawn": N_("Đã rút lại")}
FIELDS = {"name": N_("Tên cơ quan thẩm định"), "text": N_("Nội dung"), "document": N_("Văn bản"),
          "clause": N_("Điều, khoản"), "page": N_("Trang")}


class ChangeRefused(StorageError):
    """A proposal or a step of its life cycle refused; ``field`` names the form field at fault, if one is."""

    def __init__(self, message: str, vi: str, field: str | None = None, **params: Any):
        self.field = field
        super().__init__(message, vi, **params)


@dataclass(frozen=True)
class Part:
    """One confirmable part of a profile as the page shows it."""

    key: str
    label: Msg
    name: str | None  # the reviewing body's name; None for a law
    text: str         # the proposer, or the law as printed after «Căn cứ»
    verified: bool
    source: str


def parts(profile: Profile) -> list[Part]:
    """The reviewing body, then each law the authority acts on, in the order the decision prints them."""
    body = profile.reviewing_body
    out = [Part(REVIEWING_BODY, N_("Cơ quan thẩm định và người đề nghị"), body.name, body.proposer, body.verified,
                body.source)]
    out += [Part(f"{BASIS}{n}", N_("Căn cứ pháp lý về thẩm quyền công nhận"), None, b.text, b.verified, b.source)
            for n, b in enumerate(profile.recognising_authority.legal_basis, start=1)]
    return out


def _shipped(profile_id: str) -> Profile:
    try:
        return profiles()[profile_id]
    except KeyError:
        raise NotFound(f"no hierarchy profile {profile_id!r}") from None


def citation(row: dict[str, Any]) -> str:
    """Where the official text states a part: «document, clause, trang page»."""
    return ", ".join(filter(None, (row["document"], row["clause"], f"trang {row['page']}" if row["page"] else "")))


def _applied(profile: Profile, row: dict[str, Any]) -> Profile:
    """``profile`` with one confirmed change laid over it."""
    if row["part"] == REVIEWING_BODY:
        body = profile.reviewing_body.model_copy(update={"name": row["name"], "proposer": row["text"],
                                                         "verified": True, "source": citation(row)})
        return profile.model_copy(update={"reviewing_body": body})
    laws = list(profile.recognising_authority.legal_basis)
    index = int(row["part"].removeprefix(BASIS)) - 1
    if not 0 <= index < len(laws):  # a law the shipped file no longer lists: nothing to lay it over
        return profile
    laws[index] = Basis(text=row["text"], verified=True, source=citation(row))
    return profile.model_copy(update={"recognising_authority": profile.recognising_authority.model_copy(
        update={"legal_basis": laws})})


def current(db: sqlite_utils.Database, profile_id: str) -> Profile:
    """The profile as documents print it today: shipped, with every confirmed change in the order confirmed."""
    profile = _shipped(profile_id)
    for row in db.query("select * from profile_changes where profile_id = ? and state = 'confirmed' "
                        "order by decided_at, id", [profile_id]):
        profile = _applied(profile, row)
    return profile


def changes(db: sqlite_utils.Database, profile_id: str | None = None) -> list[dict[str, Any]]:
    """Every proposal (newest first), of one profile or all."""
    where, params = ("where profile_id = ?", [profile_id]) if profile_id else ("", [])
    return list(db.query(f"select * from profile_changes {where} order by id desc", params))


def get(db: sqlite_utils.Database, change_id: int) -> dict[str, Any]:
    row = next(db.query("select * from profile_changes where id = ?", [change_id]), None) \
        if abs(change_id) < 2**63 else None
    if row is None:
        raise NotFound(f"no profile change {change_id}")
    return row


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _checked(field: str, value: str | None, limit: int, required: bool) -> str:
    text = _clean(value)
    if required and not text:
        raise ChangeRefused(f"{field} is required", N_("Hãy điền «%(label)s»."), field, label=Msg(FIELDS[field]))
    if len(text) > limit:
        raise ChangeRefused(f"{field} is longer than {limit}", N_("«%(label)s» dài quá %(limit)s ký tự."), field,
                            label=Msg(FIELDS[field]), limit=limit)
    return text


def propose(db: sqlite_utils.Database, profile_id: str, part: str, *, text: str, document: str, clause: str,
            page: str = "", name: str | None = None, actor: str) -> int:
    """Record the wording of ``part`` as the official text states it, with its citation, for a second person to
    confirm; refused if the part already waits for a confirmation."""
    profile = _shipped(profile_id)
    shown = {p.key: p for p in parts(current(db, profile_id))}
    if part not in shown:
        raise NotFound(f"no part {part!r} in the {profile.id} profile")
    row = {"profile_id": profile_id, "part": part,
           "name": _checked("name", name, TEXT, True) if part == REVIEWING_BODY else None,
           "text": _checked("text", text, TEXT, True), "document": _checked("document", document, CITATION, True),
           "clause": _checked("clause", clause, CITATION, True), "page": _checked("page", page, CITATION, False),
           "proposed_by": actor, "proposed_at": audit.now(), "state": "proposed"}
    with transaction(db):
        if db["profile_changes"].count_where("profile_id = ? and part = ? and state = 'proposed'", [profile_id, part]):
            raise ChangeRefused(f"{part} of {profile_id} already waits for a confirmation",
                                N_("Phần này đang chờ người thứ hai xác nhận: hãy xác nhận hoặc rút lại đề xuất đó "
                                   "trước."))
        change_id = db["profile_changes"].insert(row).last_pk
        before = shown[part]
        audit.record(db, actor, "propose", "profile", profile_id, field=part,
                     old=" — ".join(filter(None, (before.name, before.text))),
                     new=" — ".join(filter(None, (row["name"], row["text"]))), reason=citation(row))
    return change_id


def confirm(db: sqlite_utils.Database, change_id: int, actor: str) -> None:
    """The second pair of eyes: the change applies from now on; the person who proposed it may not confirm it."""
    with transaction(db):
        row = _open(db, change_id)
        if row["proposed_by"] == actor:
            raise ChangeRefused(f"{actor} proposed change {change_id} and cannot also confirm it",
                                N_("Người đề xuất không thể tự xác nhận: cần một người thứ hai đối chiếu với văn bản."))
        db["profile_changes"].update(change_id, {"state": "confirmed", "decided_by": actor, "decided_at": audit.now()})
        audit.record(db, actor, "confirm", "profile", row["profile_id"], field=row["part"], new=row["text"],
                     reason=f"đề xuất của {row['proposed_by']}")


def withdraw(db: sqlite_utils.Database, change_id: int, actor: str) -> None:
    """A proposal found wrong is withdrawn (by its author or the second person); nothing applies."""
    with transaction(db):
        row = _open(db, change_id)
        db["profile_changes"].update(change_id, {"state": "withdrawn", "decided_by": actor, "decided_at": audit.now()})
        audit.record(db, actor, "withdraw", "profile", row["profile_id"], field=row["part"], old=row["text"])


def _open(db: sqlite_utils.Database, change_id: int) -> dict[str, Any]:
    row = get(db, change_id)
    if row["state"] != "proposed":
        raise ChangeRefused(f"change {change_id} is {row['state']}", N_("Đề xuất này đã được xử lý: %(state)s."),
                            state=STATES[row["state"]])
    return row
