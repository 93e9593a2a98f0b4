"""What a jurisdiction covers when reading lists: its unit, every unit under it, and the units
those were formed from (``unit_lineage``), so that the province since July 2025 reads the rounds
on the 161 units before the reform as its own history. Acting stays within the unit tree
(``accounts.may_act``); this only widens what lists and reports read.
"""
from __future__ import annotations

MAX_DEPTH = 8  # province → district → commune, then back through the reform: far more than real data needs

# ``covered(id)``: the units read for the scope bound to the first ``?``.
COVERED = f"""
    with recursive edges(up, down) as (
        select parent_id, id from units where parent_id is not null
        union all
        select to_id, from_id from unit_lineage
    ),
    covered(id, depth) as (
        select ?, 0
        union
        select e.down, covered.depth + 1 from edges e join covered on e.up = covered.id
        where covered.depth < {MAX_DEPTH}
    )
"""


def covered_sql(columns_from_where: str, scoped: bool) -> str:
    """``COVERED`` followed by ``select …``; with ``scoped`` the caller's ``where`` is narrowed to
    assessments of covered units (``a`` is the assessments table)."""
    return COVERED + columns_from_where.format(scoped="and a.unit_id in (select id from covered)" if scoped else "")
