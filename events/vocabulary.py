"""The keys of SPEC section 1: topics and grades, in their order, with their words; and URNs."""
import re

from events.errors import InvalidInput

TOPICS: dict[str, str] = {
    "FD": "front door",
    "CIN/CPP": "children in need or subject to a child protection plan",
    "VCEFR": "vulnerable children at extra-familial risk",
    "CIC": "children in care",
    "PAP": "planning and achieving permanence",
    "CL": "care leavers",
    "PDMOC": "placement decision-making for older children",
    "C-19": "the 2020-21 Covid visits",
}

OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, INADEQUATE = "Outstanding", "Good", "Requires improvement", "Inadequate"
NOT_INSPECTED, NO_OVERALL_GRADE = "Not inspected", "No overall grade"
GRADES: tuple[str, ...] = (OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, INADEQUATE, NOT_INSPECTED, NO_OVERALL_GRADE)
# the grades a judgement report can give (the other two are states, not grades)
OVERALL_GRADES: tuple[str, ...] = (OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, INADEQUATE)
# table 10.4 (c) compares these four only, as the seed page does
SHARE_GRADES: tuple[str, ...] = (OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, NOT_INSPECTED)

FRAMEWORKS: tuple[str, ...] = ("SIF", "ILACS", "ILACS-2026", "other")

ALERT_KINDS: tuple[str, ...] = ("new-report", "priority-action", "pdmoc", "grade-changed")


def parse_urn(value: str) -> str:
    """An Ofsted URN: 5 to 8 ASCII digits."""
    if not re.fullmatch(r"[0-9]{5,8}", value.strip()):  # not \d: that takes any script's digits
        raise InvalidInput(f"URN {value!r} is not an Ofsted URN (5 to 8 digits)")
    return value.strip()
