"""Reading a document's text: a focused-visit letter, a judgement report, or something else."""

import re
from dataclasses import dataclass
from datetime import date

from events.errors import UnreadableDocument
from events.vocabulary import GOOD, INADEQUATE, OUTSTANDING, REQUIRES_IMPROVEMENT

# Bump when a reading of the same text can change, so stored readings can be redone.
PARSER_VERSION = "1"


@dataclass(frozen=True)
class VisitReading:
    """A focused-visit letter."""

    authority: str | None
    visit_start: date
    visit_end: date
    topic: str
    priority_action: bool


@dataclass(frozen=True)
class InspectionReading:
    """A judgement report on an authority's children's services."""

    authority: str | None
    inspection_start: date | None
    inspection_end: date | None
    framework: str
    overall: str | None
    judgements: dict[str, str]


@dataclass(frozen=True)
class OtherReading:
    """A real document that is neither a focused-visit letter nor a judgement report."""

    kind: str
    reason: str


Reading = VisitReading | InspectionReading | OtherReading


def classify(text: str, label: str | None = None) -> Reading:
    """Read a document's text (and its label on the site, as a hint); raises UnreadableDocument."""
    flat = flatten(text)
    if _SUMMARY.search(flat, 0, 6000):
        return read_visit(text)
    if _is_judgement_report(flat):
        return read_inspection(text)
    if _HEADING.search(text, 0, 6000):
        return read_visit(text)  # a letter worded anew: reading it says what is missing
    other = _other_kind(flat) or _other_by_label(label)
    if other:
        return other
    hint = f" (labelled {label!r})" if label else ""
    raise UnreadableDocument(f"unrecognised document{hint}: {flat[:120]!r}")


# --- text -----------------------------------------------------------------------------------

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                         "−": "-", "‐": "-", "‑": "-", "\ufffe": "-", "\u00ad": ""})


def flatten(text: str) -> str:
    """The text on one line: straight quotes and dashes, every run of whitespace one space."""
    return " ".join(text.translate(_QUOTES).split())


def _lines(text: str) -> list[str]:
    """The text's lines, flattened, without empty ones."""
    return [line for line in (flatten(raw) for raw in text.translate(_QUOTES).splitlines()) if line]


# --- dates ----------------------------------------------------------------------------------

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DAY = r"\b\d{1,2}(?:st|nd|rd|th)?\b"
_YEAR = r"\b(?:19|20)\d{2}\b"
_JOIN = r"(?:\s*(?:,|-|\band\b|\bto\b|\buntil\b|\bof\b|\bthe\b)\s*)+|\s+"
# a run of days, months and years: "30 September to 1 October 2020", "the 15 and 16 of May 2018"
_DATE_RUN = re.compile(rf"{_DAY}(?:(?:{_JOIN})(?:{_YEAR}|{_DAY}|{_MONTH}))*", re.IGNORECASE)
_DATE_TOKEN = re.compile(rf"(?P<year>{_YEAR})|(?P<day>{_DAY})|(?P<month>{_MONTH})", re.IGNORECASE)
_FULL_DATE = re.compile(rf"({_DAY})\s+({_MONTH})\s+({_YEAR})", re.IGNORECASE)
# a visit lasts days; a longer span is a typo in a year ("24 October 2022 to 25 October 2023")
_LONGEST_SPAN_DAYS = 31


def date_range(flat: str, start: int = 0, end: int | None = None,
               known: date | None = None) -> tuple[date, date] | None:
    """The first run of dates in flat[start:end] with a month, as (first day, last day).

    A run without a year takes the year that puts it on or before `known` (the letter's date).
    """
    for match in _DATE_RUN.finditer(flat, start, len(flat) if end is None else end):
        days = _run_days(match.group(0))
        if days is None:
            continue
        first, last = (_complete(days[0], days[-1], known), _complete(days[-1], days[-1], known))
        if first is None or last is None:
            return None
        return _fix_year_typo(first, last)
    return None


