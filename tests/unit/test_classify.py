"""Reading texts worded as Ofsted's letters and reports word them (short texts of the tests' own)."""

from __future__ import annotations

from datetime import date

import pytest

from events.errors import UnreadableDocument
from events.vocabulary import FRAMEWORKS, OVERALL_GRADES, TOPICS
from service.classify import (
    PARSER_VERSION,
    InspectionReading,
    OtherReading,
    VisitReading,
    classify,
    grade_key,
)
from service.documents import pdf_text
from tests.pdfs import letter as letter_pdf
from tests.pdfs import report as report_pdf

FRONT_DOOR = "Inspectors looked at the local authority’s arrangements for the ‘front door’."


def letter(focus: str = FRONT_DOOR, dates: str = "17 and 18 May 2023", la: str = "Dudley",
           body: str = "", written: str = "20 June 2023") -> str:
    """A focused-visit letter as pdfium gives it: address, heading, summary, focus, findings."""
    return f"""Ofsted
Piccadilly Gate
Manchester M1 2WD
{written}
Jane Smith
Director of Children’s Services
Dear Jane
Focused visit to {la} children’s services
This letter summarises the findings of the focused visit to {la} children’s
services on {dates}. His Majesty’s Inspectors for this visit were Ann Able and
Ben Baker.
{focus}
This visit was carried out in line with the inspection of local authority children’s
services (ILACS) framework.
Headline findings
Leaders know their services well.
{body}
What needs to improve in this area of social work practice?
◼ The timeliness of assessments.
Main findings
Children are seen quickly.
"""


def visit(text: str) -> VisitReading:
    reading = classify(text, "Children's services focused visit")
    assert isinstance(reading, VisitReading)
    return reading


def test_parser_version_is_a_string() -> None:
    assert isinstance(PARSER_VERSION, str) and PARSER_VERSION


# --- visit dates ---------------------------------------------------------------------------

@pytest.mark.parametrize(("words", "start", "end"), [
    ("17 and 18 May 2023", date(2023, 5, 17), date(2023, 5, 18)),
    ("7 and 8 March 2018", date(2018, 3, 7), date(2018, 3, 8)),
    ("30 September to 1 October 2020", date(2020, 9, 30), date(2020, 10, 1)),
    ("31 January and 1 February 2024", date(2024, 1, 31), date(2024, 2, 1)),
    ("29 and 30 September, and 1 October 2020", date(2020, 9, 29), date(2020, 10, 1)),
    ("the 15 and 16 of May 2018", date(2018, 5, 15), date(2018, 5, 16)),
    ("11 December and 12 December 2018", date(2018, 12, 11), date(2018, 12, 12)),
    ("22–23 October 2019", date(2019, 10, 22), date(2019, 10, 23)),
    ("27 June to 28 June 2023", date(2023, 6, 27), date(2023, 6, 28)),
    ("18 to 19 October 2022", date(2022, 10, 18), date(2022, 10, 19)),
    ("20 March 2018", date(2018, 3, 20), date(2018, 3, 20)),
    ("30 September to 1\nOctober 2020", date(2020, 9, 30), date(2020, 10, 1)),
    # a typo in the first year: a visit lasts days, not a year
    ("24 October 2022 to 25 October 2023", date(2023, 10, 24), date(2023, 10, 25)),
])
def test_visit_dates_in_every_wording(words: str, start: date, end: date) -> None:
    reading = visit(letter(dates=words))
    assert (reading.visit_start, reading.visit_end) == (start, end)


def test_between_dates() -> None:
    text = letter().replace("services on 17 and 18 May 2023", "services between 6 and 8 October 2020")
    reading = visit(text)
    assert (reading.visit_start, reading.visit_end) == (date(2020, 10, 6), date(2020, 10, 8))


@pytest.mark.parametrize(("words", "written", "start"), [
    ("30 and 31 January", "22 February 2018", date(2018, 1, 30)),
    ("13 and 14 July", "13 August 2021", date(2021, 7, 13)),
    ("11 and 12 December", "17 January 2019", date(2018, 12, 11)),
])
def test_dates_without_a_year_take_the_letters_year(words: str, written: str, start: date) -> None:
    assert visit(letter(dates=words, written=written)).visit_start == start


def test_dates_before_the_authority() -> None:
    text = letter().replace(
        "the focused visit to Dudley children’s\nservices on 17 and 18 May 2023.",
        "the focused visit on 25 and 26 October 2023\nto Together for Children, who deliver children’s services "
        "for Sunderland.")
    reading = visit(text)
    assert (reading.visit_start, reading.visit_end) == (date(2023, 10, 25), date(2023, 10, 26))


