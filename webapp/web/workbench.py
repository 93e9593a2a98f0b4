"""``/criteria``: the criteria workbench, where the province's legal officers verify the official values.

Open an installed set and read every value with its source and whether it is verified; start a draft version;
verify or correct one part at a time against the official text (citation and optional scan), refused at the
field with the loader's message; read what the draft changes and how the latest round would score under it;
prepare, and have a second person confirm, to publish. Sets and drafts are exported as YAML and XLSX and taken
back from them. The NTM indicator sets' child-related indicators are verified the same way, one indicator at a
time, and the version published here is the one the NTM pages use. Administrators also re-pin a round that has
not started. Only ``legal`` and ``admin`` use it.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlite_utils
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_babel import gettext as _

import criteria
import criteria.ntm
from criteria import CriteriaSet
from criteria.export import dump_yaml, plain_data
from criteria.ntm import NtmSet
from webapp.store import criteria_drafts, criteria_sheet, criteria_values, ntm_drafts, ntm_sheet, ntm_values
from webapp.store.criteria_drafts import Citation, DraftRefused
from webapp.store.errors import N_, ImportRejected, Msg, NotFound, StorageError
from webapp.store.impact import round_impact
from webapp.store.ntm_impact import draft_impact, latest_round
from webapp.store.rounds import criteria_for, get_round
from webapp.store.vietnamese import short_time as vntime

from .auth import current_user, roles_required
from .db import get_db
from .formatting import person
from .refusals import refusal

bp = Blueprint("workbench", __name__)
WORKERS = criteria_drafts.WORKERS
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YAML = "application/yaml"
MAX_YAML = 1024 * 1024  # bytes of an uploaded criteria file (QĐ 06 is about 40 KB)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    """What the workbench's pages use to say a refusal and a store message (:class:`Said`) in the request's language."""
    return {"refusal": refusal, "said": _said, "shown": lambda text: gettext(text) if isinstance(text, Msg) else text}


def _said(said: criteria_values.Said) -> str:
    """A store message in the request's language (an unknown text, such as the law's own wording, as it is)."""
    return gettext(said.vi, **said.params) if said.params else gettext(said.vi)


def _set(set_id: str, version: str) -> dict[str, Any]:
    try:
        return criteria_drafts.by_version(get_db(), set_id, version)
    except NotFound:
        abort(404)


def _draft(draft_id: int) -> dict[str, Any]:
    try:
        return criteria_drafts.get(get_db(), draft_id)
    except NotFound:
        abort(404)


def _shown(every: list[criteria_values.Part]) -> tuple[list[criteria_values.Part], bool]:
    """The parts the page lists (only the unverified ones with ``?chua_xac_minh=1``) and whether filtered."""
    only_unverified = request.args.get("chua_xac_minh") == "1"
    return [p for p in every if not only_unverified or p.verified is False], only_unverified


@bp.route("/criteria")
@roles_required(*WORKERS)
def index():
    """The installed sets and the drafts, with the upload of a YAML file as a new draft."""
    db = get_db()
    return render_template("workbench/index.html", sets=criteria_drafts.installed(db),
                           drafts=criteria_drafts.drafts(db), states=criteria_drafts.STATES, ntm_sets=_ntm_sets())


@bp.route("/criteria/<set_id>/<version>")
@roles_required(*WORKERS)
def show_set(set_id: str, version: str):
    """Every value of an installed set, with its source and verification, and the form to start a draft."""
    found = _set(set_id, version)
    shown, filtered = _shown(criteria_values.parts(found["cset"]))
    return render_template("workbench/set.html", found=found, cset=found["cset"], parts=shown, filtered=filtered,
                           form=request.args, refused=None)


@bp.route("/criteria/<set_id>/<version>/drafts", methods=["POST"])
@roles_required(*WORKERS)
def new_draft(set_id: str, version: str):
    found = _set(set_id, version)
    try:
        draft_id = criteria_drafts.create(get_db(), found["hash"], request.form.get("version", ""),
                                          request.form.get("valid_from", ""), current_user().username)
    except DraftRefused as exc:
        shown, filtered = _shown(criteria_values.parts(found["cset"]))
        return render_template("workbench/set.html", found=found, cset=found["cset"], parts=shown, filtered=filtered,
                               form=request.form, refused=exc), 422
    flash(_("Đã tạo bản dự thảo phiên bản %(version)s.", version=request.form.get("version", "").strip()), "ok")
    return redirect(url_for("workbench.show_draft", draft_id=draft_id))


@bp.route("/criteria/<set_id>/<version>/export.yaml")
@roles_required(*WORKERS)
def export_set(set_id: str, version: str):
    cset = _set(set_id, version)["cset"]
    return _yaml(cset)


def _yaml(cset: CriteriaSet | NtmSet):
    data = dump_yaml(cset).encode("utf-8")
    return send_file(io.BytesIO(data), mimetype=YAML, as_attachment=True,
                     download_name=f"{cset.id}-{cset.version}.yaml")


def _ntm(set_id: str) -> NtmSet:
    """The NTM set ``set_id`` as it applies now (published here, else shipped)."""
    try:
        return ntm_drafts.current(get_db(), set_id)
    except criteria.CriteriaNotFound:
        abort(404)


def _ntm_sets() -> list[NtmSet]:
    return [ntm_drafts.current(get_db(), s.id) for s in criteria.ntm.shipped()]


def _ntm_page(nset: NtmSet, form: Any, refused: DraftRefused | None = None):
    """The NTM set's page: its child-related values (only the unverified ones with ``?chua_xac_minh=1``), its
    drafts and the form to start one."""
    shown, filtered = _shown(ntm_values.parts(nset))
    db = get_db()
    return render_template("workbench/ntm.html", nset=nset, parts=shown, filtered=filtered, form=form,
                           refused=refused, drafts=ntm_drafts.drafts(db, nset.id),
                           published=ntm_drafts.published(db, nset.id), states=criteria_drafts.STATES)


@bp.route("/criteria/ntm/<set_id>")
@roles_required(*WORKERS)
def show_ntm(set_id: str):
    """Every child-related value of an NTM indicator set as it applies now, with its source and verification."""
    return _ntm_page(_ntm(set_id), request.args)


@bp.route("/criteria/ntm/<set_id>/export.yaml")
@roles_required(*WORKERS)
def export_ntm(set_id: str):
    """The version that applies now, as YAML the NTM loader reads back unchanged."""
    return _yaml(_ntm(set_id))


@bp.route("/criteria/ntm/<set_id>/drafts", methods=["POST"])
@roles_required(*WORKERS)
def new_ntm_draft(set_id: str):
    nset = _ntm(set_id)
    try:
        draft_id = ntm_drafts.create(get_db(), nset.id, request.form.get("version", ""), current_user().username)
    except DraftRefused as exc:
        return _ntm_page(nset, request.form, exc), 422
    flash(_("Đã tạo bản dự thảo phiên bản %(version)s.", version=request.form.get("version", "").strip()), "ok")
    return redirect(url_for("workbench.show_ntm_draft", draft_id=draft_id))


def _ntm_draft(draft_id: int) -> dict[str, Any]:
    try:
        return ntm_drafts.get(get_db(), draft_id)
    except NotFound:
        abort(404)


def _ntm_draft_page(row: dict[str, Any], rejected: ImportRejected | None = None):
    """The NTM draft: its values with the edit link of each part, its state, the steps to publish it and the sheet."""
    nset = ntm_drafts.draft_set(row)
    shown, filtered = _shown(ntm_values.parts(nset))
    links = [(url_for("workbench.ntm_changes", draft_id=row["id"]), _("Xem thay đổi so với phiên bản gốc"), "to-changes"),
             (url_for("workbench.ntm_impact", draft_id=row["id"]), _("Tác động đến đợt đánh giá gần nhất"), "to-impact"),
             (url_for("workbench.ntm_values_xlsx", draft_id=row["id"]), _("Tải về bảng tính (Excel)"), None),
             (url_for("workbench.show_ntm", set_id=nset.id), _("Bộ chỉ tiêu đang áp dụng"), None)]
    steps = {"prepare": url_for("workbench.prepare_ntm", draft_id=row["id"]),
             "confirm": url_for("workbench.confirm_ntm", draft_id=row["id"]),
             "published": _("Đã ban hành: %(a)s trình, %(b)s xác nhận lúc %(at)s. Các trang và văn bản nông thôn mới "
                            "dùng phiên bản này từ nay.", a=person(row["prepared_by"]), b=person(row["confirmed_by"]),
                            at=vntime(row["confirmed_at"])),
             "sheet": url_for("workbench.ntm_values_xlsx", draft_id=row["id"]), "edit": "workbench.edit_ntm_part"}
    return _draft_view(row, nset, None, shown, filtered, ntm_drafts.problems(row), links, steps, rejected)


@bp.route("/criteria/ntm/drafts/<int:draft_id>")
@roles_required(*WORKERS)
def show_ntm_draft(draft_id: int):
    return _ntm_draft_page(_ntm_draft(draft_id))


def _edit_request() -> tuple[dict[str, str], Citation, tuple[str, bytes] | None]:
    """A part's form as posted (every field but the token and the part; a field chosen several times joined), its
    citation and its optional scan."""
    form = {k: ntm_values.SEPARATOR.join(request.form.getlist(k)) for k in request.form if k not in ("csrf_token", "part")}
    upload = request.files.get("scan")
    scan = (upload.filename or "scan", upload.read()) if upload is not None and upload.filename else None
    return form, Citation(form.get("document", ""), form.get("clause", ""), form.get("page", "")), scan


@bp.route("/criteria/ntm/drafts/<int:draft_id>/part", methods=["GET", "POST"])
@roles_required(*WORKERS)
def edit_ntm_part(draft_id: int):
    """One part's form (an indicator, a region or group, the validity): its values, whether verified, the citation
    and an optional scan; refused at the field, the typed values kept."""
    row = _ntm_draft(draft_id)
    nset = ntm_drafts.draft_set(row)
    part = ntm_values.find(nset, request.values.get("part", ""))
    if part is None:
        abort(404)
    if request.method == "GET":
        return _ntm_part_page(row, nset, part, ntm_values.form_values(nset, part), None)
    form, citation, scan = _edit_request()
    try:
        ntm_drafts.edit_part(get_db(), draft_id, part.key, form, citation, current_user().username, scan=scan,
                             store=Path(current_app.config["ATTACHMENTS"]))
    except DraftRefused as exc:
        return _ntm_part_page(row, nset, part, form, exc), 422
    flash(_("Đã lưu: %(part)s.", part=_said(part.title)), "ok")
    return redirect(url_for("workbench.show_ntm_draft", draft_id=draft_id, _anchor=f"part-{part.key}"))


def _ntm_part_page(row: dict[str, Any], nset: NtmSet, part: criteria_values.Part, form: dict[str, str],
                   refused: DraftRefused | None):
    history = [e for e in ntm_drafts.edits(get_db(), row["id"]) if e["part"] == part.key]
    flags = [("verified", _("Số hiệu và lời văn của chỉ tiêu đúng như văn bản") if part.kind == "indicator" else
              _("Đúng như văn bản"))]
    if part.kind == "indicator":
        flags += [("mapping.verified", _("Cách tính từ số liệu trẻ em đã được xác nhận")),
                  ("mapping.levels_verified", _("Các mức theo vùng, nhóm đúng như văn bản"))]
    return render_template("workbench/ntm_part.html", draft=row, part=part, form=form, refused=refused, flags=flags,
                           fields=ntm_values.form_fields(nset, part), choices=ntm_values.choices,
                           kinds=ntm_values.MAPPING_NAMES, no_mapping=ntm_values.NO_MAPPING,
                           separator=ntm_values.SEPARATOR, history=history)


@bp.route("/criteria/ntm/edits/<int:edit_id>/scan")
@roles_required(*WORKERS)
def ntm_scan(edit_id: int):
    """The scan or photo of the official page attached to one edit of an NTM draft."""
    return _scan(edit_id, ntm_drafts.NTM)


@bp.route("/criteria/ntm/drafts/<int:draft_id>/changes")
@roles_required(*WORKERS)
def ntm_changes(draft_id: int):
    """What the NTM draft changes of the version it was made from, value by value, with the citations."""
    row = _ntm_draft(draft_id)
    nset, base = ntm_drafts.draft_set(row), ntm_drafts.base_set(row)
    cited = {e["part"]: e for e in ntm_drafts.edits(get_db(), draft_id)}
    return render_template("workbench/changes.html", draft=row, cset=nset, base=base, cited=cited,
                           changes=criteria_values.differences(ntm_values.parts(base), ntm_values.parts(nset)),
                           back=url_for("workbench.show_ntm_draft", draft_id=draft_id), scan="workbench.ntm_scan")


@bp.route("/criteria/ntm/drafts/<int:draft_id>/impact")
@roles_required(*WORKERS)
def ntm_impact(draft_id: int):
    """The latest round the set applies to: each commune's NTM results under the version in force and the draft,
    those that change."""
    row = _ntm_draft(draft_id)
    rnd = latest_round(get_db(), row["set_id"])
    report = draft_impact(get_db(), rnd["id"], ntm_drafts.draft_set(row)) if rnd else None
    return render_template("workbench/ntm_impact.html", draft=row, round=rnd, report=report,
                           current=ntm_drafts.current(get_db(), row["set_id"]),
                           back=url_for("workbench.show_ntm_draft", draft_id=draft_id))


@bp.route("/criteria/ntm/drafts/<int:draft_id>/values.xlsx", methods=["GET", "POST"])
@roles_required(*WORKERS)
def ntm_values_xlsx(draft_id: int):
    """The NTM draft as a sheet, one row per value; a filled-in sheet back: every row or none, each bad cell named."""
    row = _ntm_draft(draft_id)
    return _sheet(row, ntm_sheet, ntm_drafts.draft_set(row), _ntm_draft_page, "workbench.show_ntm_draft")


def _step(step: Callable[[sqlite_utils.Database, int, str], Any], draft_id: int, done: str, back: str):
    """One step of publishing a draft (prepare, confirm) by the current user: done, or refused with the reason;
    back to the draft's page either way."""
    try:
        step(get_db(), draft_id, current_user().username)
        flash(done, "ok")
    except StorageError as exc:
        flash(refusal(exc), "error")
    return redirect(url_for(back, draft_id=draft_id))


