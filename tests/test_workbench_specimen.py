"""The specimen mark follows the round's pinned criteria set: once a fully verified version is published in the
workbench, a new round's documents rest on it and lose «BẢN MẪU»; an older round keeps its own set and its mark.

Both shipped hierarchy profiles still have an unconfirmed authority (``webapp/store/profiles.py``), which keeps
decisions and certificates specimens for that other reason: the certificate is checked for the criteria's part
of its flags, and against a profile whose authority is confirmed; the evaluation report, which rests on the
criteria alone, is rendered and read back."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_certificates import DUC_LONG, KIM_DONG, THACH_AN, certificate_of, pdf_text, recognise, verified_qd06

import criteria
from certificates import contexts, pool, records, render
from criteria.export import dump_yaml
from webapp.store import criteria_drafts, units, workflow
from webapp.store.profiles import profiles
from webapp.store.rounds import create_round

from webhelpers import needs_tools, opened

pytestmark = needs_tools("pdftotext")


@pytest.fixture(scope="module", autouse=True)
def _stop_workers():
    yield
    pool.shutdown_pools()


def _publish_verified(db: Any) -> criteria.CriteriaSet:
    """What the legal officers do once every value is checked: a fully verified version, prepared and confirmed."""
    text = dump_yaml(verified_qd06()).replace("version: 2019.1-test", "version: '2019.2'")
    draft_id = criteria_drafts.from_yaml(db, text, "phapche.tinh", "qd06-2019")
    criteria_drafts.prepare(db, draft_id, "phapche.tinh")
    criteria_drafts.confirm(db, draft_id, "phapche2.tinh")
    return criteria_drafts.default_set(db, "qd06-2019")


def test_a_round_on_the_published_verified_set_issues_no_specimen_and_the_old_round_still_does(
        tmp_path: Path, perfect_inputs: dict[str, Any]) -> None:
    with opened(tmp_path / "cfc.db") as db:
        units.load_cao_bang(db)
        old = create_round(db, name="Đánh giá năm 2024", year=2024, cset=criteria_drafts.default_set(db, "qd06-2019"),
                           unit_set=units.CAO_BANG_2022, actor="admin")
        published = _publish_verified(db)
        assert (published.version, published.has_provisional_values) == ("2019.2", False)
        new = create_round(db, name="Đánh giá năm 2025", year=2025, cset=criteria_drafts.default_set(db, "qd06-2019"),
                           unit_set=units.CAO_BANG_2022, actor="admin")
        old_unit = recognise(db, old, DUC_LONG, perfect_inputs)
        new_unit = recognise(db, new, KIM_DONG, perfect_inputs)
        old_report = render.render_pdf("report", contexts.report_context(db, workflow.load(db, old_unit)))
        new_report = render.render_pdf("report", contexts.report_context(db, workflow.load(db, new_unit)))
        assert "BẢN MẪU" in pdf_text(old_report)
        assert "BẢN MẪU" not in pdf_text(new_report)
        decisions = {r: records.issue(db, r, THACH_AN, number=f"{r}25", signed_on="2025-12-16", valid_until="2028-12-31",
                                      signer_title="Chủ tịch", signer_name="Nông Văn Hùng", actor="authority")
                     for r in (old, new)}
        old_flags = certificate_of(db, decisions[old], DUC_LONG)["doc"]
        new_flags = certificate_of(db, decisions[new], KIM_DONG)["doc"]
        assert (old_flags["provisional"], new_flags["provisional"]) == (True, False)
        assert new_flags["specimen"] == new_flags["unconfirmed"] == (not profiles()["three-tier"].confirmed)
        profile = profiles()["three-tier"]
        confirmed = profile.model_copy(update={
            "reviewing_body": profile.reviewing_body.model_copy(update={"verified": True}),
            "recognising_authority": profile.recognising_authority.model_copy(update={"legal_basis": [
                b.model_copy(update={"verified": True}) for b in profile.recognising_authority.legal_basis]})})
        pinned_new = criteria.load_text(dump_yaml(published))
        assert contexts.doc_flags(pinned_new, None, confirmed)["specimen"] is False
        assert contexts.doc_flags(criteria.get("qd06-2019"), None, confirmed)["specimen"] is True
