"""A fixture corpus with care levels: the shared tiny corpus plus an emergency FAQ, an article whose sections
carry care levels through ``sections:``, and red-flag groups in synonyms.yaml (used by the care tests of the
engine, the CLI and the TUI)."""

from __future__ import annotations

import textwrap

from conftest import FILES, REF

CLOT_FAQ = "corpus/faq/is-calf-pain-with-breathlessness-an-emergency.yaml"
WARNING_ARTICLE = "corpus/articles/warning-signs.md"
CLOT_CALLOUT = "Call 999 / 911 if calf pain and swelling come with sudden breathlessness or chest pain."
WEAKNESS_CALLOUT = "Call 999 / 911 if one side of the face, an arm or a leg suddenly goes weak or numb."

CARE_FILES: dict[str, str] = {
    **FILES,
    "corpus/synonyms.yaml": FILES["corpus/synonyms.yaml"] + textwrap.dedent("""\
        red_flags:
          - [chest pain, chest tightness, crushing chest pain]
          - [sudden breathlessness, short of breath, breathless]
          - [one-sided weakness, face drooping]
        """),
    CLOT_FAQ: textwrap.dedent(f"""\
        question: Is calf pain with breathlessness an emergency?
        answer: |
          Yes. A swollen, painful calf with sudden breathlessness or chest pain can mean a blood clot has
          moved to the lungs. Call 999 in the UK or 911 in the US (or your local emergency number) now.
        care: emergency
        callout: "{CLOT_CALLOUT}"
        reviewed: 2026-11-20
        """) + REF,
    WARNING_ARTICLE: textwrap.dedent("""\
        ---
        title: Warning signs
        summary: Which muscle symptoms need help, and how fast.
        nutrients: [potassium]
        reviewed: 2026-11-20
        """) + REF + textwrap.dedent(f"""\
        sections:
          call-999-or-911-now:
            care: emergency
            callout: "{WEAKNESS_CALLOUT}"
          see-a-gp-soon:
            care: routine
            nutrients: [magnesium]
          cramps-you-can-treat-at-home:
            care: self-care
        ---

        ## Call 999 or 911 now

        Sudden weakness or numbness of the face, an arm or a leg on one side can be a stroke. Call 999 in
        the UK or 911 in the US straight away.

        ## See a GP soon

        Twitching that spreads, or cramps that wake you most nights for weeks, are worth a routine
        appointment with your GP.

        ## Cramps you can treat at home

        An ordinary night cramp eases with stretching the calf; potassium-rich food does no harm.
        """),
}
