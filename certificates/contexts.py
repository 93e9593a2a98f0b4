"""What each document says, gathered from the database as plain data for the templates.

Contexts hold only strings, numbers, dates, lists and dicts (they are sent to the worker
processes); the templates decide how it looks.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from criteria.schema import CriteriaSet, LegalReference
from webapp.store import audit, profile_changes, threads, urban, vietnamese, workflow
from webapp.store.accounts import ROLE_NAMES, names_of
from webapp.store.errors import N_
from webapp.store.ntm import ntm_context, ntm_status, values_of
from webapp.store.ntm_drafts import current, edition
from webapp.store.profiles import HIGHER_BODY
from webapp.store.rounds import criteria_for, get_round
from webapp.store.specimen import doc_flags
from webapp.store.units import TIER_TYPES, TYPE_NAMES, full_name, get_unit

from . import records, vn

DOC_KINDS = {"Quyết định": "QĐ", "Nghị định": "NĐ", "Thông tư": "TT", "Nghị quyết": "NQ", "Chỉ thị": "CT",
             "Luật": "QH"}
UNIT_WORDS = {"xa": "xã", "phuong": "phường", "thi_tran": "thị trấn", "dac_khu": "đặc khu"}
STATUS_TEXT = {
    "valid": "Giấy công nhận CÒN HIỆU LỰC",
    "not_yet_valid": "Giấy công nhận CHƯA CÓ HIỆU LỰC (trước ngày ký quyết định)",
    "expired": "Giấy công nhận ĐÃ HẾT THỜI HẠN",
    "revoked": "Giấy công nhận ĐÃ BỊ THU HỒI (không còn giá trị)",
    "unknown": "KHÔNG TÌM THẤY giấy công nhận có mã này",
}


# ---- shared pieces ---------------------------------------------------------------------------

def issuer_of(db: sqlite_utils.Database, unit: dict[str, Any]) -> dict[str, Any]:
    """``ỦY BAN NHÂN DÂN / HUYỆN THẠCH AN``, its chair, its parent and the place name of its documents."""
    level = f"{TYPE_NAMES[unit['type']].lower()} {unit['name']}"
    parent = get_unit(db, unit["parent_id"]) if unit["parent_id"] else None
    return {
        "lines": ["ỦY BAN NHÂN DÂN", vietnamese.upper(level)],
        "authority": f"Chủ tịch Ủy ban nhân dân {level}",
        "authority_name": f"Ủy ban nhân dân {level}",
        "parent_name": (f"Ủy ban nhân dân {TYPE_NAMES[parent['type']].lower()} {parent['name']}"
                        if parent else None),
        "place": unit["name"],
    }


def higher_body(issuer: dict[str, Any], profile_id: str) -> str:
    """Whom the issuer reports to: the province for a district, the ministry (``HIGHER_BODY``) for a province."""
    return issuer["parent_name"] or HIGHER_BODY[profile_id]


DRAFT_LINE = "DỰ THẢO — số liệu tự đánh giá, chưa thẩm định"
REVIEWED = ("verified", "recognised", "not_recognised", "revoked")  # the figures have been through review
REPORT_SIGNER = {"title_lines": ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], "name": ""}  # signed by hand


def _kind(ref: LegalReference) -> tuple[str, str]:
    """(kind of document, the rest of its title): ``Quyết định``, ``ban hành Quy định về …``."""
    title = " ".join((ref.title or "").split())
    for kind in DOC_KINDS:
        if title.startswith(kind + " "):
            return kind, title[len(kind):].strip()
    code = ref.document.split("/", 1)[-1]
    kind = next((k for k, c in DOC_KINDS.items() if code.startswith(c)), "Văn bản")
    return kind, title


def cited(ref: LegalReference) -> str:
    """``Quyết định số 06/QĐ-TTg ngày 03 tháng 01 năm 2019 của Thủ tướng Chính phủ``."""
    kind, _ = _kind(ref)
    text = f"{kind} số {ref.document} {vn.long_date(ref.date)}"
    return f"{text} của {ref.issuer}" if ref.issuer else text


def legal_basis(ref: LegalReference) -> str:
    """``Căn cứ Quyết định số … của Thủ tướng Chính phủ ban hành Quy định về …`` (no final mark)."""
    _, rest = _kind(ref)
    return f"Căn cứ {cited(ref)} {rest}".strip()


def standard_texts(cset: CriteriaSet, year: int) -> dict[str, str]:
    """The standard's names as the documents use them, from the criteria set's title."""
    title = " ".join(cset.title.vi.split())
    short = title.removeprefix("Tiêu chuẩn ").strip()
    return {
        "standard_lower": title[:1].lower() + title[1:],             # tiêu chuẩn xã, phường, … trẻ em
        "standard_short": short[:1].upper() + short[1:],             # Xã, phường, thị trấn phù hợp với trẻ em
        "standard_short_lower": short[:1].lower() + short[1:],       # xã, phường, thị trấn phù hợp với trẻ em
        "subject": f"Về việc công nhận {short[:1].lower() + short[1:]} năm {year}",
        "standard_basis": cited(cset.legal_basis[0]),
    }


def unit_words(types: list[str]) -> str:
    """``xã, thị trấn``: the kinds of unit present, in the usual order."""
    present = [UNIT_WORDS[t] for t in UNIT_WORDS if t in set(types)]
    return ", ".join(present) or "xã, phường, thị trấn"


def signer_of(document: dict[str, Any] | None) -> dict[str, Any]:
    if document is None:
        return {"title_lines": ["CHỦ TỊCH"], "name": ""}
    return {"title_lines": document["signer_title"].split("\n"), "name": document["signer_name"]}


class PublicUrlError(records.DocumentError):
    """The public address the certificates' QR codes point to is not set, or is not a plain web address."""