@bp.route("/criteria/ntm/drafts/<int:draft_id>/prepare", methods=["POST"])
@roles_required(*WORKERS)
def prepare_ntm(draft_id: int):
    _ntm_draft(draft_id)
    return _step(ntm_drafts.prepare, draft_id, _("Đã trình: cần một cán bộ pháp chế hoặc quản trị khác xác nhận để "
                                                 "ban hành."), "workbench.show_ntm_draft")


@bp.route("/criteria/ntm/drafts/<int:draft_id>/confirm", methods=["POST"])
@roles_required(*WORKERS)
def confirm_ntm(draft_id: int):
    row = _ntm_draft(draft_id)
    return _step(ntm_drafts.confirm, draft_id, _("Đã ban hành phiên bản %(version)s: các trang và văn bản nông thôn "
                                                 "mới dùng phiên bản này.", version=row["version"]),
                 "workbench.show_ntm_draft")


@bp.route("/criteria/drafts/<int:draft_id>")
@roles_required(*WORKERS)
def show_draft(draft_id: int):
    """The draft: its values with the edit link of each part, its state and the steps to publish it."""
    return _draft_page(_draft(draft_id))


def _draft_page(row: dict[str, Any], rejected: ImportRejected | None = None):
    cset = criteria_drafts.draft_set(row)
    shown, filtered = _shown(criteria_values.parts(cset))
    links = [(url_for("workbench.changes", draft_id=row["id"]), _("Xem thay đổi so với phiên bản gốc"), "to-changes"),
             (url_for("workbench.impact", draft_id=row["id"]), _("Tác động đến đợt đánh giá gần nhất"), "to-impact"),
             (url_for("workbench.export_draft", draft_id=row["id"]), _("Tải về tệp YAML"), None),
             (url_for("workbench.values_xlsx", draft_id=row["id"]), _("Tải về bảng tính (Excel)"), None),
             (url_for("workbench.index"), _("Các bộ tiêu chí"), None)]
    steps = {"prepare": url_for("workbench.prepare", draft_id=row["id"]),
             "confirm": url_for("workbench.confirm", draft_id=row["id"]),
             "published": _("Đã ban hành: %(a)s trình, %(b)s xác nhận lúc %(at)s. Các đợt đánh giá tạo từ nay dùng "
                            "phiên bản này; đợt đã tạo giữ phiên bản của mình.", a=person(row["prepared_by"]),
                            b=person(row["confirmed_by"]), at=vntime(row["confirmed_at"])),
             "sheet": url_for("workbench.values_xlsx", draft_id=row["id"]), "edit": "workbench.edit_part"}
    return _draft_view(row, cset, criteria_for(get_db(), row["base_hash"]), shown, filtered,
                       criteria_drafts.problems(row), links, steps, rejected)


