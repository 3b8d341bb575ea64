"""The fixed query list: what people type into a health search box, in kb's query syntax.

Every benchmark (kb and the FTS5 peer, typing and full mode, the TUI) uses this list in this order.
"""

from __future__ import annotations

#: (category, query). Categories: lay phrase, single word, typo, filter, phrase/exclusion syntax.
QUERIES: list[tuple[str, str]] = [
    # lay phrases
    ("lay", "cramps at night"),
    ("lay", "pins and needles in feet"),
    ("lay", "leg cramps during pregnancy"),
    ("lay", "eyelid keeps twitching"),
    ("lay", "muscle twitching and stress"),
    ("lay", "tingling in hands"),
    ("lay", "numbness in fingers and toes"),
    ("lay", "calf cramp won't go away"),
    ("lay", "how to stop a cramp"),
    ("lay", "foods high in magnesium"),
    ("lay", "tired all the time and weak"),
    ("lay", "muscle weakness after exercise"),
    ("lay", "do bananas help cramps"),
    ("lay", "how much vitamin d should i take"),
    ("lay", "low potassium symptoms"),
    ("lay", "cramps after running"),
    ("lay", "is magnesium safe in pregnancy"),
    ("lay", "statins and muscle pain"),
    ("lay", "drinking enough water"),
    ("lay", "vegan b12 deficiency"),
    ("lay", "irregular heartbeat and cramps"),
    ("lay", "side effects of supplements"),
    ("lay", "when to see a doctor about spasms"),
    # single words
    ("word", "magnesium"),
    ("word", "cramps"),
    ("word", "tetany"),
    ("word", "dehydration"),
    ("word", "potassium"),
    ("word", "sodium"),
    ("word", "neuropathy"),
    ("word", "calcium"),
    ("word", "spasm"),
    ("word", "fasciculations"),
    ("word", "sweating"),
    ("word", "b12"),
    # typos
    ("typo", "magnesum"),
    ("typo", "potasium"),
    ("typo", "cramsp at night"),
    ("typo", "vitamn d"),
    ("typo", "twiching eyelid"),
    ("typo", "dehidration"),
    ("typo", "calcuim deficiency"),
    ("typo", "numbnes"),
    # filters
    ("filter", "kind:faq cramps"),
    ("filter", "nutrient:magnesium weakness"),
    ("filter", "kind:section tingling"),
    ("filter", "nutrient:potassium bananas"),
    ("filter", "kind:faq nutrient:vitamin-d supplements"),
    ("filter", "tag:sleep night"),
    ("filter", "nutrient:vitamin-b12 numbness"),
    # phrases and exclusions
    ("syntax", '"leg cramps"'),
    ("syntax", '"pins and needles"'),
    ("syntax", '"muscle cramps" -pregnancy'),
    ("syntax", 'cramps -night'),
    ("syntax", '"low potassium" weakness'),
]

#: Misspelt single words for the spelling-suggestion benchmark (plus the correctly spelt controls at the end).
SUGGEST_WORDS: list[str] = [
    "magnesum", "potasium", "cramsp", "vitamn", "twiching", "dehidration", "calcuim", "numbnes", "tingeling",
    "neuropaty", "fasiculations", "supplemnts", "pregancy", "exercize", "diarrhea", "musle", "weaknes",
    "spasam", "sodum", "heartbeet",
    "magnesium", "cramps", "tingling",
]


def typing_prefixes(query: str) -> list[str]:
    """Every text the search box holds while ``query`` is typed: "c", "cr", ..., "cramps at night"."""
    return [query[:i] for i in range(1, len(query) + 1)]


def quick_queries() -> list[tuple[str, str]]:
    """Smoke runs: the first query of each category."""
    seen: dict[str, str] = {}
    for cat, q in QUERIES:
        seen.setdefault(cat, q)
    return list(seen.items())


def texts() -> list[str]:
    return [q for _, q in QUERIES]


assert len(QUERIES) >= 50