URL_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|[0-9a-f.]*:[0-9a-f:.]*")
URL_PATH = re.compile(r"(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*/?")  # /a/b-c: no dot segments, no //, no %


def public_address(url: str | None) -> str:
    """The configured public address (``CFC_PUBLIC_URL``, ``--public-url``) checked and without a final
    ``/``: http or https, a host, an optional plain path; never taken from a request's Host header."""
    text = (url or "").strip()
    if not text:
        raise PublicUrlError(
            "the QR codes need the web app's public address: --public-url URL or $CFC_PUBLIC_URL",
            N_("Chưa in được giấy công nhận: quản trị hệ thống chưa đặt địa chỉ công khai của hệ thống "
               "(CFC_PUBLIC_URL), địa chỉ mà mã QR trên giấy dẫn tới để tra cứu."))
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if (parts is None or not port_ok or parts.scheme not in ("http", "https")
            or not URL_HOST.fullmatch(parts.hostname or "")
            or parts.username is not None or parts.query or parts.fragment or "?" in text or "#" in text
            or not text.isascii() or any(c.isspace() or c == "\\" or ord(c) < 32 for c in text)
            or not URL_PATH.fullmatch(parts.path)):
        raise PublicUrlError(
            f"the public address {text[:80]!r} must be a plain http(s) address such as "
            f"https://treem.caobang.gov.vn (a host, an optional path; no user, query or fragment)",
            N_("Chưa in được giấy công nhận: địa chỉ công khai của hệ thống (CFC_PUBLIC_URL) «%(url)s» "
               "không phải là một địa chỉ web hợp lệ (ví dụ https://treem.caobang.gov.vn); hãy báo quản trị hệ thống."),
            url=text[:80])
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path}".rstrip("/")


def verify_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/verify/{code}"


def _unit_row(db: sqlite_utils.Database, cset: CriteriaSet, unit: dict[str, Any], total: int | None,
              issuer_id: str) -> dict[str, Any]:
    category = cset.category(unit["category"] or "")
    parent = get_unit(db, unit["parent_id"]) if unit["parent_id"] else None
    return {
        "name": f"{TYPE_NAMES[unit['type']]} {unit['name']}",
        "full_name": full_name(db, unit),
        "type": unit["type"],
        "district": (f"{TYPE_NAMES[parent['type']]} {parent['name']}"
                     if parent and parent["id"] != issuer_id and parent["type"] != "tinh" else ""),
        "category": category.name.vi if category else (unit["category"] or ""),
        "group": category_label(cset, unit["category"]),
        "threshold": category.threshold if category else None,
        "total": total,
    }