def _draft_view(row: dict[str, Any], draft_set: CriteriaSet | NtmSet, base: CriteriaSet | None,
                parts: list[criteria_values.Part], filtered: bool, problems: list[criteria_values.Said],
                links: list[tuple[str, str, str | None]], steps: dict[str, str], rejected: ImportRejected | None):
    """A draft's page, of a criteria or an NTM set: what it is, its links, what the loader says, the steps to
    publish it, the sheet while it is being written, and its values with the edit link of each part."""
    return render_template("workbench/draft.html", draft=row, draft_set=draft_set, base=base, parts=parts,
                           filtered=filtered, problems=problems, links=links, steps=steps,
                           states=criteria_drafts.STATES, user=current_user(),
                           rejected=rejected), 422 if rejected else 200


@bp.route("/criteria/drafts/<int:draft_id>/part", methods=["GET", "POST"])
@roles_required(*WORKERS)
def edit_part(draft_id: int):
    """One part's form: its values, the citation and an optional scan; refused at the field, the typed values kept."""
    row = _draft(draft_id)
    cset = criteria_drafts.draft_set(row)
    key = request.values.get("part", "")
    part = criteria_values.find(cset, key)
    if part is None:
        abort(404)
    if request.method == "GET":
        return _part_page(row, cset, part, criteria_values.form_values(plain_data(cset), part), None)
    form, citation, scan = _edit_request()
    try:
        criteria_drafts.edit_part(get_db(), draft_id, key, form, citation, current_user().username,
                                  scan=scan, store=Path(current_app.config["ATTACHMENTS"]))
    except DraftRefused as exc:
        return _part_page(row, cset, part, form, exc), 422
    flash(_("Đã lưu và đánh dấu đã xác minh: %(part)s.", part=_said(part.title)), "ok")
    return redirect(url_for("workbench.show_draft", draft_id=draft_id, _anchor=f"part-{part.key}"))


