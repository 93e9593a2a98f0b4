"""Hierarchy profiles: who reviews and who recognises in a round, and on what legal basis.

A round takes the profile of its unit set ("three-tier" before 1 July 2025, "two-tier" after).
The profiles are data (``data/profiles.yaml``): the reviewing body and its proposer («Theo đề
nghị của …»), the recognising tier and title, and the laws that give that authority its power
(«Căn cứ …»). After the reform no text found settles these, so each value carries ``verified``
and documents that print an unconfirmed one say so.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from criteria.errors import Problem
from criteria.loader import schema_problems
from criteria.yamlsource import read_yaml

from .errors import StorageError

PROFILES_FILE = Path(__file__).parent / "data" / "profiles.yaml"
TIERS = ("province", "district")
# The body a province reports to («Kính gửi», «Nơi nhận: … (để báo cáo)») by profile: the ministry in charge
# of children's affairs, Bộ Lao động – Thương binh và Xã hội until the 2025 reform and Bộ Y tế since the
# ministries were merged (March 2025). The project's reading, not a text that says so (docs/architecture.md).
HIGHER_BODY = {"three-tier": "Bộ Lao động – Thương binh và Xã hội", "two-tier": "Bộ Y tế"}


class ProfileInvalid(StorageError):
    """The profiles file breaks its schema (each problem names the file, line and key path)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(_Strict):
    vi: str
    en: str


class Basis(_Strict):
    """One law or decree the recognising authority acts on, as printed after «Căn cứ»."""

    text: str
    verified: bool
    source: str


class ReviewingBody(_Strict):
    """The body that reviews the communes' files and proposes the decision."""

    name: str
    proposer: str
    verified: bool
    source: str


class Authority(_Strict):
    tier: str
    title_vi: str
    title_en: str
    legal_basis: list[Basis]


class Profile(_Strict):
    """Who reviews and who recognises in a hierarchy (three-tier or two-tier)."""

    name: Names
    levels: list[str]
    review_tier: str
    reviewing_body: ReviewingBody
    recognising_authority: Authority
    id: str = ""

    @property
    def recognising_tier(self) -> str:
        return self.recognising_authority.tier

    @property
    def recognising_title_vi(self) -> str:
        return self.recognising_authority.title_vi

    def bases(self) -> list[tuple[str, bool]]:
        """«Căn cứ <law>» for each law giving the authority its power, with whether it is confirmed."""
        return [(f"Căn cứ {b.text}", b.verified) for b in self.recognising_authority.legal_basis]

    def proposal(self) -> tuple[str, bool]:
        """«Theo đề nghị của <proposer>», the decision's last ground, with whether it is confirmed."""
        return f"Theo đề nghị của {self.reviewing_body.proposer}", self.reviewing_body.verified

    def unconfirmed(self) -> list[str]:
        """What a decision of this profile would cite that no official text confirms yet."""
        return [text for text, verified in (*self.bases(), self.proposal()) if not verified]

    @property
    def confirmed(self) -> bool:
        """Whether every basis and the reviewing body are confirmed against the official text."""
        return not self.unconfirmed()


_FILE = TypeAdapter(dict[str, Profile])


def load(path: Path = PROFILES_FILE) -> dict[str, Profile]:
    """Read and validate a profiles file; a problem names the file, line and key path."""
    source = read_yaml(path)
    try:
        found = _FILE.validate_python(source.data)
    except ValidationError as exc:
        raise ProfileInvalid(schema_problems(source, exc, (), "profile")) from None
    problems = [source.problem((pid, key), f"unknown tier {tier!r} (expected: {', '.join(TIERS)})")
                for pid, profile in found.items()
                for key, tier in (("review_tier", profile.review_tier),
                                  ("recognising_authority", profile.recognising_tier)) if tier not in TIERS]
    if problems:
        raise ProfileInvalid(problems)
    return {pid: profile.model_copy(update={"id": pid}) for pid, profile in found.items()}


@lru_cache(maxsize=1)
def profiles() -> dict[str, Profile]:
    """The shipped profiles, read once."""
    return load()