def category_label(cset: CriteriaSet, category_id: str | None) -> str:
    """``Nhóm 2``: the short label of a category in a table (its place in the criteria set), explained once
    under the table by :func:`category_legend`; the full names make a narrow column of one word a line."""
    ids = [c.id for c in cset.categories]
    return f"Nhóm {ids.index(category_id) + 1}" if category_id in ids else ""


def category_legend(cset: CriteriaSet, rows: list[dict[str, Any]]) -> list[str]:
    """``Nhóm 2: Xã, thị trấn thuộc miền núi, hải đảo; xã đặc biệt khó khăn (tối thiểu 800 điểm)`` for the
    groups present in ``rows``."""
    present = {r["group"] for r in rows}
    return [f"{label}: {c.name.vi} (tối thiểu {vn.number(c.threshold, 0)} điểm)"
            for c in cset.categories if (label := category_label(cset, c.id)) in present]


# ---- recognition decision ------------------------------------------------------------------


def decision_context(db: sqlite_utils.Database, document_id: int) -> dict[str, Any]:
    """The issued decision ``document_id`` with its annex."""
    document = records.get_document(db, document_id)
    rows = list(db.query(
        "select c.serial, c.total, a.unit_id from certificates c join assessments a on a.id = c.assessment_id "
        "where c.document_id = ? order by c.serial", [document_id]))
    return _decision(db, document["round_id"], document["issuer_unit_id"], document,
                     [(get_unit(db, r["unit_id"]), r["total"]) for r in rows])


def draft_decision_context(db: sqlite_utils.Database, round_id: int, issuer_unit_id: str) -> dict[str, Any]:
    """A draft (``DỰ THẢO``, number and date left blank) for the units waiting for a decision."""
    rows = records.pending(db, round_id, issuer_unit_id)
    return _decision(db, round_id, issuer_unit_id, None,
                     [(get_unit(db, r["unit_id"]), r["verified_total"]) for r in rows])


def _decision(db: sqlite_utils.Database, round_id: int, issuer_id: str, document: dict[str, Any] | None,
              units: list[tuple[dict[str, Any], int | None]]) -> dict[str, Any]:
    round_row = get_round(db, round_id)
    cset = criteria_for(db, round_row["criteria_hash"])
    profile = profile_changes.current(db, round_row["profile"])
    issuer_unit = get_unit(db, issuer_id)
    issuer = issuer_of(db, issuer_unit)
    texts = standard_texts(cset, round_row["year"])
    words = unit_words([u["type"] for u, _ in units])
    rows = [_unit_row(db, cset, u, total, issuer_id) for u, total in units]
    totals = [r["total"] for r in rows if r["total"] is not None]
    number = document["number"] if document else None
    recipients = ["Như Điều 3;", f"{higher_body(issuer, profile.id)} (để báo cáo);", "Lưu: VT."]
    return {
        "doc": doc_flags(cset, document["specimen"] if document else None, profile),
        "draft": document is None,
        "issuer": issuer,
        "number": number,
        "number_text": number or f"{vn.BLANK}/QĐ-UBND",
        "place": issuer["place"],
        "date": document["signed_on"] if document else None,
        "year": round_row["year"],
        **texts,
        "grounds": [{"text": text, "unconfirmed": not verified} for text, verified in [
            *profile.bases(), *((legal_basis(ref), True) for ref in cset.legal_basis),
            (f"Xét kết quả thẩm định hồ sơ đánh giá {words} phù hợp với trẻ em năm {round_row['year']}", True),
            profile.proposal()]],
        "unit_words": words,
        "valid_until": document["valid_until"] if document else None,
        "executors": (f"Thủ trưởng các cơ quan, đơn vị có liên quan và Chủ tịch Ủy ban nhân dân các {words} "
                      f"có tên tại Điều 1"),
        "recipients": recipients,
        "signer": signer_of(document),
        "units": rows,
        "groups": category_legend(cset, rows),
        "show_district": any(r["district"] for r in rows),
        "average_total": (sum(totals) / len(totals)) if totals else None,
        "criteria": {"title": cset.title.vi, "version": cset.version, "hash": round_row["criteria_hash"]},
    }


# ---- certificates --------------------------------------------------------------------------