def _run_days(run: str) -> list[list[int | None]] | None:
    """[day, month, year] for each day in the run, months and years shared back to earlier days."""
    days: list[list[int | None]] = []
    for token in _DATE_TOKEN.finditer(run):
        if token.group("day"):
            days.append([int(re.sub(r"\D", "", token.group("day"))), None, None])
            continue
        slot, value = ((1, _MONTHS.index(token.group("month").lower()) + 1) if token.group("month")
                       else (2, int(token.group("year"))))
        for day in days:
            if day[slot] is None:
                day[slot] = value
    if not days or days[-1][1] is None:
        return None
    return days


def _complete(day: list[int | None], last: list[int | None], known: date | None) -> date | None:
    """A date from [day, month, year], borrowing the year of the run's last day or else of `known`."""
    number, month, year = day
    year = year or last[2]
    if year is None and known is not None:
        year = known.year if (month, number) <= (known.month, known.day) else known.year - 1
    if year is None or month is None or number is None:
        return None
    try:
        return date(year, month, number)
    except ValueError:
        return None


def _fix_year_typo(first: date, last: date) -> tuple[date, date]:
    """Move the first day into the last day's year when the span is too long to be a visit."""
    if (last - first).days > _LONGEST_SPAN_DAYS:
        try:
            moved = first.replace(year=last.year)
        except ValueError:
            return first, last
        if moved <= last:
            return moved, last
    return first, last


def first_full_date(flat: str, end: int | None = None) -> date | None:
    """The first "17 May 2023" in flat[:end] (a letter's own date), or None."""
    for match in _FULL_DATE.finditer(flat, 0, len(flat) if end is None else end):
        day = _complete([int(re.sub(r"\D", "", match.group(1))),
                         _MONTHS.index(match.group(2).lower()) + 1, int(match.group(3))], [None] * 3, None)
        if day:
            return day
    return None


# --- other documents ------------------------------------------------------------------------

# The real documents that are neither letter nor report, by what their opening says they are
_OTHER_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in (
        ("monitoring visit",
         r"\bsummarises the (?:main |key )?findings of (?:the|a|an|our) (?:\w+ )?monitoring visit\b"
         r"|^.{0,300}\bmonitoring visit to\b"),
        ("joint targeted area inspection", r"^.{0,400}\bjoint targeted area inspection\b"),
        ("area SEND inspection", r"^.{0,400}\b(?:area SEND|special educational needs and/or disabilit)"),
        ("joint area child protection inspection", r"^.{0,400}\bjoint (?:area )?child protection inspection"),
        ("looked-after children inspection", r"^.{0,300}\binspection of (?:safeguarding and )?looked after children"),
        ("safeguarding inspection", r"^.{0,300}\binspection of safeguarding (?:and|services)\b"),
        ("safeguarding board review",
         r"^.{0,100}\breview of the effectiveness of the local safeguarding children board"),
    ))


# the labels of focused-visit letters and judgement reports, whose text must then be read
_MAIN_LABELS = re.compile(r"children.s services (?:focused visit|inspection)", re.IGNORECASE)


def _other_kind(flat: str) -> OtherReading | None:
    """An OtherReading when the opening says the document is one of the known other kinds."""
    opening = flat[:3000]
    for kind, pattern in _OTHER_KINDS:
        match = pattern.search(opening)
        if match:
            return OtherReading(kind, f"{kind}: {_excerpt(opening, match.end())!r}")
    return None


def _other_by_label(label: str | None) -> OtherReading | None:
    """An OtherReading for a label that is neither a letter's nor a report's ("Area SEND full inspection")."""
    if not label or _MAIN_LABELS.search(label):
        return None
    return OtherReading(label.strip(), f"labelled {label.strip()!r}; its text is no letter or judgement report")