def test_a_letter_without_visit_dates_is_unreadable() -> None:
    with pytest.raises(UnreadableDocument, match="visit dates not found"):
        classify(letter(dates="a date to be agreed"))


# --- the authority -------------------------------------------------------------------------

@pytest.mark.parametrize(("la", "name"), [
    ("Dudley", "Dudley"),
    ("the London Borough of Newham", "London Borough of Newham"),
    ("Coventry City Council’s", "Coventry City Council"),
    ("Newcastle local authority", "Newcastle"),
    ("Bournemouth, Christchurch and Poole", "Bournemouth, Christchurch and Poole"),
])
def test_authority_from_the_letter(la: str, name: str) -> None:
    assert visit(letter(la=la)).authority == name


def test_authority_when_the_heading_names_a_trust() -> None:
    text = letter(la="Slough").replace("Focused visit to Slough children’s services",
                                       "Focused visit to Slough Children First")
    assert visit(text).authority == "Slough"


def test_authority_named_without_childrens_services() -> None:
    text = letter().replace("Focused visit to Dudley children’s services\n", "").replace(
        "the focused visit to Dudley children’s\nservices on", "a focused visit to Wakefield Council on")
    assert visit(text).authority == "Wakefield Council"


# --- topics --------------------------------------------------------------------------------

@pytest.mark.parametrize(("focus", "topic"), [
    (FRONT_DOOR, "FD"),
    ("Inspectors looked at the local authority’s arrangements for contacts and referrals in the\n"
     "multi-agency safeguarding hub (MASH) and thresholds for children in need and child protection.", "FD"),
    ("Inspectors considered the local authority’s arrangements at the first point of contact for\n"
     "children who need help and protection.", "FD"),
    ("Inspectors looked at the local authority’s arrangements for children in need and children\n"
     "subject to a child protection plan.", "CIN/CPP"),
    ("Inspectors evaluated the local authority’s arrangements for children who are the subject of\n"
     "child protection plans.", "CIN/CPP"),
    ("Inspectors looked at the local authority’s arrangements for the protection of vulnerable\n"
     "children from extra-familial risk.", "VCEFR"),
    ("Inspectors evaluated the local authority’s arrangements for the protection of vulnerable\n"
     "adolescents.", "VCEFR"),
    ("Inspectors looked at the local authority’s arrangements for children in care.", "CIC"),
    ("Inspectors looked at the local authority’s arrangements for children in care, with a particular\n"
     "focus on:\n◼ decisions about permanence for children in long-term care.", "CIC"),
    ("Inspectors looked at the local authority’s arrangements for planning and achieving\npermanence.", "PAP"),
    ("Inspectors evaluated the local authority’s arrangements for permanency planning and achieving\n"
     "permanence for children in care.", "PAP"),
    ("Inspectors looked at the local authority’s arrangements for care leavers.", "CL"),
    ("Inspectors looked at the local authority’s arrangements for young people leaving care.", "CL"),
    ("Inspectors looked at the local authority’s arrangements for care-experienced young people.", "CL"),
    ("Inspectors looked at the local authority’s arrangements for placement decision-\n"
     "making for older children in care.", "PDMOC"),
    ("Inspectors looked at the local authority’s arrangements for placement decision\ufffemaking for\n"
     "older children.", "PDMOC"),
    ("The focus of this visit was on the local authority’s arrangements for dealing with contacts and\n"
     "referrals at the ‘front door’.", "FD"),
])
def test_topic_from_the_focus_statement(focus: str, topic: str) -> None:
    assert visit(letter(focus=focus)).topic == topic


HELP_AND_PROTECTION = ("Inspectors considered the local authority’s arrangements for children who need help\n"
                       "and protection, in accordance with the ILACS framework.")


@pytest.mark.parametrize(("specifically", "topic"), [
    ("Specifically, inspectors looked at the ‘front door’ arrangements for the service that\n"
     "considers contacts and referrals.", "FD"),
    ("Specifically, inspectors looked at the local authority’s arrangements for children in need\n"
     "and those subject to a protection plan.", "CIN/CPP"),
])
def test_help_and_protection_is_settled_by_the_next_sentence(specifically: str, topic: str) -> None:
    assert visit(letter(focus=f"{HELP_AND_PROTECTION}\n{specifically}")).topic == topic


