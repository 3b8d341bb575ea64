"""Colour contrast as WCAG 2 defines it, and a muted text colour that stays readable on every theme.

Textual's ``$text-muted`` is ``auto 60%``: a translucent colour resolved against whatever lies beneath, which on
light themes came out near-white on cream (review defect 3). :func:`muted_colour` instead picks a solid colour
between the theme's text and its background, as muted as it can be while keeping ``AA`` contrast on every
surface it is drawn on.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.color import Color

AA = 4.5  # WCAG 2 level AA for normal text


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4


def luminance(colour: Color) -> float:
    """WCAG relative luminance of an opaque colour, 0 (black) to 1 (white)."""
    return 0.2126 * _channel(colour.r) + 0.7152 * _channel(colour.g) + 0.0722 * _channel(colour.b)


def contrast(a: Color, b: Color) -> float:
    """The WCAG contrast ratio of two opaque colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def muted_colour(text: Color, surfaces: Iterable[Color], ratio: float = AA + 0.1) -> Color:
    """The colour ``text`` blended toward the first surface as far as ``ratio`` allows on every surface.

    Starts from 60% text (Textual's muted level) and moves toward full text until the contrast against each
    surface reaches ``ratio``; when even the text colour does not, it is moved toward black or white until it does.
    """
    surfaces = list(surfaces)
    base = surfaces[0]
    for step in range(60, 101, 2):
        candidate = base.blend(text, step / 100)
        if all(contrast(candidate, s) >= ratio for s in surfaces):
            return candidate
    return readable_on(text, surfaces, ratio)


def readable_on(colour: Color, surfaces: Iterable[Color], ratio: float = AA + 0.1) -> Color:
    """``colour`` itself when it reaches ``ratio`` on every surface, else blended toward the readable extreme."""
    surfaces = list(surfaces)
    if all(contrast(colour, s) >= ratio for s in surfaces):
        return colour
    light = luminance(surfaces[0]) > 0.4
    extreme = Color(0, 0, 0) if light else Color(255, 255, 255)
    for step in range(5, 101, 5):
        candidate = colour.blend(extreme, step / 100)
        if all(contrast(candidate, s) >= ratio for s in surfaces):
            return candidate
    return extreme
