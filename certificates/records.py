"""Issued recognition decisions and their certificates: number, date, signer, verification code.

The recognising authority issues a decision (``Quyết định công nhận``) for the recognised
assessments of a round in its jurisdiction that no decision covers yet; each gets a
certificate with a random verification code. Whether a certificate is valid is never
stored: it is read from the assessment (``recognised`` or ``revoked``) and the decision's
``valid_until`` every time someone asks.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

import sqlite_utils

from webapp.store import accounts, audit, profile_changes, vietnamese
from webapp.store.db import transaction
from webapp.store.errors import N_, NotFound, StorageError
from webapp.store.profiles import profiles
from webapp.store.rounds import criteria_for, get_round, is_recognising_authority
from webapp.store.units import get_unit

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed without doubt
CODE_LENGTH = 10  # 31^10 ≈ 8·10^14 (49.5 bits): not guessable at any request rate
NUMBER_RE = re.compile(r"^[1-9][0-9]{0,5}/QĐ-[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)*$")
STATUSES = ("valid", "not_yet_valid", "expired", "revoked", "unknown")
FIELDS = {"signed_on": N_("Ngày ký"), "valid_until": N_("Có giá trị đến")}


class DocumentError(StorageError):
    """A decision cannot be issued as asked (says why); ``at`` names the form's field at fault, if one is."""

    def __init__(self, message: str, vi: str | None = None, *, at: str | None = None, **params: Any):
        self.at = at
        super().__init__(message, vi, **params)


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(text: str) -> str | None:
    """``7kq3m xd9pa`` → ``7KQ3M-XD9PA``; None when it cannot be a code."""
    raw = re.sub(r"[\s-]", "", str(text or "")).upper()
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return None
    return f"{raw[:5]}-{raw[5:]}"


def normalise_number(text: str) -> str:
    """``125`` → ``125/QĐ-UBND``; ``125/qd-ubnd`` → ``125/QĐ-UBND``; refuses anything else."""
    number = vietnamese.upper(" ".join(str(text or "").split())).replace(" ", "")
    if number.isdigit():
        number += "/QĐ-UBND"
    number = number.replace("/QD-", "/QĐ-")
    if not NUMBER_RE.match(number):
        raise DocumentError(f"the decision number {text!r} must look like 125/QĐ-UBND",
                            N_("Số quyết định «%(number)s» không đúng dạng «125/QĐ-UBND»."), number=str(text)[:40],
                            at="number")
    return number


def _date(value: Any, field: str) -> dt.date:
    """``value`` as a date; refused naming the form's ``field`` (``signed_on``, ``valid_until``)."""
    try:
        day = vietnamese.as_date(value)
    except ValueError:
        day = None
    if day is None:
        raise DocumentError(f"{field}: {str(value)[:40]!r} is not a date (YYYY-MM-DD)",
                            N_("%(field)s: «%(value)s» không phải là một ngày (năm-tháng-ngày, ví dụ 2024-12-16)."),
                            field=FIELDS[field], value=str(value)[:40], at=field)
    return day


def check_dates(round_row: dict[str, Any], signed: dt.date, until: dt.date, today: dt.date | None = None) -> None:
    """A decision is signed after its round's evaluation began (1 January of the round's year), not
    after today (Vietnam), and its certificates are valid from that day to ``until``."""
    today = today or vietnamese.today()
    if signed > today:
        raise DocumentError(f"the signing date {signed} is in the future (today is {today})",
                            N_("%(field)s %(date)s là ngày trong tương lai (hôm nay là %(today)s)."),
                            field=FIELDS["signed_on"], date=vietnamese.short_date(signed),
                            today=vietnamese.short_date(today), at="signed_on")
    start = dt.date(round_row["year"], 1, 1)
    if signed < start:
        raise DocumentError(f"the signing date {signed} is before the round's evaluation year {round_row['year']}",
                            N_("%(field)s %(date)s trước năm đánh giá %(year)s của đợt này."),
                            field=FIELDS["signed_on"], date=vietnamese.short_date(signed), year=round_row["year"],
                            at="signed_on")
    if until < signed:
        raise DocumentError("the certificates cannot expire before the decision is signed",
                            N_("%(field)s %(until)s trước ngày ký %(date)s."), field=FIELDS["valid_until"],
                            until=vietnamese.short_date(until), date=vietnamese.short_date(signed), at="valid_until")


def check_issuer(db: sqlite_utils.Database, round_row: dict[str, Any], issuer_unit_id: str) -> dict[str, Any]:
    """The issuing unit, if it is the recognising tier of the round's hierarchy profile."""
    if not is_recognising_authority(db, round_row, issuer_unit_id):
        profile = profiles()[round_row["profile"]]
        raise DocumentError(
            f"{issuer_unit_id} cannot issue this round's decisions: the recognising authority of the "
            f"{profile.id} profile is the {profile.recognising_tier} ({profile.recognising_title_vi})",
            N_("Quyết định công nhận của đợt đánh giá này do %(authority)s ban hành."),
            authority=profile.recognising_title_vi)
    return get_unit(db, issuer_unit_id)


def pending(db: sqlite_utils.Database, round_id: int, issuer_unit_id: str) -> list[dict[str, Any]]:
    """Recognised assessments of the round in the issuer's jurisdiction no decision covers yet."""
    rows = db.query(
        "select a.id, a.unit_id, a.verified_total, u.sort_key from assessments a "
        "join units u on u.id = a.unit_id join decisions d on d.assessment_id = a.id "
        "left join certificates c on c.assessment_id = a.id "
        "where a.round_id = ? and a.status = 'recognised' and d.outcome = 'recognised' "
        "and d.revoked_at is null and c.code is null order by u.sort_key", [round_id])
    return [r for r in rows if accounts.within(db, r["unit_id"], issuer_unit_id)]