@pytest.mark.parametrize(("body", "topic"), [
    ("The MASH works well. Contacts and referrals are screened quickly in the MASH, and the front\n"
     "door makes timely decisions. Referrals from the police are prompt.", "FD"),
    ("Plans are too vague. Child protection plans lack timescales, child in need plans drift, and\n"
     "plans are not reviewed. Core groups do not track plans.", "CIN/CPP"),
])
def test_help_and_protection_alone_is_settled_by_reading_on(body: str, topic: str) -> None:
    assert visit(letter(focus=HELP_AND_PROTECTION, body=body)).topic == topic


COVID_METHOD = ("The methodology for this visit was in line with the ILACS framework. However, the delivery\n"
                "model was adapted to reflect the COVID-19 context. This visit was carried out remotely.")


def test_covid_visit() -> None:
    focus = (f"{COVID_METHOD}\nThis visit looked at the quality and impact of key decision-making across help\n"
             "and protection, children in care and services for care leavers.")
    assert visit(letter(focus=focus, dates="13 October 2020")).topic == "C-19"


def test_covid_visit_without_a_focus_statement() -> None:
    assert visit(letter(focus=COVID_METHOD, dates="24 and 25 March 2021")).topic == "C-19"


def test_a_topic_visit_with_covid_methodology_keeps_its_topic() -> None:
    focus = f"Inspectors looked at the local authority’s arrangements for care leavers.\n{COVID_METHOD}"
    assert visit(letter(focus=focus, dates="30 June and 1 July 2021")).topic == "CL"


def test_an_unknown_topic_is_unreadable() -> None:
    focus = "Inspectors looked at the local authority’s arrangements for youth justice services."
    with pytest.raises(UnreadableDocument, match="unknown topic"):
        classify(letter(focus=focus))


def test_a_letter_without_a_focus_statement_is_unreadable() -> None:
    with pytest.raises(UnreadableDocument, match="unknown topic"):
        classify(letter(focus=""))


def test_every_topic_key_can_be_read() -> None:
    focuses = {"FD": FRONT_DOOR, "C-19": COVID_METHOD,
               "CIN/CPP": "Inspectors looked at the local authority’s arrangements for children in need.",
               "VCEFR": "Inspectors looked at the local authority’s arrangements for extra-familial harm.",
               "CIC": "Inspectors looked at the local authority’s arrangements for children in care.",
               "PAP": "Inspectors looked at the local authority’s arrangements for achieving permanence.",
               "CL": "Inspectors looked at the local authority’s arrangements for care leavers.",
               "PDMOC": "Inspectors looked at the local authority’s arrangements for placement "
                        "decision-making for older children."}
    assert set(focuses) == set(TOPICS)
    assert {key: visit(letter(focus=focus)).topic for key, focus in focuses.items()} == {key: key for key in TOPICS}


# --- priority actions ----------------------------------------------------------------------

@pytest.mark.parametrize(("body", "expected"), [
    ("Areas for priority action\n◼ The response to children at risk of significant harm.", True),
    ("Area for priority action\nThe local authority needs to take swift and decisive action to address the\n"
     "delays in identifying risk.", True),
    ("Areas for priority action:\nThe local authority needs to take swift and decisive action to address the\n"
     "following areas of weakness:\n◼ Management oversight of assessments.", True),
    ("the children have not been protected.\fAreas for priority action\n◼ Address the failures in practice.", True),
    ("Areas for priority action\nIn addition to addressing the two priority actions not resolved following the\n"
     "last focused visit, the local authority needs to take swift and decisive action to address the following:\n"
     "◼ Visits to children.", True),
    ("Areas for priority action\nThere are no priority actions following this focused visit.", False),
    ("There are no priority actions.", False),
    ("Areas for priority action\nThe areas for priority action set at the last focused visit in February 2020\n"
     "remain. There are no additional priority actions.", False),
    ("Areas for priority action\nIn addition to the existing areas for priority action, the following areas for\n"
     "improvement have been identified at this visit:\n◼ The sufficiency of placements.", False),
    ("Some weaknesses remain. In addition to the existing areas for priority action, the following areas\n"
     "for improvement have been identified at this visit:\n◼ The sufficiency of placements.", False),
    ("Leaders took swift and decisive action in response to the pandemic.", False),
    ("Inspectors made areas for priority action at the previous visit in 2021.", False),
    ("", False),
])
def test_priority_action(body: str, expected: bool) -> None:
    assert visit(letter(body=body)).priority_action is expected


# --- judgement reports ---------------------------------------------------------------------