def _excerpt(flat: str, around: int) -> str:
    """About 100 characters of the text ending near `around`."""
    return flat[max(0, around - 100):around].strip()


# --- focused-visit letters ------------------------------------------------------------------

_SUMMARY = re.compile(r"\bsummarises the (?:main |key )?findings of (?:a|an|the|our) focused visit\b", re.IGNORECASE)
# the letter's heading line, "Focused visit to <LA> children's services"
_HEADING = re.compile(r"^\W{0,3}Focused visit (?:to|on)\b", re.MULTILINE)
_FLAT_HEADING = re.compile(r"\bFocused visit (?:to|on)\b")
_NAME = r"(?P<la>(?:(?!\bfocused visit\b)[^.]){2,90}?)"  # a name: no full stop, not running into the next sentence
_AUTHORITY = re.compile(
    rf"\bfocused visit (?:on [^.]{{0,60}}? )?to (?:the )?{_NAME}(?:'s?)? (?:local authority )?"
    r"(?:children's|young people's|children and young people's) services", re.IGNORECASE)
_AUTHORITY_BEFORE_DATE = re.compile(rf"\bfocused visit to (?:the )?{_NAME} (?:on|between) \d", re.IGNORECASE)
_AUTHORITY_TAIL = re.compile(r"(?:'s|\s+local authority|\s*\([^)]*\))$", re.IGNORECASE)


def read_visit(text: str) -> VisitReading:
    """Read a focused-visit letter; raises UnreadableDocument when its dates or topic are not found."""
    flat = flatten(text)
    anchor = _SUMMARY.search(flat) or _FLAT_HEADING.search(flat)
    if anchor is None:
        raise UnreadableDocument("not a focused-visit letter: no 'findings of the focused visit' sentence")
    dates = date_range(flat, anchor.end(), anchor.end() + 400, known=first_full_date(flat, anchor.start()))
    if dates is None:
        raise UnreadableDocument(f"visit dates not found in {_excerpt(flat, anchor.end() + 200)!r}")
    start, end = dates
    if end < start:
        raise UnreadableDocument(f"visit ends before it starts: {start} to {end}")
    return VisitReading(
        authority=visit_authority(flat),
        visit_start=start,
        visit_end=end,
        topic=visit_topic(flat, anchor.end()),
        priority_action=has_priority_action(text),
    )


def visit_authority(flat: str) -> str | None:
    """The authority named in "the focused visit to <LA> children's services", or None."""
    match = _AUTHORITY.search(flat, 0, 4000) or _AUTHORITY_BEFORE_DATE.search(flat, 0, 4000)
    if match is None:
        return None
    return _AUTHORITY_TAIL.sub("", match.group("la").strip()).strip(" ,") or None


# The focus statement follows the summary: "Inspectors looked at the local authority's arrangements for ..."
_FOCUS = re.compile(
    r"\b(?:(?:the )?inspectors|(?:this|the) visit) (?:also )?(?:looked at|evaluated|considered|reviewed|focused on|"
    r"examined)\b(?! a range)|\bthe focus of (?:this|the) visit\b", re.IGNORECASE)
_FOCUS_END = re.compile(
    r"\b(?:inspectors|they) (?:also )?(?:considered|looked at|reviewed) a (?:wide )?range\b|\bOverview\b|"
    r"\bHeadline findings\b|\bThis visit was carried out\b|\bThe methodology\b|\bInspectors used\b",
    re.IGNORECASE)
_FOCUS_WINDOW = 700  # the focus statement starts within this many characters of the summary's end
_COVID = re.compile(r"adapted to\s+reflect the COVID", re.IGNORECASE)

