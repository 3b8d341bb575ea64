"""A corpus whose every text field holds terminal escapes and markup, each field marked with its own tag word.

Each hostile string starts with a tag word (``nutnametag``, ``answertag``...) so a test can tell that the field
was shown, then carries: OSC 52 (clipboard write) with the tag's base64, OSC 8 (hyperlink), ``ESC[2J`` followed
by ``ZQ``, an SGR colour, an 8-bit CSI (U+009B), a bidi override, BEL, and Rich/Textual markup. Markdown bodies
also hold the same sequences as character references (``&#27;``), which Markdown decodes after any cleaning of
the source.
"""

from __future__ import annotations

import base64
import re

from reliability_helpers import FILES, REF

# raw payload byte sequences a terminal would obey; none may ever be written by kb
PAYLOADS = {
    "OSC 52 (clipboard write)": b"\x1b]52;",
    "OSC 8 (hyperlink) from the corpus": b"\x1b]8;;https://evil.example",
    "erase screen from the corpus": b"\x1b[2JZQ",
    "SGR from the corpus": b"\x1b[31mRED",
    "8-bit CSI": "\x9b31m".encode(),
    "bidi override": "\u202e".encode(),
    "BEL": b"\x07",
}


def b64(tag: str) -> str:
    return base64.b64encode(tag.encode()).decode()


def yaml_hostile(tag: str) -> str:
    """A YAML double-quoted string (escapes written as YAML escapes: YAML text may not hold raw controls)."""
    return (f'"{tag} \\e]52;c;{b64(tag)}\\a \\e]8;;https://evil.example/{tag}\\e\\\\lnk\\e]8;;\\e\\\\ '
            f'\\e[2JZQ \\e[31mRED \\x9b31m \\u202eevil\\u202c \\a [@click=app.quit]Q[/] [bold]b[/bold] [B] '
            f'[$accent] [unclosed"')


def raw_hostile(tag: str) -> str:
    """The same as raw characters, for Markdown (no YAML) and the disclaimer."""
    return (f"{tag} \x1b]52;c;{b64(tag)}\x07 \x1b]8;;https://evil.example/{tag}\x1b\\lnk\x1b]8;;\x1b\\ "
            f"\x1b[2JZQ \x1b[31mRED \x9b31m \u202eevil\u202c \x07 [@click=app.quit]Q[/] [bold]b[/bold] [B] "
            f"[$accent] [unclosed")


def entity_hostile(tag: str) -> str:
    """The sequences as Markdown character references."""
    return f"{tag} &#27;]52;c;{b64(tag)}&#7; &#x1b;[2JZQ &#27;[31mRED &#155;31m &#x202e;evil &#7;"


Y = yaml_hostile
R = raw_hostile

ARTICLE = (
    f"---\ntitle: {Y('arttitletag')}\nsummary: {Y('artsummarytag')}\n"
    f"tags: [{Y('arttagtag')}]\nnutrients: [zinc]\nreviewed: 2026-11-20\n"
    f"references:\n  - title: {Y('reftitletag')}\n    publisher: {Y('refpubtag')}\n"
    "    url: \"https://example.org/urltag/[link=file:///etc/passwd]x[/link][@click=app.quit]q[/]\"\n---\n\n"
    f"## Zebrafish {R('headingtag')}\n\n"
    f"Zebrafish [clicklinktag](https://evil.example/hreftag\x1b]52;c;{b64('hreftag')}\x07) text "
    f"{R('bodytag')} about zinc.\n\n{entity_hostile('entitytag')}\n\n"
    f"| col {R('tablehead')} |\n| --- |\n| {R('tablecell')} {entity_hostile('tableentity')} |\n\n"
    f"```\n{R('fencetag')}\n```\n"
)

FAQ = (f"question: {Y('questiontag')}\nanswer: {Y('answertag')}\ntags: [{Y('faqtagtag')}]\n"
       f"reviewed: 2026-11-20\nreferences:\n  - title: {Y('faqreftag')}\n    publisher: {Y('faqpubtag')}\n"
       f"    url: https://example.org/\n")

