"""The engine's commands of ``cfc``: ``cfc score`` and ``cfc criteria`` (plain click commands;
:mod:`webapp.cli.main` registers them on the root group).

Exit codes: 0 success; 1 some input values are invalid (each is reported); 2 wrong usage;
3 the criteria set is invalid or unknown; 4 an input file cannot be read.
"""
from __future__ import annotations

import csv
import io
import json
import os
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import click
import yaml

import criteria
from criteria import CriteriaError, CriteriaSet

from . import limits, literals
from .cells import csv_cell
from .engine import scorer_for
from .errors import InvalidInputs, UnknownCategory
from .result import ScoreResult, band_label, unit_symbol
from .whatif import gap_analysis

EXIT_INVALID_INPUT = 1
EXIT_USAGE = 2
EXIT_CRITERIA = 3
EXIT_INPUT_FILE = 4
BATCH_FIELDS = ("code", "name", "category")
ZERO_DENOMINATOR_WORDS = {"full_points": "được điểm tối đa", "zero_points": "được 0 điểm",
                          "reject": "không chấm, phải nhập lại"}
"""What a rate with nothing to count (0 ÷ 0) gives, in the words of ``cfc criteria show``."""


def vietnamese() -> bool:
    """Whether the command line speaks Vietnamese only: ``CFC_LANG=vi``, else a Vietnamese locale
    (``LC_ALL``, ``LC_MESSAGES``, ``LANG``); otherwise its errors say both languages, the detail in English."""
    for name in ("CFC_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name):
            return os.environ[name].lower().startswith("vi")
    return False


def fail(message: str, code: int, vi: str | None = None) -> NoReturn:
    """Print one clear line on stderr and exit with a documented code: ``vi`` in Vietnamese mode, when given."""
    click.echo(f"Lỗi: {vi}" if vi and vietnamese() else f"Lỗi / Error: {message}", err=True)
    sys.exit(code)


def say(english: str, vi: str, err: bool = False) -> None:
    """Print one line of a command's result (``err``: a problem, on stderr): ``vi`` in Vietnamese mode,
    ``english`` otherwise."""
    click.echo(vi if vietnamese() else english, err=err)


def unreadable(path: Path | str, exc: Exception) -> str:
    """Why a file cannot be read, in Vietnamese."""
    why = ("không có tệp này" if isinstance(exc, FileNotFoundError) else
           "không có quyền đọc tệp" if isinstance(exc, PermissionError) else
           "đây là một thư mục, không phải tệp" if isinstance(exc, IsADirectoryError) else
           "tệp không phải văn bản UTF-8" if isinstance(exc, UnicodeDecodeError) else
           getattr(exc, "vi", None) or "lỗi khi đọc tệp")
    return f"không đọc được tệp {path}: {why}"


@click.group("criteria")
def criteria_group() -> None:
    """Check and show criteria sets (the standard as versioned YAML)."""


@criteria_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def criteria_check(files: tuple[str, ...]) -> None:
    """Validate criteria YAML FILES; print every problem with file, line and key path.

    Example: cfc criteria check criteria/qd06-2019.yaml
    """
    failed = False
    for name in files:
        try:
            cset = criteria.load_file(name)
        except criteria.CriteriaSyntaxError as exc:
            click.echo(str(exc), err=True)
            failed = True
            continue
        except criteria.CriteriaInvalid as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            failed = True
            continue
        provisional = cset.provisional_parts()
        status = f"{len(provisional)} provisional (chưa xác minh)" if provisional else "all verified"
        trang_thai = f"{len(provisional)} phần còn giá trị tạm, chưa xác minh" if provisional \
            else "mọi giá trị đã xác minh"
        digest = criteria.content_hash(cset)
        say(f"OK {name}: {cset.id} {cset.version}, {len(cset.criteria)} criteria, "
            f"{cset.total_points} points, {status}, {digest}",
            f"Hợp lệ: {name}: {cset.title.vi}, phiên bản {cset.version}, {len(cset.criteria)} tiêu chí, "
            f"{cset.total_points} điểm, {trang_thai} (Mã kiểm tra nội dung bộ tiêu chí: {digest})")
    if failed:
        sys.exit(EXIT_CRITERIA)


@criteria_group.command("list")
def criteria_list() -> None:
    """List the criteria sets shipped with the program.

    Example: cfc criteria list
    """
    for cset in _shipped():
        flag = "provisional" if cset.has_provisional_values else "verified"
        trang_thai = "còn giá trị tạm, chưa xác minh" if cset.has_provisional_values else "đã xác minh"
        say(f"{cset.id}\t{cset.version}\t{cset.valid_from}\t{flag}\t{cset.title.vi}",
            f"{cset.title.vi}\tphiên bản {cset.version}\táp dụng từ {cset.valid_from:%d/%m/%Y}\t{trang_thai}"
            f"\t--set {cset.id}")


@criteria_group.command("show")
@click.argument("set_id")
@click.option("--version", "version", help="Version of the set (default: the latest).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def criteria_show(set_id: str, version: str | None, lang: str) -> None:
    """Print a readable table of criteria, items, bands, maxima and verified status.

    Example: cfc criteria show qd06-2019 --lang en
    """
    cset = _get_set(set_id, version, None)
    vi = lang == "vi"
    click.echo(f"{cset.title.vi}, phiên bản {cset.version}" if vi else f"{cset.id} {cset.version} — {cset.title.en}")
    for ref in cset.legal_basis:
        click.echo(f"  {ref.document} ({ref.date:%d/%m/%Y}) {ref.article or ''}")
    click.echo(f"  {cset.total_points} {'điểm' if vi else 'points'}; "
               + "; ".join(f"{c.name.of(lang)} ({c.id}): {c.threshold}" for c in cset.categories))
    if cset.has_provisional_values:
        click.echo("  ⚠ " + _provisional_notice(lang))
    for crit in cset.criteria:
        click.echo(f"\n{crit.number:>2}. {crit.name_vi if lang == 'vi' else crit.name_en} "
                   f"[{crit.max_points}]")
        for item in crit.items:
            mark = "✔" if item.verified else "TẠM" if lang == "vi" else "PROV"
            text = item.text.of(lang)
            click.echo(f"    {item.id:<5} {item.max_points:>4}  {mark:<4} {text}" + ("" if vi else f"  ({item.rule.kind})"))
            for line in _rule_lines(item, lang):
                click.echo(f"                     {line}")


def _rule_lines(item: Any, lang: str) -> Iterator[str]:
    rule = item.rule
    for band in getattr(rule, "bands", []):
        flag = "" if (band.verified if band.verified is not None else item.verified) else " *"
        yield f"{band_label(band, unit_symbol(item), lang)} → {band.points}{flag}"
    policy = getattr(rule, "zero_denominator", None) or getattr(rule, "zero_population", None)
    if policy is not None:
        said = ZERO_DENOMINATOR_WORDS[policy.policy] if lang == "vi" else policy.policy
        yield f"0 ÷ 0: {said}{'' if policy.verified else ' *'}"
    if rule.kind == "yes_no":
        yield f"{'Có' if lang == 'vi' else 'Yes'} → {rule.points}"
    for element in getattr(rule, "elements", []):
        yield f"{element.text.of(lang)} → {element.points}"


@click.command("score")
@click.argument("input_file", type=click.Path(dir_okay=False))
@click.option("--set", "set_id", default="qd06-2019", show_default=True, help="Shipped criteria set id.")
@click.option("--version", "version", help="Version of the criteria set (default: the latest).")
@click.option("--criteria-file", type=click.Path(dir_okay=False), help="Score with this YAML file instead.")
@click.option("--category", help="Category of the unit (single input; batch rows have a category column).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a readable breakdown / CSV.")
@click.option("--partial", is_flag=True, help="Accept missing values (a draft): they score 0.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (default: stdout).")
def score_command(input_file: str, set_id: str, version: str | None, criteria_file: str | None,
                  category: str | None, as_json: bool, partial: bool, lang: str, output: str | None) -> None:
    """Score INPUT_FILE: one unit (YAML or JSON) or a batch (CSV, one unit per row).

    A single unit is a mapping of input names to values, optionally under "inputs:" with
    a "category:" beside it. A batch CSV has columns code, name, category and one column
    per input; it prints a CSV (or JSON with --json) with one scored row per unit.

    Examples:

      cfc score commune.yaml --category mountain-island

      cfc score communes.csv -o scores.csv
    """
    cset = _get_set(set_id, version, criteria_file)
    path = Path(input_file)
    if path.suffix.lower() == ".csv":
        text, any_bad = _score_batch(cset, _read_csv(path), category, as_json, partial, lang)
        _emit(text, output)
        if any_bad:
            sys.exit(EXIT_INVALID_INPUT)
        return
    data = _read_mapping(path)
    inputs, declared_category = declaration(data)
    category = category or declared_category
    known = ", ".join(c.id for c in cset.categories)
    choices = "; ".join(f"{c.id} ({c.name.vi})" for c in cset.categories)
    if not category:
        fail(f"no category: give --category ({known})", EXIT_USAGE,
             vi=f"chưa có loại đơn vị: thêm --category, một trong: {choices}")
    if not isinstance(category, str):
        fail(f"{input_file}: category: must be one name, one of {known} (got {type(category).__name__})",
             EXIT_INVALID_INPUT, vi=f"{input_file}: loại đơn vị phải là một tên, một trong: {choices}")
    try:
        result = scorer_for(cset).score(inputs, category, partial=partial)
    except UnknownCategory as exc:
        fail(str(exc), EXIT_USAGE, vi=f"loại đơn vị «{category}» không có trong bộ tiêu chí; chọn một trong: {choices}")
    except InvalidInputs as exc:
        for p in exc.problems:
            spec = cset.inputs.get(p.field)
            if vietnamese() and spec is not None:  # the label, as the checklist names the value
                click.echo(f"{input_file}: «{spec.label.vi}»: {p.message('vi')}", err=True)
            else:
                click.echo(f"{input_file}: {p.field}: {p.message(lang)} ({p.code})", err=True)
        sys.exit(EXIT_INVALID_INPUT)
    if as_json:
        payload = result.to_dict(lang)
        payload["gap_analysis"] = gap_analysis(result).to_dict(lang)
        _emit(json.dumps(payload, ensure_ascii=False, indent=2), output)
    else:
        _emit(render_breakdown(result, lang), output)


def declaration(data: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """The inputs and the category of one unit's file: ``inputs:`` beside ``category:``, or a flat mapping of
    input names, optionally with ``category:`` among them (README, «A single unit»)."""
    if isinstance(data.get("inputs"), dict):
        return data["inputs"], data.get("category")
    return {k: v for k, v in data.items() if k != "category"}, data.get("category")


def _score_batch(cset: CriteriaSet, rows: list[dict[str, str]], category: str | None,
                 as_json: bool, partial: bool, lang: str) -> tuple[str, bool]:
    """Score every row; bad rows are reported on stderr and marked in the output."""
    scorer = scorer_for(cset)
    records = []
    any_bad = False
    for number, row in enumerate(rows, start=2):
        inputs = {k: v for k, v in row.items() if k not in BATCH_FIELDS}
        unit_category = row.get("category") or category or ""
        record: dict[str, Any] = {"row": number, "code": row.get("code", ""), "name": row.get("name", ""),
                                  "category": unit_category}
        try:
            result = scorer.score(inputs, unit_category, partial=partial)
        except UnknownCategory as exc:
            record["errors"] = [{"field": "category", "code": "unknown_category", "message": str(exc)}]
        except InvalidInputs as exc:
            record["errors"] = [p.to_dict(lang) for p in exc.problems]
        else:
            record.update(result.summary())
            record["errors"] = []
        any_bad = any_bad or bool(record["errors"])
        records.append(record)
    for record in records:
        if record["errors"]:
            for e in record["errors"]:
                spec = cset.inputs.get(e["field"])
                said = (f"loại đơn vị «{record['category']}» không có trong bộ tiêu chí" if e["field"] == "category"
                        else (f"«{spec.label.vi}»: " if spec else "") + e["message"])
                say(f"row {record['row']} ({record['code']}): {e['field']}: {e['message']}",
                    f"dòng {record['row']} (mã {record['code']}): {said}", err=True)
    if as_json:
        return json.dumps(records, ensure_ascii=False, indent=2), any_bad
    out = io.StringIO()
    numbers = [str(c.number) for c in cset.criteria]
    fields = ["code", "name", "category", "total", "recognised", "failed_conditions",
              *[f"c{n}" for n in numbers], "provisional", "criteria_hash", "errors"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = {k: record.get(k, "") for k in fields if k != "errors"}
        row.update({f"c{n}": record.get("criteria", {}).get(n, "") for n in numbers})
        row["failed_conditions"] = " ".join(record.get("failed_conditions", []))
        row["errors"] = "; ".join(f"{e['field']}: {e['message']}" for e in record["errors"])
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
    return out.getvalue(), any_bad


def _provisional_notice(lang: str) -> str:
    if lang == "vi":
        return ("Bộ tiêu chí có giá trị TẠM, chưa xác minh với văn bản chính thức: "
                "kết quả chỉ để thử nghiệm, không phải căn cứ công nhận.")
    return ("The criteria set contains PROVISIONAL values not verified against the official "
            "text: results are for testing, not a basis for recognition.")


def render_breakdown(result: ScoreResult, lang: str = "vi") -> str:
    """A readable, plain-text breakdown of one result with every point explained."""
    vi = lang == "vi"
    cset, lines = result.criteria_set, []
    lines.append(f"{'Bộ tiêu chí' if vi else 'Criteria set'}: {cset.title.of(lang)}, {'phiên bản' if vi else 'version'} "
                 f"{cset.version} ({'mã kiểm tra nội dung' if vi else 'content hash'} {result.criteria_hash[:19]}…)")
    if result.provisional:
        lines.append("⚠ " + _provisional_notice(lang))
    name = result.category.name.of(lang)
    lines.append(f"{'Loại đơn vị' if vi else 'Category'}: {name} — {'ngưỡng' if vi else 'threshold'} {result.category.threshold}")
    for crit in result.criteria.values():
        lines.append(f"\n{crit.number:>2}. {crit.name_vi if vi else crit.name_en}: {crit.points}/{crit.max_points}")
        for item in crit.items:
            mark = "" if item.verified else " *"
            lines.append(f"    {item.item.id:<5} {item.points:>4}/{item.item.max_points:<4} "
                         f"{item.explanation(result.inputs, lang)}{mark}")
    lines.append(f"\n{'Tổng điểm' if vi else 'Total'}: {result.total}/{cset.total_points}")
    lines.append(f"{'Điều kiện công nhận' if vi else 'Recognition conditions'}:")
    for cond in result.conditions:
        lines.append(f"  {'✔' if cond.passed else '✘'} {cond.text_vi if vi else cond.text_en}: {cond.actual}")
    if not result.complete:
        lines.append("  ✘ " + ("Còn thiếu số liệu bắt buộc" if vi else "Required values are missing"))
    verdict = ("ĐẠT — đủ điều kiện công nhận" if result.recognised else "KHÔNG ĐẠT") if vi \
        else ("RECOGNISED" if result.recognised else "NOT RECOGNISED")
    lines.append(f"{'Kết luận' if vi else 'Verdict'}: {verdict}")
    if not result.recognised:
        gap = gap_analysis(result)
        lines.append(f"\n{'Gợi ý cải thiện' if vi else 'What would change the verdict'}"
                     f" ({'cần thêm' if vi else 'points needed'}: {gap.points_needed}):")
        lines += [f"  - {s.message(lang)}" for s in gap.suggestions]
    return "\n".join(lines) + "\n"


def _get_set(set_id: str, version: str | None, criteria_file: str | None) -> CriteriaSet:
    try:
        return criteria.load_file(criteria_file) if criteria_file else criteria.get(set_id, version)
    except CriteriaError as exc:
        fail(str(exc).splitlines()[0] if isinstance(exc, criteria.CriteriaInvalid) and len(exc.problems) == 1
             else str(exc).replace("\n", "; "), EXIT_CRITERIA,
             vi=f"không có bộ tiêu chí «{set_id}»" + (f" phiên bản {version}" if version else "") +
             "; xem danh sách bằng «cfc criteria list»" if isinstance(exc, criteria.CriteriaNotFound) else None)


def _shipped() -> tuple[CriteriaSet, ...]:
    try:
        return criteria.shipped()
    except CriteriaError as exc:
        fail(str(exc).replace("\n", "; "), EXIT_CRITERIA)


def _read_text(path: Path) -> str:
    try:
        limits.check_size(path.stat().st_size)
        return unicodedata.normalize("NFC", path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}", EXIT_INPUT_FILE, vi=unreadable(path, exc))
    except limits.UnreadableFile as exc:
        fail(f"cannot read {path}: {exc}", EXIT_INPUT_FILE, vi=unreadable(path, exc))


def _read_mapping(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    try:
        data = literals.load_json(text) if kind == "JSON" else literals.load_yaml(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        fail(f"{path} is not valid {kind}: {str(exc).splitlines()[0]}", EXIT_INPUT_FILE,
             vi=f"tệp {path} không đúng định dạng {kind}: {str(exc).splitlines()[0]}")
    except RecursionError:
        fail(f"{path} is not valid {kind}: nested too deeply", EXIT_INPUT_FILE,
             vi=f"tệp {path} không đúng định dạng {kind}: lồng nhau quá sâu")
    if not isinstance(data, dict):
        fail(f"{path} must contain a mapping of input names to values", EXIT_INPUT_FILE,
             vi=f"tệp {path} phải là một bảng tên chỉ số và giá trị")
    return data


def _read_csv(path: Path) -> list[dict[str, str | None]]:
    """The rows of a batch CSV as mappings of its header (a short row's missing cells are None)."""
    try:
        rows = limits.csv_rows(_read_text(path))
    except limits.UnreadableFile as exc:
        fail(f"{path} is not valid CSV: {exc}", EXIT_INPUT_FILE)
    if not rows or not rows[0]:
        fail(f"{path} is empty: expected a header row", EXIT_INPUT_FILE)
    header, *body = rows
    return [dict.fromkeys(header) | dict(zip(header, row)) for row in body if row]


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