ILACS = """1
Leeds
Inspection of children’s social care services
Inspection dates: 29 October 2018 to 2 November 2018
Lead inspector: Ann Able
Her Majesty’s Inspector
Judgement Grade
The impact of leaders on social work practice with children
and families
Requires improvement
to be good
The experiences and progress of children who need help and
protection Good
The experiences and progress of children in care and care
leavers Outstanding
Overall effectiveness Requires improvement
to be good
Services for children in Leeds have improved since the last inspection, and leaders have
responded well to the findings of a focused visit in 2018.
"""

ILACS_2023 = """Inspection of Wirral local authority children’s services
Inspection dates: 9 to 20 October 2023
Lead inspector: Ann Able, His Majesty’s Inspector
Judgement Grade
The impact of leaders on social work practice with
children and families Good
The experiences and progress of
children who need help and protection Good
The experiences and progress of
children in care Good
The experiences and progress of
care leavers Requires improvement to be good
Overall effectiveness Good
"""

FRAMEWORK_2026 = """Inspection of North Northamptonshire
local authority children’s services
Inspection dates: 11 to 22 May 2026
Lead inspector: Ann Able, His Majesty’s Inspector
Judgement Grade
The impact of leaders on practice with
children and families
Outstanding
The experiences and progress of
children who need help and protection
Good
The experiences and progress of
children in care
Good
The experiences and progress of care
leavers
Good
The experiences of children and families have improved since the previous inspection.
"""

SIF = """1
Sunderland City Council
Inspection of services for children in need of help and
protection, children looked after and care leavers
and
Review of the effectiveness of the local safeguarding children
board1
Inspection date: 11 May 2015 – 4 June 2015
Report published: 20 July 2015
Children’s services in Sunderland are inadequate
There are widespread and serious failures.
1. Children who need help and protection Inadequate
2. Children looked after and achieving
permanence
Inadequate
2.1 Adoption performance Requires improvement
2.2 Experiences and progress of care leavers Inadequate
3. Leadership, management and governance Inadequate
"""

SIF_2014 = """1
Swindon Borough Council
Inspection of services for children in need of help and
protection, children looked after and care leavers
and
Review of the effectiveness of the local safeguarding children
board1
Inspection date: 1/06/2015 – 25/06/2015
The overall judgement is requires improvement
1. Children who need help and protection Requires
improvement
2. Children looked after and achieving permanence Good
2.1 Adoption performance Good
2.2 Experiences and progress of care leavers Good
3. Leadership, management and governance Requires
improvement
The effectiveness of the Local Safeguarding Children Board (LSCB) is
good
"""


def inspection(text: str) -> InspectionReading:
    reading = classify(text, "Children's services inspection")
    assert isinstance(reading, InspectionReading)
    assert reading.framework in FRAMEWORKS
    return reading


def test_ilacs_report() -> None:
    reading = inspection(ILACS)
    assert reading == InspectionReading(
        authority="Leeds", inspection_start=date(2018, 10, 29), inspection_end=date(2018, 11, 2),
        framework="ILACS", overall="Requires improvement",
        judgements={
            "The impact of leaders on social work practice with children and families": "Requires improvement",
            "The experiences and progress of children who need help and protection": "Good",
            "The experiences and progress of children in care and care leavers": "Outstanding",
            "Overall effectiveness": "Requires improvement",
        })


def test_ilacs_report_with_care_leavers_judged_apart() -> None:
    reading = inspection(ILACS_2023)
    assert (reading.authority, reading.framework, reading.overall) == ("Wirral", "ILACS", "Good")
    assert reading.judgements["The experiences and progress of children in care"] == "Good"
    assert reading.judgements["The experiences and progress of care leavers"] == "Requires improvement"
    assert len(reading.judgements) == 5


def test_2026_report_has_judgements_and_no_overall_grade() -> None:
    reading = inspection(FRAMEWORK_2026)
    assert (reading.framework, reading.overall) == ("ILACS-2026", None)
    assert (reading.inspection_start, reading.inspection_end) == (date(2026, 5, 11), date(2026, 5, 22))
    assert reading.authority == "North Northamptonshire"
    assert reading.judgements["The impact of leaders on practice with children and families"] == "Outstanding"
    assert len(reading.judgements) == 4


def test_a_table_without_overall_effectiveness_before_2026_is_unreadable() -> None:
    text = FRAMEWORK_2026.replace("11 to 22 May 2026", "11 to 22 May 2019")
    with pytest.raises(UnreadableDocument, match="without an overall judgement"):
        classify(text)