NUTRIENT = f"""name: {Y('nutnametag')}
aliases: [{Y('aliastag')}, zebrafishium]
forms: [{Y('formtag')}]
category: mineral
summary: {Y('nutsummarytag')}
muscle_nerve_role: {Y('roletag')}
unit: mg
daily_value: 11
intakes:
  measure: RDA
  note: {Y('intakenotetag')}
  rows:
    - {{ages: 0-12 months, measure: AI, male: 3, female: 3}}
    - {{ages: 1-13 years, male: 5, female: 5}}
    - {{ages: 14-18 years, male: 11, female: 9, pregnancy: 12, lactation: 13}}
    - {{ages: 19+ years, male: 11, female: 8, pregnancy: 11, lactation: 12}}
upper_limits:
  measure: UL
  applies_to: all-sources
  note: {Y('ultag')}
  rows:
    - {{ages: 0-12 months, amount: null}}
    - {{ages: 1-13 years, amount: 23}}
    - {{ages: 14+ years, amount: 40}}
food_sources:
  - {{food: {Y('foodtag')}, serving: {Y('servingtag')}, amount: 8}}
  - {{food: Lentils, serving: 1/2 cup, amount: 1.3}}
  - {{food: Oats, serving: 1 cup, amount: 2.3}}
  - {{food: Tofu, serving: 1/2 cup, amount: 2}}
  - {{food: Beef, serving: 3 ounces, amount: 5.3}}
  - {{food: Cashews, serving: 1 ounce, amount: 1.6}}
blood_tests:
  tests:
    - {{name: {Y('testnametag')}, range: {Y('rangetag')}, shows: {Y('showstag')}}}
  note: {Y('labnotetag')}
interactions:
  - {{medicine: {Y('medicinetag')}, effect: {Y('effecttag')}}}
deficiency:
  name: {Y('defnametag')}
  signs: [{Y('signtag')}]
excess:
  name: {Y('excessnametag')}
  signs: [{Y('excesssigntag')}]
  text: {Y('excesstag')}
at_risk: [{Y('risktag')}]
see_doctor: {Y('doctortag')}
reviewed: 2026-11-20
references:
  - title: {Y('nutreftag')}
    publisher: {Y('nutpubtag')}
    url: https://example.org/
"""

FILES_HOSTILE: dict[str, str] = {
    **FILES,
    "corpus/disclaimer.md": f"Not medical advice. {R('discltag')}\n",
    "corpus/synonyms.yaml": FILES["corpus/synonyms.yaml"] + "  - [zebrafish, \"zebra \\e[2JZQ\"]\n",
    "corpus/articles/hostile.md": ARTICLE,
    "corpus/faq/hostile.yaml": FAQ,
    "corpus/nutrients/zinc.yaml": NUTRIENT,
    # problems with hostile text: a field name, a wrong category, a hostile file name
    "corpus/faq/bad.yaml": f'question: "q"\n{Y("probfieldtag")}: 1\nanswer: x\nreviewed: 2026-11-20\n' + REF,
    "corpus/nutrients/copper.yaml": NUTRIENT.replace("category: mineral", f"category: {Y('probcattag')}")
                                            .replace("zebrafishium", "cupric"),
    "corpus/faq/\x1b[2JZQprobfile\x1b]52;c;eA==\x07.yaml": "x",
}

# kb's own emphasis in the CLI: bold, dim, bold yellow, reset (and the progress line's erase, on stderr)
OWN_SGR = re.compile(rb"\x1b\[(?:0|1|2|1;33)m|\r\x1b\[K")
# what the TUI writes for itself: CSI and its own OSC/DCS/APC sequences (checked separately for payloads)
_TERMINAL_SEQUENCE = re.compile(rb"\x1b\[[0-9;?<>=!]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|"
                                rb"\x1bP[^\x1b]*\x1b\\|\x1b_[^\x1b]*\x1b\\|\x1b[()][A-Z0-9]|\x1b[=>78MDEc]")


def payloads_in(raw: bytes) -> list[str]:
    """The names of the corpus payloads found in ``raw`` (bytes written to a terminal)."""
    return [name for name, seq in PAYLOADS.items() if seq in raw]


def shown_text(raw: bytes) -> str:
    """The text of ``raw`` with every escape sequence removed (what a person could read, roughly)."""
    return _TERMINAL_SEQUENCE.sub(b"", raw).decode("utf-8", "replace")