# Topic words; the one found first in the focus statement is the topic.
_TOPIC_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (topic, re.compile(pattern, re.IGNORECASE)) for topic, pattern in (
        ("PDMOC", r"placement decision-? ?making for older children"),
        ("VCEFR", r"extra-? ?familial|adolescen"),
        ("CL", r"care leavers?|leaving care|care-? ?experienced|care leaving"),
        ("PAP", r"permanen"),
        ("FD", r"front-? ?door|contacts? and referrals?|contacts?, referrals?|first point of contact|"
               r"multi-agency safeguarding hub|\bMASH\b|receiving referrals|referrals to children's services"),
        ("HAP", r"(?:children|child) (?:who need|in need of) help and protection|help and protection"),
        ("CIN/CPP", r"\bchild(?:ren)? in need\b|child protection plan|protection plans?\b|subject to a plan|"
                    r"child protection"),
        ("CIC", r"children in care|looked after|(?:come|came|coming) into care"),
    ))
_AMBIGUOUS = "HAP"  # "children who need help and protection": often a front-door visit in 2018
_AMBIGUOUS_WORDS = dict(_TOPIC_WORDS)[_AMBIGUOUS]
_FRONT_DOOR_WORDS = dict(_TOPIC_WORDS)["FD"]
_PLAN_WORDS = re.compile(r"\bplans?\b", re.IGNORECASE)


def visit_topic(flat: str, after: int = 0) -> str:
    """The topic key of a letter whose summary sentence ends at `after`; raises UnreadableDocument."""
    focus = focus_statement(flat, after)
    if focus is None or (_COVID.search(flat) and "arrangements" not in focus.lower()):
        if _COVID.search(flat):
            return "C-19"
        raise UnreadableDocument(f"unknown topic: no focus statement after {_excerpt(flat, after + 100)!r}")
    topic = _first_topic(focus)
    if topic == _AMBIGUOUS:
        topic = _first_topic(_AMBIGUOUS_WORDS.sub(" ", focus)) or _read_on(flat, after)
    if topic is None:
        raise UnreadableDocument(f"unknown topic: {focus[:200]!r}")
    return topic


def focus_statement(flat: str, after: int = 0) -> str | None:
    """The sentences saying what the visit looked at, up to the evidence or overview that follows."""
    match = _FOCUS.search(flat, after, after + _FOCUS_WINDOW)
    if match is None:
        return None
    stop = _FOCUS_END.search(flat, match.end(), match.end() + 1200)
    return flat[match.start():stop.start() if stop else match.end() + 600]


def _first_topic(focus: str) -> str | None:
    """The topic whose words appear earliest in `focus` (the longer wording wins a tie)."""
    found = []
    for topic, pattern in _TOPIC_WORDS:
        match = pattern.search(focus)
        if match:
            found.append((match.start(), -len(match.group(0)), topic))
    return min(found)[2] if found else None


def _read_on(flat: str, after: int) -> str:
    """The topic of a "children who need help and protection" visit: front door if the letter is about it."""
    body = flat[after:]
    front_door = len(_FRONT_DOOR_WORDS.findall(body))
    plans = len(_PLAN_WORDS.findall(body))
    return "FD" if front_door * 3 >= plans else "CIN/CPP"


# --- priority actions ---------------------------------------------------------------------

# the heading starts a line (or follows a sentence's end on the same line)
_PRIORITY_HEADING = re.compile(r"(?:^|(?<=[.:;!?\f]))[ \t]*Areas? for priority action[ \t]*:?", re.MULTILINE)
_ACTION_WORDS = re.compile(r"swift and decisive action|[◼•▪■●]")
# "In addition to the existing areas for priority action ...": actions set at an earlier visit
_EARLIER_ACTIONS = re.compile(r"^[^.]{0,200}\b(?:existing|previous|last|earlier)\b[^.]{0,80}\bpriority action",
                              re.IGNORECASE)
_SECTION_END = re.compile(r"What needs to improve|Main findings|Findings\b|Next steps", re.IGNORECASE)
_NONE_SET = re.compile(r"\bthere are no (?:new |additional |further )?(?:areas for )?priority actions?\b",
                       re.IGNORECASE)