def certificate_contexts(db: sqlite_utils.Database, document_id: int, public_url: str) -> list[dict[str, Any]]:
    """One context per still-valid certificate of the decision, in the annex's order."""
    document = records.get_document(db, document_id)
    round_row = get_round(db, document["round_id"])
    cset = criteria_for(db, document["criteria_hash"])
    issuer = issuer_of(db, get_unit(db, document["issuer_unit_id"]))
    texts = standard_texts(cset, round_row["year"])
    shared = {
        "doc": doc_flags(cset, document["specimen"], profile_changes.current(db, round_row["profile"])), "issuer": issuer,
        "place": issuer["place"],
        "year": round_row["year"], **texts, "signer": signer_of(document),
        "decision": {"number": document["number"], "date": document["signed_on"]},
        "valid_until": document["valid_until"],
    }
    out = []
    for cert in records.certificates_of(db, document_id):
        assessment = workflow.get(db, cert["assessment_id"])
        if assessment["status"] != "recognised":
            continue  # revoked since: its certificate is no longer printed
        unit = get_unit(db, assessment["unit_id"])
        out.append({**shared, "unit": {"full_name": full_name(db, unit), "id": unit["id"]},
                    "serial": f"{cert['serial']:02d}", "code": cert["code"],
                    "verify_url": verify_url(public_url, cert["code"])})
    return out


# ---- public verification -------------------------------------------------------------------

def verification(db: sqlite_utils.Database, code: str, today: dt.date | None = None) -> dict[str, Any]:
    """What ``/verify/<code>`` shows, so that a genuine code on a forged paper is exposed: the state and,
    for a known code, the unit's full name, the decision's number, date and issuer, the validity
    period and any revocation (dd/mm/yyyy) — no score and no internal id."""
    result = records.verify(db, code, today)
    shown = {"code": result["code"], "status": result["status"], "specimen": result["specimen"],
             "text": STATUS_TEXT[result["status"]]}
    if result["status"] == "unknown":
        return shown
    return {**shown, "unit": full_name(db, get_unit(db, result["unit_id"])),
            "issuer": issuer_of(db, get_unit(db, result["issuer_unit_id"]))["authority"],
            "number": result["number"], "signed_on": vietnamese.short_date(result["signed_on"]),
            "valid_until": vietnamese.short_date(result["valid_until"]),
            "revoked_on": vietnamese.short_date(result["revoked_at"]), "revoke_reason": result["revoke_reason"] or ""}


# ---- evaluation report ---------------------------------------------------------------------

def _show(value: Any, spec: Any) -> str:
    if value is None:
        return "—"
    if spec is not None and spec.type == "boolean" or isinstance(value, bool):
        return vn.yes_no(value)
    return vn.number(value, 2)


def _reviewing_unit(db: sqlite_utils.Database, unit: dict[str, Any], tier: str) -> dict[str, Any]:
    current = unit
    while current["parent_id"]:
        current = get_unit(db, current["parent_id"])
        if current["type"] in TIER_TYPES[tier]:
            return current
    return current


def _message(m: dict[str, Any]) -> dict[str, Any]:
    """One message of the review conversation as the report prints it."""
    return {"author": m["author_name"], "role": ROLE_NAMES.get(m["role"], m["role"]), "at": vietnamese.short_time(m["at"]),
            "status": workflow.REVIEW_NAMES.get(m["status"] or "", ""), "body": m["body"],
            "returned": m["kind"] == "return"}