def _part_page(row: dict[str, Any], cset: CriteriaSet, part: criteria_values.Part, form: dict[str, str],
               refused: DraftRefused | None):
    rows = criteria_values.band_rows(plain_data(cset), part)
    history = [e for e in criteria_drafts.edits(get_db(), row["id"]) if e["part"] == part.key]
    return render_template("workbench/part.html", draft=row, cset=cset, part=part, form=form, refused=refused,
                           fields=criteria_values.fields(part),
                           band_rows=range(rows), bound_names=criteria_values.BOUND_NAMES,
                           lower=criteria_values.LOWER, upper=criteria_values.UPPER,
                           missing_names=criteria_values.MISSING_NAMES, zero_names=criteria_values.ZERO_NAMES,
                           history=history)


@bp.route("/criteria/edits/<int:edit_id>/scan")
@roles_required(*WORKERS)
def scan(edit_id: int):
    """The scan or photo of the official page attached to one edit."""
    return _scan(edit_id, criteria_drafts.CRITERIA)


def _scan(edit_id: int, tables: criteria_drafts.Tables):
    try:
        row = criteria_drafts.scan_of(get_db(), edit_id, tables)
    except NotFound:
        abort(404)
    path = Path(current_app.config["ATTACHMENTS"]) / criteria_drafts.SCAN_DIR / row["scan_stored"]
    return send_file(path, mimetype=row["scan_type"], as_attachment=True, download_name=row["scan_name"])