def has_priority_action(text: str) -> bool:
    """An "Areas for priority action" section sets actions (not "There are no priority actions")."""
    for heading in _PRIORITY_HEADING.finditer(text):
        section = flatten(text[heading.end():heading.end() + 2000])
        end = _SECTION_END.search(section)
        section = section[:end.start() if end else 1000]
        if _sets_actions(section):
            return True
    return False


def _sets_actions(section: str) -> bool:
    """The text under an "Areas for priority action" heading sets new actions."""
    if not section or _NONE_SET.search(section):
        return False
    if _EARLIER_ACTIONS.search(section):
        return "swift and decisive action" in section.lower()
    return bool(_ACTION_WORDS.search(section)) or len(section.split()) >= 5


# --- judgement reports ---------------------------------------------------------------------

_GRADE_WORDS = (r"requires? improvement to be good|requires? improvement|inadequate|good|outstanding")
_SIF_OVERALL = re.compile(
    rf"children's services in [^.]{{2,80}}? (?:are|is) (?P<a>{_GRADE_WORDS})|"
    rf"children's services in [^.]{{2,80}}? (?P<b>requires? improvement to be good|requires? improvement)|"
    rf"the overall judgement is (?:that )?(?:children's services (?:are |is )?)?(?P<c>{_GRADE_WORDS})",
    re.IGNORECASE)
_ILACS_OVERALL = re.compile(rf"\bOverall effectiveness:?\s+(?P<grade>{_GRADE_WORDS})\b", re.IGNORECASE)
_JUDGEMENT_TABLE = re.compile(r"\bJudgement:?\s+Grade\b", re.IGNORECASE)
_INSPECTION_DATES = re.compile(r"\bInspection dates?:?", re.IGNORECASE)
_NUMERIC_RANGE = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*(?:-|to)\s*(\d{1,2})/(\d{1,2})/(\d{4})")
_ILACS_TITLE = re.compile(
    r"\bInspection of (?:the )?(?P<la>[^.:]{2,90}?) (?:local authority )?children's (?:social care )?services\b",
    re.IGNORECASE)
_REPORT_TITLE = re.compile(r"^(?:Re-? ?inspection|Inspection|Review) of\b", re.IGNORECASE)
# The judgements each framework grades, by name; a grade follows the name in the report's table.
_ILACS_NAMES: tuple[str, ...] = (
    r"The impact of leaders on (?:social work )?practice with children and families",
    r"The experiences and progress of children who need help and protection",
    r"The experiences and progress of children in care and care leavers",
    r"The experiences and progress of children in care(?! and care leavers)",
    r"The experiences and progress of care leavers",
)
_SIF_NAMES: tuple[str, ...] = (
    r"Children who need help and protection",
    r"Children looked after and achieving permanence",
    r"Adoption performance",
    r"Experiences and progress of care leavers",
    r"Leadership, management and governance",
)
_ILACS_JUDGEMENTS, _SIF_JUDGEMENTS = (
    tuple(re.compile(rf"({name})[.:]?\s+({_GRADE_WORDS})\b", re.IGNORECASE) for name in names)
    for names in (_ILACS_NAMES, _SIF_NAMES))
_LSCB = re.compile(
    rf"effectiveness of the Local Safeguarding Children Board(?: \(LSCB\))?(?: is)? (?P<grade>{_GRADE_WORDS})",
    re.IGNORECASE)
# the 2026 framework dropped the overall grade; an earlier table without one is a misreading
_FRAMEWORK_2026 = date(2026, 1, 1)


def _is_judgement_report(flat: str) -> bool:
    """The text carries an authority-wide judgement: an SIF verdict, overall effectiveness or a 2026 table."""
    opening = flat[:6000]
    return bool(_SIF_OVERALL.search(opening) or _ILACS_OVERALL.search(opening)
                or (_JUDGEMENT_TABLE.search(opening) and _ilacs_judgements(opening)))