def report_context(db: sqlite_utils.Database, assessment: workflow.Assessment,
                   today: dt.date | None = None) -> dict[str, Any]:
    """Everything about one unit's assessment: inputs, rates, bands, points, evidence, reviews."""
    assessment_id, row, round_row = assessment.id, assessment.row, assessment.round
    cset, unit = assessment.cset, assessment.unit
    declared, verified = assessment.declared, assessment.verified
    decided = verified or declared
    d_dict, v_dict = declared.to_dict("vi"), verified.to_dict("vi") if verified else None
    evidence = workflow.evidence(db, assessment_id)
    files = {item: [f["filename"] for f in group] for item, group in evidence.files_by_item().items()}
    reviews = workflow.reviews(db, assessment_id)
    reviewers = names_of(db, {r["reviewer"] for r in reviews.values()})
    conversation = {n: [_message(m) for m in thread] for n, thread in threads.of(db, assessment_id).items()}
    criteria = []
    for number, crit in enumerate(d_dict["criteria"]):
        v_crit = v_dict["criteria"][number] if v_dict else None
        items = []
        for index, item in enumerate(crit["items"]):
            v_item = v_crit["items"][index] if v_crit else None
            inputs = []
            for name, value in item["inputs"].items():
                spec = cset.inputs.get(name)
                v_value = row["verified"].get(name) if row["verified"] else None
                inputs.append({"label": spec.label.vi if spec else name, "declared": _show(value, spec),
                               "verified": _show(v_value, spec) if row["verified"] else "—",
                               "changed": bool(row["verified"]) and v_value != value})
            shown = v_item or item
            items.append({
                "id": item["id"], "text": item["text"], "max_points": item["max_points"],
                "declared_points": item["points"], "verified_points": v_item["points"] if v_item else None,
                "declared_value": item["value"]["display"] if item["value"] else "—",
                "verified_value": (v_item["value"]["display"] if v_item["value"] else "—") if v_item else "—",
                "band": shown["band"]["label"] if shown["band"] else ("—" if shown["value"] is None else
                                                                       "nằm ngoài các khoảng của bảng điểm"),
                "explanation": shown["explanation"], "verified_law": item["verified"],
                "inputs": inputs, "evidence": evidence.notes.get(item["id"], ""), "files": files.get(item["id"], []),
                "source": item["source"],
            })
        review = reviews.get(crit["number"])
        criteria.append({
            "number": crit["number"], "name": crit["name"], "max_points": crit["max_points"],
            "declared_points": crit["points"], "verified_points": v_crit["points"] if v_crit else None,
            "review": ({"status": workflow.REVIEW_NAMES.get(review["status"], review["status"]),
                        "comment": review["comment"] or "", "reviewer": reviewers[review["reviewer"]],
                        "at": vietnamese.short_date(review["at"])} if review else None),
            "items": items, "thread": conversation.get(crit["number"], []),
        })
    moves = [e for e in audit.entries(db, "assessment", assessment_id) if e["action"] == "status"]
    actors = names_of(db, {e["actor"] for e in moves})
    history = [{"at": vietnamese.short_date(e["at"]), "actor": actors[e["actor"]],
                "from": workflow.STATUS_NAMES.get(e["old"] or "", e["old"] or ""),
                "to": workflow.STATUS_NAMES.get(e["new"] or "", e["new"] or ""), "reason": e["reason"] or ""}
               for e in moves]
    decision = next(db["decisions"].rows_where("assessment_id = ?", [assessment_id]), None)
    cert = next(db.query("select c.code, r.number, r.signed_on, r.valid_until from certificates c join "
                         "recognition_documents r on r.id = c.document_id where c.assessment_id = ?",
                         [assessment_id]), None)
    profile = profile_changes.current(db, round_row["profile"])
    issuer = issuer_of(db, _reviewing_unit(db, unit, profile.review_tier))
    category = cset.category(unit["category"] or "")
    return {
        "doc": doc_flags(cset),
        "draft": None if row["status"] in REVIEWED else DRAFT_LINE,
        "issuer": issuer, "place": issuer["place"], "date": today or vietnamese.today(),
        "number_text": f"{vn.BLANK}/BC-UBND",
        "recipient": higher_body(issuer, profile.id),
        "recipients": ["Như trên;", f"Ủy ban nhân dân {unit_words([unit['type']])} {unit['name']};", "Lưu: VT."],
        "signer": REPORT_SIGNER,
        **standard_texts(cset, round_row["year"]),
        "unit": {"full_name": full_name(db, unit), "code": unit["code"]},
        "round": {"name": round_row["name"], "year": round_row["year"]},
        "status": workflow.STATUS_NAMES.get(row["status"], row["status"]),
        "category": {"name": category.name.vi if category else unit["category"],
                     "threshold": category.threshold if category else None},
        "criteria_set": {"id": cset.id, "version": cset.version, "hash": row["criteria_hash"],
                         "title": cset.title.vi, "provisional_parts": len(cset.provisional_parts())},
        "declared_total": declared.total, "verified_total": verified.total if verified else None,
        "max_total": cset.total_points, "complete": decided.complete,
        "recognised": decided.recognised, "judged_on": "thẩm định" if row["status"] in REVIEWED else "tự đánh giá",
        "conditions": [{"text": c.text_vi, "actual": c.actual, "required": c.required, "passed": c.passed}
                       for c in decided.conditions],
        "criteria": criteria,
        "decision": ({"outcome": workflow.STATUS_NAMES.get(decision["outcome"], decision["outcome"]),
                      "reason": decision["reason"] or "", "at": vietnamese.short_date(decision["decided_at"]),
                      "revoked_at": vietnamese.short_date(decision["revoked_at"]),
                      "revoke_reason": decision["revoke_reason"] or ""} if decision else None),
        "certificate": ({"number": cert["number"], "date": cert["signed_on"], "valid_until": cert["valid_until"],
                         "code": cert["code"]} if cert else None),
        "history": history, "general_thread": conversation.get(threads.WHOLE, []),
        "ntm": _ntm_rows(db, assessment),
        "urban": _urban_status(db, unit, round_row["year"]),
    }