@bp.route("/criteria/drafts/<int:draft_id>/changes")
@roles_required(*WORKERS)
def changes(draft_id: int):
    """What the draft changes of the set it was made from, value by value, with the citations."""
    row = _draft(draft_id)
    db = get_db()
    cset, base = criteria_drafts.draft_set(row), criteria_for(db, row["base_hash"])
    cited: dict[str, dict[str, Any]] = {e["part"]: e for e in criteria_drafts.edits(db, draft_id)}
    return render_template("workbench/changes.html", draft=row, cset=cset, base=base, cited=cited,
                           changes=criteria_values.differences(criteria_values.parts(base), criteria_values.parts(cset)),
                           back=url_for("workbench.show_draft", draft_id=draft_id), scan="workbench.scan")


def _latest_round(set_id: str) -> dict[str, Any] | None:
    return next(get_db().query("select * from rounds where criteria_id = ? order by id desc limit 1", [set_id]), None)


@bp.route("/criteria/drafts/<int:draft_id>/impact")
@roles_required(*WORKERS)
def impact(draft_id: int):
    """The latest round of the set re-scored under the draft: who would gain or lose recognition, whose total moves."""
    row = _draft(draft_id)
    rnd = _latest_round(row["set_id"])
    report = round_impact(get_db(), rnd["id"], criteria_drafts.draft_set(row)) if rnd else None
    moved = [u for u in report.units if u.changed or (u.total_delta or 0) != 0] if report else []
    return render_template("workbench/impact.html", draft=row, round=rnd, report=report, moved=moved,
                           back=url_for("workbench.show_draft", draft_id=draft_id))


