"""Care levels: how urgently a record's "when to get help" advice sends the reader, and the emergency callout.

A record's care level is the level of its main advice. ``emergency`` means calling the emergency number now, so
such a record must name it (999 in the UK, 911 in the US) and carry a one-sentence callout that interfaces show
before anything else. A record whose text tells people to call 999 or 911 - "call", "ring", "dial" or "phone"
followed, in the same sentence, by 999 or 911 as a number ("Call 999 in the UK or 911 in the US", "dial 911 now") -
must carry a care level, but not necessarily ``emergency``: a lab-value FAQ whose advice is a routine appointment
keeps its one red-flag line ("call 999 if ...") and stays ``routine``. A bare number ("Heading 911", "1,999 mg")
tells nobody to call anything.
"""

from __future__ import annotations

import re

from kb.corpus.fields import shown

CARE_LEVELS = ("emergency", "urgent", "routine", "self-care")
CALLOUT_MAX = 160
# 999 or 911 as a number of its own: not inside 19110, 1,999, 999.5 or a word such as "x911"
_NUMBER = r"(?<![\w.,])(?:999|911)(?![\w]|[.,]\d)"
EMERGENCY_NUMBER = re.compile(_NUMBER)
CALL_NUMBER = re.compile(rf"\b(?:call|calling|ring|dial|phone)\b[^.!?\n]{{0,80}}?{_NUMBER}", re.IGNORECASE)


def names_emergency_number(text: str) -> bool:
    """Whether ``text`` names 999 or 911 as a number of its own."""
    return EMERGENCY_NUMBER.search(text) is not None


def tells_to_call(text: str) -> bool:
    """Whether ``text`` tells the reader to call 999 or 911 (a calling verb, then the number, one sentence)."""
    return CALL_NUMBER.search(text) is not None


def care_problems(care: object, callout: object, text: str, where: str, care_line: int, callout_line: int,
                  text_line: int) -> list[tuple[int, str]]:
    """Problems with one record's ``care`` and ``callout`` given its text, as (line, message) pairs.

    Args:
        care: the ``care`` value as written (None when absent).
        callout: the ``callout`` value as written (None when absent).
        text: the record's text (an FAQ's question and answer, a section's heading and text).
        where: how messages name the field ("care", "sections.call-999-now.care").
    """
    out: list[tuple[int, str]] = []
    prefix = where.rsplit("care", 1)[0]
    absent = care is None
    if care is not None and care not in CARE_LEVELS:
        out.append((care_line, f"{where} must be one of {', '.join(CARE_LEVELS)}, not {shown(care)}"))
        care = None
    if callout is not None and (not isinstance(callout, str) or not callout.strip()):
        out.append((callout_line, f"{prefix}callout must be one sentence of text"))
        callout = None
    if care == "emergency":
        if not names_emergency_number(text):
            out.append((care_line, f"{where} is emergency but the text never names the emergency number "
                                   "(write \"call 999 in the UK or 911 in the US\")"))
        if callout is None:
            out.append((care_line, f"{where} is emergency: add a {prefix}callout such as "
                                   "\"Call 999 / 911 if ...\" (one sentence, at most 160 characters)"))
        elif isinstance(callout, str):
            if len(callout.strip()) > CALLOUT_MAX:
                out.append((callout_line, f"{prefix}callout is {len(callout.strip())} characters long "
                                          f"(at most {CALLOUT_MAX}: one short sentence)"))
            if not names_emergency_number(callout):
                out.append((callout_line, f"{prefix}callout must name the emergency number "
                                          "(start it with \"Call 999 / 911\")"))
    else:
        if callout is not None:
            out.append((callout_line, f"{prefix}callout is only for {where}: emergency "
                                      "(other levels show no callout)"))
        if absent and tells_to_call(text):
            out.append((text_line, f"the text tells the reader to call 999/911 but has no {where}: give it the "
                                   f"level of its main advice ({', '.join(CARE_LEVELS)})"))
    return out
