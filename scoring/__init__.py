"""The scoring engine: criteria set + a unit's declared values → explained points and verdict.

Knows nothing of the web: ``score(inputs, criteria.get("qd06-2019"), "mountain-island")``.
"""
from .engine import Scorer, score, scorer_for
from .errors import InvalidInputs, ScoringError, UnknownCategory
from .inputs import InputProblem, validate_inputs
from .recognition import ConditionResult
from .result import CriterionResult, ItemResult, ScoreResult
from .whatif import Suggestion, gap_analysis

__all__ = [
    "ConditionResult", "CriterionResult", "InputProblem", "InvalidInputs", "ItemResult", "ScoreResult",
    "Scorer", "ScoringError", "Suggestion", "UnknownCategory", "gap_analysis", "score", "scorer_for",
    "validate_inputs",
]