def issue(db: sqlite_utils.Database, round_id: int, issuer_unit_id: str, *, number: str, signed_on: Any,
          valid_until: Any, signer_title: str, signer_name: str, actor: str) -> int:
    """Record the decision (number, date, signer) and a certificate per unit it recognises."""
    number = normalise_number(number)
    signed = _date(signed_on, "signed_on")
    until = _date(valid_until, "valid_until")
    lines = re.split(r"\s*[/\n]\s*", signer_title or "")
    title = "\n".join(vietnamese.upper(line.strip()) for line in lines if line.strip())
    name = " ".join(vietnamese.nfc(signer_name or "").split())
    if not title or not name:
        raise DocumentError("the decision needs the signer's title and name",
                            N_("Quyết định cần thẩm quyền, chức vụ và họ tên người ký."),
                            at="signer_name" if title else "signer_title")
    with transaction(db):
        round_row = get_round(db, round_id)
        check_dates(round_row, signed, until)
        check_issuer(db, round_row, issuer_unit_id)
        units = pending(db, round_id, issuer_unit_id)
        if not units:
            raise DocumentError("no recognised unit of this round in the jurisdiction is waiting for a decision",
                                N_("Không có đơn vị nào được công nhận trong phạm vi của bạn chờ ra quyết định."))
        if db["recognition_documents"].count_where("issuer_unit_id = ? and year = ? and number = ?",
                                                    [issuer_unit_id, signed.year, number]):
            raise DocumentError(f"decision number {number} of {signed.year} is already used by this authority",
                                N_("Số quyết định %(number)s năm %(year)s đã được dùng."), number=number,
                                year=signed.year, at="number")
        cset = criteria_for(db, round_row["criteria_hash"])
        specimen = cset.has_provisional_values or not profile_changes.current(db, round_row["profile"]).confirmed
        doc_id = db["recognition_documents"].insert({
            "round_id": round_id, "issuer_unit_id": issuer_unit_id, "number": number, "year": signed.year,
            "signed_on": signed.isoformat(), "valid_until": until.isoformat(), "signer_title": title,
            "signer_name": name, "criteria_hash": round_row["criteria_hash"],
            "specimen": int(specimen), "issued_by": actor, "issued_at": audit.now(),
        }).last_pk
        for serial, unit in enumerate(units, start=1):
            code = new_code()
            while db["certificates"].count_where("code = ?", [code]):
                code = new_code()
            db["certificates"].insert({"code": code, "document_id": doc_id, "assessment_id": unit["id"],
                                       "serial": serial, "total": unit["verified_total"]})
        audit.record(db, actor, "issue", "recognition_document", doc_id,
                     new={"round": round_id, "issuer": issuer_unit_id, "number": number,
                          "signed_on": signed.isoformat(), "valid_until": until.isoformat(),
                          "units": len(units)})
    return doc_id


def documents(db: sqlite_utils.Database, round_id: int, scope_unit_id: str | None = None) -> list[dict[str, Any]]:
    """The round's issued decisions, oldest first (only those issued within ``scope_unit_id``)."""
    rows = list(db["recognition_documents"].rows_where("round_id = ?", [round_id], order_by="signed_on, id"))
    if scope_unit_id is None:
        return rows
    return [r for r in rows if accounts.within(db, r["issuer_unit_id"], scope_unit_id)]


def get_document(db: sqlite_utils.Database, document_id: int) -> dict[str, Any]:
    rows = list(db["recognition_documents"].rows_where("id = ?", [document_id]))
    if not rows:
        raise NotFound(f"no recognition decision {document_id}")
    return rows[0]


def certificates_of(db: sqlite_utils.Database, document_id: int) -> list[dict[str, Any]]:
    return list(db["certificates"].rows_where("document_id = ?", [document_id], order_by="serial"))


def verify(db: sqlite_utils.Database, code: str, today: dt.date | None = None) -> dict[str, Any]:
    """The certificate's state (``valid``, ``not_yet_valid``, ``expired``, ``revoked`` or ``unknown``) and
    what it certifies: the unit, the decision (number, date, issuer, validity) and any revocation."""
    normal = normalise_code(code)
    row = None
    if normal is not None:
        row = next(db.query(
            "select a.status, a.unit_id, r.issuer_unit_id, r.number, r.signed_on, r.valid_until, r.specimen, "
            "d.revoked_at, d.revoke_reason from certificates c "
            "join recognition_documents r on r.id = c.document_id join assessments a on a.id = c.assessment_id "
            "left join decisions d on d.assessment_id = c.assessment_id where c.code = ?", [normal]), None)
    if row is None:
        return {"code": normal, "status": "unknown", "specimen": False}
    day = today or vietnamese.today()
    if row["status"] != "recognised" or row["revoked_at"] is not None:
        status = "revoked"  # revoked (the only way a recognised assessment changes)
    elif day < dt.date.fromisoformat(row["signed_on"]):
        status = "not_yet_valid"
    elif day > dt.date.fromisoformat(row["valid_until"]):
        status = "expired"
    else:
        status = "valid"
    return {**row, "code": normal, "status": status, "specimen": bool(row["specimen"])}
