"""``cfc impact ROUND --criteria-file FILE.yaml | --set ID [--version V] [--json]``.

Re-scores every assessment of a round under another criteria set and prints who gains or
loses recognition, and why. Registered on ``cfc`` by importing this module from ``webapp.cli.main``.
"""
from __future__ import annotations

import json

import click

import criteria
from criteria import CriteriaError
from webapp.store.errors import NotFound
from webapp.store.impact import round_impact

from .common import EXIT_CRITERIA, EXIT_USAGE, db_option, fail, open_db, refused, say


@click.command("impact")
@click.argument("round_id", type=int)
@click.option("--criteria-file", "criteria_file", type=click.Path(dir_okay=False),
              help="A criteria YAML file to compare with the round's own set.")
@click.option("--set", "set_id", help="A shipped criteria set id to compare with, e.g. qd06-2019.")
@click.option("--version", "version", help="Version of the shipped set (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@db_option
def impact_command(round_id: int, criteria_file: str | None, set_id: str | None, version: str | None,
                   as_json: bool, db_path: str | None) -> None:
    """Show which units of ROUND would gain or lose recognition under another criteria set.

    Example: cfc impact 1 --criteria-file du-thao.yaml
    """
    if bool(criteria_file) == bool(set_id):
        fail("give exactly one of --criteria-file or --set", EXIT_USAGE,
             vi="cần đúng một trong hai tùy chọn --criteria-file hoặc --set")
    if version and not set_id:
        fail("--version goes with --set", EXIT_USAGE, vi="--version chỉ dùng cùng --set")
    try:
        other = criteria.load_file(criteria_file) if criteria_file else criteria.get(set_id, version)
    except CriteriaError as exc:
        refused(exc, EXIT_CRITERIA)
    db = open_db(db_path)
    try:
        report = round_impact(db, round_id, other)
    except NotFound as exc:
        refused(exc, EXIT_USAGE)
    finally:
        db.conn.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, sort_keys=True))
        return
    b, o, c = report.base_set, report.other_set, report.counts
    say(f"{b['id']} {b['version']} → {o['id']} {o['version']}: {c['units']} units",
        f"{b['title']}, phiên bản {b['version']} → {o['title']}, phiên bản {o['version']}: {c['units']} đơn vị")
    say(f"recognised: {c['recognised_base']} → {c['recognised_other']} (gained {c['gained']}, lost {c['lost']})",
        f"được công nhận: {c['recognised_base']} → {c['recognised_other']} "
        f"(thêm {c['gained']}, bớt {c['lost']})")
    for row in report.rows(only_changed=True):
        sign = "+" if row["change"] == "gained" else "-"
        totals = f"{row['base_total']} → {row['other_total']}"
        say(f"{sign} {row['unit_id']}  {row['name']}  {totals}: {'; '.join(row['reasons_en'])}",
            f"{sign} {row['name']}  {totals}: {'; '.join(row['reasons_vi'])}")