def _urban_status(db: sqlite_utils.Database, unit: dict[str, Any], year: int) -> dict[str, Any] | None:
    """A ward's or township's civilised-urban status as of the round's year (None for a commune)."""
    if unit["type"] not in urban.URBAN_TYPES:
        return None
    status = urban.status_for(db, [unit["id"]], year).get(unit["id"])
    return {"name": status["name"] if status else "Chưa ghi nhận", "year": status and status["year"],
            "decision": status and status["decision"], "decided_on": status and status["decided_on"],
            "basis": urban.BASIS}


NTM_RESULT = {"đạt": "Đạt", "không đạt": "Không đạt", "thiếu dữ liệu": "Chưa đủ số liệu"}


def _ntm_rows(db: sqlite_utils.Database, assessment: workflow.Assessment) -> dict[str, Any]:
    """The unit's child-related NTM indicators for readers: the indicator, its result, the figures behind it in
    words (the checklist's labels, never input names) and one caution for the whole section."""
    from criteria.ntm.schema import AllYes, CountZero

    statuses = ntm_status(db, assessment)
    if not statuses:
        return {"rows": [], "caution": ""}
    cset, values = assessment.cset, values_of(assessment.row)
    nset = current(db, ntm_context(assessment).ntm_set_id)
    indicators = {ind.id: ind for ind in nset.indicators}

    def label(name: str) -> str:
        spec = cset.inputs.get(name)
        return spec.label.vi if spec else name

    def shown(name: str) -> str:
        value = values.get(name)
        return "chưa có số liệu" if value is None else vn.yes_no(value) if isinstance(value, bool) else vn.number(value)

    rows = []
    for s in statuses:
        m = indicators[s.indicator_id].mapping
        if m is None:
            figures = "Số liệu đánh giá trẻ em không đo chỉ tiêu này."
        elif isinstance(m, AllYes):
            figures = "; ".join(f"{label(n)}: {shown(n).lower()}" for n in m.inputs) + " (cần tất cả là có)."
        elif isinstance(m, CountZero):
            figures = f"{label(m.input)}: {shown(m.input)} (cần bằng 0)."
        else:
            word = "tối đa" if m.kind == "rate_at_most" else "tối thiểu"
            area = nset.area(s.area)
            level = (f"mức {word} {vn.number(s.level)}% ({area.name.vi if area else s.area})"
                     if s.level is not None else "chưa có mức cho vùng này")
            rate = f", tức {vn.number(s.value * 100)}%" if s.value is not None else ""
            figures = f"{label(m.numerator)}: {shown(m.numerator)} trên {label(m.denominator).lower()}: " \
                      f"{shown(m.denominator)}{rate}; {level}."
        rows.append({"criterion": s.criterion, "wording": s.wording_vi, "result": NTM_RESULT[s.status],
                     "figures": figures})
    caution = ("Các chỉ tiêu nông thôn mới và cách tính chúng từ số liệu đánh giá trẻ em là cách hiểu tạm thời, "
               "chưa được đối chiếu đầy đủ với văn bản chính thức: kết quả chỉ để tham khảo, không thay cho "
               "việc đánh giá nông thôn mới." if any(s.unverified for s in statuses) else "")
    return {"rows": rows, "caution": caution, "edition": edition(db, nset.id),
            "values_from": "số liệu thẩm định" if assessment.row["status"] in REVIEWED else "số liệu tự đánh giá"}