def test_sif_report() -> None:
    reading = inspection(SIF)
    assert (reading.framework, reading.overall, reading.authority) == ("SIF", "Inadequate", "Sunderland City Council")
    assert (reading.inspection_start, reading.inspection_end) == (date(2015, 5, 11), date(2015, 6, 4))
    assert reading.judgements == {
        "Children who need help and protection": "Inadequate",
        "Children looked after and achieving permanence": "Inadequate",
        "Adoption performance": "Requires improvement",
        "Experiences and progress of care leavers": "Inadequate",
        "Leadership, management and governance": "Inadequate",
    }


def test_sif_overall_judgement_sentence_and_board() -> None:
    reading = inspection(SIF_2014)
    assert (reading.framework, reading.overall) == ("SIF", "Requires improvement")
    assert (reading.inspection_start, reading.inspection_end) == (date(2015, 6, 1), date(2015, 6, 25))
    assert reading.judgements["Local Safeguarding Children Board"] == "Good"
    assert reading.judgements["Children who need help and protection"] == "Requires improvement"


@pytest.mark.parametrize(("sentence", "grade"), [
    ("Children’s services in Bury require improvement to be good", "Requires improvement"),
    ("Children’s services in Bury requires improvement", "Requires improvement"),
    ("Children’s services in Westminster are outstanding", "Outstanding"),
    ("The overall judgement is that children’s services are good", "Good"),
    ("The overall judgement is that children’s services require improvement", "Requires improvement"),
    ("The overall judgement is Inadequate", "Inadequate"),
])
def test_sif_overall_wordings(sentence: str, grade: str) -> None:
    assert inspection(SIF.replace("Children’s services in Sunderland are inadequate", sentence)).overall == grade


@pytest.mark.parametrize(("words", "key"), [
    ("Outstanding", "Outstanding"), ("good", "Good"), ("Requires improvement to be good", "Requires improvement"),
    ("require improvement to be good", "Requires improvement"), ("requires improvement", "Requires improvement"),
    ("INADEQUATE", "Inadequate"),
])
def test_grade_keys(words: str, key: str) -> None:
    assert grade_key(words) == key
    assert key in OVERALL_GRADES


# --- other documents -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "kind"), [
    ("Inspection of looked after children\nservices\nSandwell Metropolitan Borough Council\n"
     "Inspection dates: 24 – 28 June 2013\nOverall effectiveness of services for looked after children",
     "looked-after children inspection"),
    ("1\nSurrey Safeguarding Children Board\nReview of the effectiveness of the Local Safeguarding Children\n"
     "Board\nThe Local Safeguarding Children Board requires improvement", "safeguarding board review"),
    ("Dear Ms Smith\nMonitoring visit to Anytown children’s services\nThis letter summarises the findings of\n"
     "the monitoring visit to Anytown children’s services on 3 and 4 May 2022.", "monitoring visit"),
    ("Joint targeted area inspection of the multi-agency response to child exploitation in Anytown",
     "joint targeted area inspection"),
    ("Area SEND inspection of Anytown Local Area Partnership", "area SEND inspection"),
])
def test_other_documents(text: str, kind: str) -> None:
    reading = classify(text, "Children's services inspection")
    assert isinstance(reading, OtherReading)
    assert reading.kind == kind and reading.reason


@pytest.mark.parametrize("label", ["Children's services inspection", "children's services focused visit", None])
def test_an_unrecognised_document_under_a_main_label_is_unreadable(label: str | None) -> None:
    with pytest.raises(UnreadableDocument, match="unrecognised document"):
        classify("Minutes of the parish council meeting", label)


def test_an_unrecognised_document_under_another_label_is_noted_by_its_label() -> None:
    reading = classify("Minutes of the parish council meeting", "Area SEND full inspection")
    assert reading == OtherReading("Area SEND full inspection", reading.reason)
    assert "Area SEND full inspection" in reading.reason


# --- through a real PDF --------------------------------------------------------------------

def test_the_test_sites_pdfs_read_back() -> None:
    letter_reading = classify(pdf_text(letter_pdf("Dudley", "1 and 2 February 2024",
                                                  "placement decision-making for older children", True)))
    assert letter_reading == VisitReading("Dudley", date(2024, 2, 1), date(2024, 2, 2), "PDMOC", True)
    report_reading = classify(pdf_text(report_pdf("Barnet", "Good")))
    assert isinstance(report_reading, InspectionReading)
    assert (report_reading.framework, report_reading.overall, report_reading.authority) == ("ILACS", "Good", "Barnet")