@bp.route("/criteria/drafts/<int:draft_id>/prepare", methods=["POST"])
@roles_required(*WORKERS)
def prepare(draft_id: int):
    _draft(draft_id)
    return _step(criteria_drafts.prepare, draft_id, _("Đã trình: cần một cán bộ pháp chế hoặc quản trị khác xác nhận "
                                                      "để ban hành."), "workbench.show_draft")


@bp.route("/criteria/drafts/<int:draft_id>/confirm", methods=["POST"])
@roles_required(*WORKERS)
def confirm(draft_id: int):
    row = _draft(draft_id)
    return _step(criteria_drafts.confirm, draft_id, _("Đã ban hành phiên bản %(version)s: các đợt đánh giá tạo từ nay "
                                                      "dùng phiên bản này.", version=row["version"]), "workbench.show_draft")


@bp.route("/criteria/drafts/<int:draft_id>/export.yaml")
@roles_required(*WORKERS)
def export_draft(draft_id: int):
    return _yaml(criteria_drafts.draft_set(_draft(draft_id)))


@bp.route("/criteria/upload", methods=["POST"])
@roles_required(*WORKERS)
def upload_yaml():
    """A YAML file (an export, with the official values filled in) as a new draft of its set."""
    upload = request.files.get("file")
    data = upload.read(MAX_YAML + 1) if upload is not None and upload.filename else b""
    try:
        if not data or len(data) > MAX_YAML:
            raise DraftRefused("no file or too large", N_("Hãy chọn một tệp YAML (tối đa 1 MB)."))
        draft_id = criteria_drafts.from_yaml(get_db(), data.decode("utf-8", errors="replace"), current_user().username)
    except DraftRefused as exc:
        db = get_db()
        return render_template("workbench/index.html", sets=criteria_drafts.installed(db), drafts=criteria_drafts.drafts(db),
                               states=criteria_drafts.STATES, ntm_sets=_ntm_sets(), refused=exc), 422
    flash(_("Đã tạo bản dự thảo từ tệp."), "ok")
    return redirect(url_for("workbench.show_draft", draft_id=draft_id))