def grade_key(words: str) -> str:
    """The grade key for a grade as reports word it ("requires improvement to be good" -> "Requires improvement")."""
    words = words.lower()
    if words.startswith("require"):
        return REQUIRES_IMPROVEMENT
    return {"inadequate": INADEQUATE, "good": GOOD, "outstanding": OUTSTANDING}[words]


def read_inspection(text: str) -> InspectionReading:
    """Read a judgement report (SIF, ILACS or the 2026 framework); raises UnreadableDocument."""
    flat = flatten(text)
    opening = flat[:6000]
    dates = _inspection_dates(opening)
    start, end = dates if dates else (None, None)
    authority = inspection_authority(text)
    sif = _SIF_OVERALL.search(opening)
    ilacs = _ILACS_OVERALL.search(opening)
    if ilacs and not (sif and sif.start() < ilacs.start()):
        return InspectionReading(authority, start, end, "ILACS", grade_key(ilacs.group("grade")),
                                 _ilacs_judgements(opening))
    if sif:
        grade = sif.group("a") or sif.group("b") or sif.group("c")
        return InspectionReading(authority, start, end, "SIF", grade_key(grade), _sif_judgements(opening))
    judgements = _ilacs_judgements(opening)
    if _JUDGEMENT_TABLE.search(opening) and judgements and (start is None or start >= _FRAMEWORK_2026):
        return InspectionReading(authority, start, end, "ILACS-2026", None, judgements)
    raise UnreadableDocument(f"judgement report without an overall judgement: {opening[:150]!r}")


def _inspection_dates(opening: str) -> tuple[date, date] | None:
    """The dates after "Inspection dates:" ("11 to 22 May 2026", "1/06/2015 - 25/06/2015"), or None."""
    label = _INSPECTION_DATES.search(opening)
    if label is None:
        return None
    numeric = _NUMERIC_RANGE.match(opening, label.end())
    if numeric:
        try:
            return (date(int(numeric[3]), int(numeric[2]), int(numeric[1])),
                    date(int(numeric[6]), int(numeric[5]), int(numeric[4])))
        except ValueError:
            return None
    return date_range(opening, label.end(), label.end() + 80)


def inspection_authority(text: str) -> str | None:
    """The authority a report names: "Inspection of <LA> local authority children's services", or its first lines."""
    title = _ILACS_TITLE.search(flatten(text)[:600])
    if title and not re.match(r"(?:children|services|local authority)\b", title.group("la"), re.IGNORECASE):
        return title.group("la").strip()
    name: list[str] = []
    for line in _lines(text)[:8]:
        if _REPORT_TITLE.match(line):
            return " ".join(name) or None
        if not line.isdigit():
            name.append(line)
    return None


def _judgements(opening: str, patterns: tuple[re.Pattern[str], ...], start: int = 0) -> dict[str, str]:
    """Each named judgement found followed by its grade in opening[start:]: name as worded -> grade key."""
    judgements = {}
    for pattern in patterns:
        match = pattern.search(opening, start)
        if match:
            judgements[match.group(1)] = grade_key(match.group(2))
    return judgements


def _ilacs_judgements(opening: str) -> dict[str, str]:
    """The ILACS judgement table: name -> grade key, "Overall effectiveness" included when present."""
    table = _JUDGEMENT_TABLE.search(opening)
    judgements = _judgements(opening, _ILACS_JUDGEMENTS, table.end() if table else 0)
    overall = _ILACS_OVERALL.search(opening)
    if overall:
        judgements["Overall effectiveness"] = grade_key(overall.group("grade"))
    return judgements


def _sif_judgements(opening: str) -> dict[str, str]:
    """The SIF judgements and the safeguarding board's: name -> grade key."""
    judgements = _judgements(opening, _SIF_JUDGEMENTS)
    board = _LSCB.search(opening)
    if board:
        judgements["Local Safeguarding Children Board"] = grade_key(board.group("grade"))
    return judgements