@bp.route("/criteria/drafts/<int:draft_id>/values.xlsx", methods=["GET", "POST"])
@roles_required(*WORKERS)
def values_xlsx(draft_id: int):
    """The draft as a sheet, one row per value; a filled-in sheet back: every row or none, each bad cell named."""
    row = _draft(draft_id)
    return _sheet(row, criteria_sheet, criteria_drafts.draft_set(row), _draft_page, "workbench.show_draft")


def _sheet(row: dict[str, Any], sheet: ModuleType, drafted: CriteriaSet | NtmSet, page: Callable[..., Any], back: str):
    """The draft ``row`` (of ``drafted``) as ``sheet`` writes it (GET); a filled-in sheet taken in by ``sheet``
    (POST): the draft's ``page`` with every bad cell named, or back to the draft with what was taken."""
    if request.method == "GET":
        return send_file(io.BytesIO(sheet.to_xlsx(drafted)), mimetype=XLSX, as_attachment=True,
                         download_name=f"{row['set_id']}-{row['version']}.xlsx")
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise DraftRefused("no file", N_("Chưa chọn tệp."))
        count = sheet.import_xlsx(get_db(), row["id"], upload.read(), upload.filename, current_user().username)
    except ImportRejected as exc:
        return page(row, rejected=exc)
    except StorageError as exc:
        flash(refusal(exc), "error")
        return redirect(url_for(back, draft_id=row["id"]))
    flash(_("Đã nhập %(n)s giá trị từ tệp.", n=count), "ok")
    return redirect(url_for(back, draft_id=row["id"]))


@bp.route("/rounds/<int:round_id>/criteria", methods=["GET", "POST"])
@roles_required("admin")
def repin(round_id: int):
    """The administrator pins a round that has not started to another version of its set, with a reason."""
    db = get_db()
    try:
        rnd = get_round(db, round_id)
    except NotFound:
        abort(404)
    versions = [s for s in criteria_drafts.installed(db) if s["cset"].id == rnd["criteria_id"]]
    refused = None
    if request.method == "POST":
        wanted = next((s for s in versions if s["cset"].version == request.form.get("version")), None)
        if wanted is None:
            abort(404)
        try:
            criteria_drafts.repin(db, round_id, wanted["cset"], request.form.get("reason", ""), current_user().username)
            flash(_("Đã đổi phiên bản bộ tiêu chí của đợt đánh giá."), "ok")
            return redirect(url_for("workbench.repin", round_id=round_id))
        except StorageError as exc:
            refused = exc
    return render_template("workbench/repin.html", round=rnd, versions=versions, refused=refused,
                           started=criteria_drafts.started(db, round_id), form=request.form), 422 if refused else 200
