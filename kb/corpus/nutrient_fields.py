"""The tables of a nutrient record (schema v2, after the NIH ODS fact sheets), read with a problem per bad cell.

Each reader takes the record's :class:`kb.corpus.fields.Fields` and returns what is usable; every problem is recorded
as ``path:line: message`` against the line of the key or row at fault. Files still in the v1 format (``intake``,
food sources as plain names, ``excess`` as prose) get one problem each saying what to write instead.
"""

from __future__ import annotations

from typing import Any

from kb.corpus.fields import Fields, as_text, finite_number, scalar_text
from kb.model.lifestages import AGES_HELP, Band, coverage_problems, parse_ages
from kb.model.records import (
    BloodTest,
    BloodTests,
    Deficiency,
    Excess,
    FoodSource,
    IntakeRow,
    Intakes,
    Interaction,
    LimitRow,
    OtherLimit,
    UpperLimits,
)

INTAKE_MEASURES = ("RDA", "AI")
LIMIT_MEASURES = ("UL", "CDRR")
APPLIES_TO = ("all-sources", "supplements", "none-set")
#: A table, not a single food. Rows are only foods whose amount a cited source gives: a short table of checked
#: amounts is better than a long one padded with figures nobody confirmed (thiamine has 2 such rows).
MIN_FOODS = 2
#: No intake, limit or serving of any nutrient comes near these (in the unit's first word): a figure above one
#: is a typing slip (an extra zero, mcg written as mg) or garbage.
CEILINGS = {"g": 1_000.0, "mg": 100_000.0, "mcg": 100_000.0, "µg": 100_000.0, "μg": 100_000.0, "iu": 1_000_000.0}

V1_INTAKE = ("'intake' is the old format: write 'intakes: {measure: RDA, rows: [{ages: 0-6 months, measure: AI, "
             "male: ..., female: ...}, ...]}' and 'upper_limits: {measure: UL, applies_to: ..., note: ..., "
             "rows: [{ages: ..., amount: ...}]}' (see docs/corpus.md)")


def unit_ceiling(unit: str) -> float | None:
    """The plausible ceiling for amounts in ``unit`` ("mg", "mcg DFE", "mg NE"), or None for an unknown unit."""
    first = unit.split()[0].lower() if unit.split() else ""
    return CEILINGS.get(first)


class Tables:
    """Reads the v2 tables of one nutrient record; ``unit`` bounds every amount."""

    def __init__(self, f: Fields) -> None:
        self.f = f
        self.unit = ""
        self.ceiling: float | None = None

    # --- cells ----------------------------------------------------------------------------------------------
    def _text(self, data: dict[str, Any], key: str, where: str, line: int, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.f.problem(line, f"{where} needs a text {key!r}")
            return ""
        text = scalar_text(value)  # None for an integer too long to write as text (C2)
        if not text:
            self.f.problem(line, f"{where}: {key!r} must be non-empty text")
            return ""
        return " ".join(text.split()) if key not in ("text", "note", "shows") else text

    def _amount(self, value: object, where: str, line: int, positive: bool = False,
                ceiling: float | None = None) -> float | None:
        """A finite number >= 0 (> 0 with ``positive``) below the unit's ceiling, or None with a problem."""
        number = finite_number(value)
        if number is None or number < 0 or (positive and number == 0):
            kind = "a positive number" if positive else "a number (0 or more)"
            self.f.problem(line, f"{where} must be {kind} in {self.unit or 'the unit'}, not {_show(value)}")
            return None
        ceiling = ceiling if ceiling is not None else self.ceiling
        if ceiling is not None and number > ceiling:
            self.f.problem(line, f"{where} is {number:g} {self.unit}: above the plausible {ceiling:g} "
                                 "(check the unit and the zeros)")
            return None
        return number

    def _unknown(self, data: dict[str, Any], known: tuple[str, ...], where: str, *path: str | int) -> None:
        for key in data:
            if key not in known:
                # "intakes.per_day" for a mapping's key, "intakes row 2: unknown field 'x'" for a row's
                message = f"{where}: unknown field {key!r}" if where[-1:].isdigit() else \
                    f"unknown field '{where}.{key}'"
                self.f.problem(self.f.line(*path, key), message)

    def _mapping(self, key: str, required: bool = True) -> dict[str, Any] | None:
        if key not in self.f.data or self.f.data[key] is None:
            if required:
                self.f.problem(self.f.doc.first_line, f"missing required field {key!r}")
            return None
        value = self.f.data[key]
        if not isinstance(value, dict):
            self.f.problem(self.f.line(key), f"field {key!r} must be a mapping")
            return None
        return value

    def _rows(self, data: dict[str, Any], key: str, where: str, *path: str) -> list[tuple[int, dict[str, Any]]]:
        """The mapping rows of a list (index, row); a problem for the list or any row that is not a mapping."""
        rows = data.get(key)
        name = f"{where}.{key}" if where else key
        if not isinstance(rows, list) or not rows:
            self.f.problem(self.f.line(*path, key) if key in data else self.f.line(*path),
                           f"{name} must be a non-empty list of rows")
            return []
        out = []
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                self.f.problem(self.f.line(*path, key, i), f"{name} row {i + 1} must be a mapping")
                continue
            out.append((i, row))
        return out

    # --- unit and daily value ------------------------------------------------------------------------------
    def unit_and_daily_value(self) -> tuple[str, float]:
        self.unit = self.f.text("unit")
        if self.unit:
            self.ceiling = unit_ceiling(self.unit)
            if self.ceiling is None:
                self.f.problem(self.f.line("unit"), f"unit {self.unit!r} must start with g, mg, mcg or IU "
                                                    "(e.g. 'mg', 'mcg DFE', 'mg NE')")
        if "daily_value" not in self.f.data:
            self.f.problem(self.f.doc.first_line, "missing required field 'daily_value'")
            return self.unit, 0.0
        dv = self._amount(self.f.data["daily_value"], "daily_value", self.f.line("daily_value"), positive=True)
        return self.unit, dv or 0.0

    # --- intakes and limits --------------------------------------------------------------------------------
    def _ages(self, row: dict[str, Any], where: str, line: int) -> Band | None:
        band = parse_ages(row.get("ages"))
        if band is None:
            self.f.problem(line, f"{where}: ages {_show(row.get('ages'))} not understood ({AGES_HELP})")
        return band

    def intakes(self) -> Intakes:
        if "intake" in self.f.data:
            self.f.problem(self.f.line("intake"), V1_INTAKE)
            if "intakes" not in self.f.data:
                return Intakes("", ())
        data = self._mapping("intakes")
        if data is None:
            return Intakes("", ())
        default = data.get("measure")
        if default not in INTAKE_MEASURES:
            self.f.problem(self.f.line("intakes", "measure"),
                           f"intakes.measure must be one of {', '.join(INTAKE_MEASURES)}")
            default = ""
        note = self._text(data, "note", "intakes", self.f.line("intakes", "note"), required=False)
        self._unknown(data, ("measure", "rows", "note"), "intakes", "intakes")
        rows: list[IntakeRow] = []
        bands: list[tuple[str, Band, int]] = []
        ok = True
        pregnancy = lactation = False
        for i, row in self._rows(data, "rows", "intakes", "intakes"):
            line = self.f.line("intakes", "rows", i)
            where = f"intakes row {i + 1}"
            band = self._ages(row, where, line)
            measure = row.get("measure", default)
            if measure not in INTAKE_MEASURES:
                self.f.problem(self.f.line("intakes", "rows", i, "measure"),
                               f"{where}: measure must be one of {', '.join(INTAKE_MEASURES)}")
            values: dict[str, float | None] = {}
            for sex in ("male", "female"):
                if row.get(sex) is None:
                    self.f.problem(line, f"{where} needs '{sex}' (repeat the figure when both are the same)")
                    values[sex] = None
                else:
                    values[sex] = self._amount(row[sex], f"{where} {sex}", line, positive=True)
            for key in ("pregnancy", "lactation"):
                values[key] = (None if row.get(key) is None
                               else self._amount(row[key], f"{where} {key}", line, positive=True))
            pregnancy |= values["pregnancy"] is not None
            lactation |= values["lactation"] is not None
            self._unknown(row, ("ages", "measure", "male", "female", "pregnancy", "lactation"), where,
                          "intakes", "rows", i)
            if band is None or values["male"] is None or values["female"] is None:
                ok = False
                continue
            bands.append((str(row["ages"]).strip(), band, line))
            rows.append(IntakeRow(" ".join(str(row["ages"]).split()), as_text(measure), values["male"],
                                  values["female"], values["pregnancy"], values["lactation"]))
        if ok and bands:
            for line, message in coverage_problems(bands, "intakes"):
                self.f.problem(line, message)
        if rows and not pregnancy:
            self.f.problem(self.f.line("intakes", "rows"), "intakes: no row gives a 'pregnancy' figure "
                                                           "(add it to the 14-18 and adult rows)")
        if rows and not lactation:
            self.f.problem(self.f.line("intakes", "rows"), "intakes: no row gives a 'lactation' figure "
                                                           "(add it to the 14-18 and adult rows)")
        return Intakes(as_text(default), tuple(rows), note)

    def upper_limits(self) -> UpperLimits:
        empty = UpperLimits("", "", "", self.unit, ())
        if "intake" in self.f.data and "upper_limits" not in self.f.data:
            return empty  # the v1 problem says what to write
        data = self._mapping("upper_limits")
        if data is None:
            return empty
        measure = data.get("measure")
        if measure not in LIMIT_MEASURES:
            self.f.problem(self.f.line("upper_limits", "measure"),
                           f"upper_limits.measure must be one of {', '.join(LIMIT_MEASURES)}")
        applies = data.get("applies_to")
        if applies not in APPLIES_TO:
            self.f.problem(self.f.line("upper_limits", "applies_to"),
                           f"upper_limits.applies_to must be one of {', '.join(APPLIES_TO)}")
        note = self._text(data, "note", "upper_limits", self.f.line("upper_limits", "note"))
        unit = self.unit
        ceiling = self.ceiling
        if data.get("unit") is not None:
            unit = self._text(data, "unit", "upper_limits", self.f.line("upper_limits", "unit"))
            ceiling = unit_ceiling(unit) if unit else None
            if unit and ceiling is None:
                self.f.problem(self.f.line("upper_limits", "unit"),
                               f"upper_limits.unit {unit!r} must start with g, mg, mcg or IU")
        self._unknown(data, ("measure", "applies_to", "note", "unit", "rows", "other"), "upper_limits",
                      "upper_limits")
        rows: list[LimitRow] = []
        bands: list[tuple[str, Band, int]] = []
        ok = True
        row_items = self._rows(data, "rows", "upper_limits", "upper_limits") \
            if applies != "none-set" or "rows" in data else []
        saved = self.unit
        self.unit = unit
        for i, row in row_items:
            line = self.f.line("upper_limits", "rows", i)
            where = f"upper_limits row {i + 1}"
            band = self._ages(row, where, line)
            if "amount" not in row:
                self.f.problem(line, f"{where} needs 'amount' (null when no limit is established)")
                ok = False
            amounts: dict[str, float | None] = {}
            for key in ("amount", "pregnancy", "lactation"):
                value = row.get(key)
                amounts[key] = None if value is None else self._amount(value, f"{where} {key}", line,
                                                                       ceiling=ceiling)
                ok &= value is None or amounts[key] is not None
            self._unknown(row, ("ages", "amount", "pregnancy", "lactation"), where, "upper_limits", "rows", i)
            if band is None:
                ok = False
                continue
            bands.append((str(row["ages"]).strip(), band, line))
            rows.append(LimitRow(" ".join(str(row["ages"]).split()), amounts["amount"], amounts["pregnancy"],
                                 amounts["lactation"]))
        self.unit = saved
        if ok and bands:
            for line, message in coverage_problems(bands, "upper_limits"):
                self.f.problem(line, message)
        return UpperLimits(as_text(measure), as_text(applies), note, unit, tuple(rows), self._other(data))

    def _other(self, data: dict[str, Any]) -> tuple[OtherLimit, ...]:
        if data.get("other") is None:
            return ()
        out = []
        for i, row in self._rows(data, "other", "upper_limits", "upper_limits"):
            line = self.f.line("upper_limits", "other", i)
            where = f"upper_limits.other row {i + 1}"
            body = self._text(row, "body", where, line)
            text = self._text(row, "text", where, line)
            self._unknown(row, ("body", "text"), where, "upper_limits", "other", i)
            if body and text:
                out.append(OtherLimit(body, text))
        return tuple(out)

    # --- foods, tests, medicines ---------------------------------------------------------------------------
    def food_sources(self) -> tuple[FoodSource, ...]:
        value = self.f.data.get("food_sources")
        if "food_sources" not in self.f.data:
            self.f.problem(self.f.doc.first_line, "missing required field 'food_sources'")
            return ()
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            self.f.problem(self.f.line("food_sources"), "food_sources as plain names is the old format: write "
                           "rows like {food: \"Spinach, boiled\", serving: \"1/2 cup\", amount: 78} "
                           f"(amount in the record's unit; at least {MIN_FOODS} rows)")
            return ()
        out: list[FoodSource] = []
        rows = self._rows(self.f.data, "food_sources", "")
        for i, row in rows:
            line = self.f.line("food_sources", i)
            where = f"food_sources row {i + 1}"
            food = self._text(row, "food", where, line)
            serving = self._text(row, "serving", where, line)
            amount = None
            if row.get("amount") is None:
                self.f.problem(line, f"{where} needs 'amount' (in {self.unit or 'the unit'} per serving)")
            else:
                amount = self._amount(row["amount"], f"{where} amount", line)
            self._unknown(row, ("food", "serving", "amount"), where, "food_sources", i)
            if food and serving and amount is not None:
                out.append(FoodSource(food, serving, amount))
        if rows and len(rows) < MIN_FOODS:
            self.f.problem(self.f.line("food_sources"),
                           f"food_sources has {len(rows)} row{'s' if len(rows) != 1 else ''}: "
                           f"give at least {MIN_FOODS}, best sources first")
        return tuple(out)

    def blood_tests(self) -> BloodTests:
        data = self._mapping("blood_tests")
        if data is None:
            return BloodTests((), "")
        tests = []
        for i, row in self._rows(data, "tests", "blood_tests", "blood_tests"):
            line = self.f.line("blood_tests", "tests", i)
            where = f"blood_tests test {i + 1}"
            parts = [self._text(row, key, where, line) for key in ("name", "range", "shows")]
            self._unknown(row, ("name", "range", "shows"), where, "blood_tests", "tests", i)
            if all(parts):
                tests.append(BloodTest(*parts))
        note = self._text(data, "note", "blood_tests", self.f.line("blood_tests"))
        self._unknown(data, ("tests", "note"), "blood_tests", "blood_tests")
        return BloodTests(tuple(tests), note)

    def interactions(self) -> tuple[Interaction, ...]:
        if "interactions" not in self.f.data:
            self.f.problem(self.f.doc.first_line, "missing required field 'interactions'")
            return ()
        out = []
        for i, row in self._rows(self.f.data, "interactions", ""):
            line = self.f.line("interactions", i)
            where = f"interactions row {i + 1}"
            medicine = self._text(row, "medicine", where, line)
            effect = self._text(row, "effect", where, line)
            self._unknown(row, ("medicine", "effect"), where, "interactions", i)
            if medicine and effect:
                out.append(Interaction(medicine, effect))
        return tuple(out)

    # --- deficiency and excess -----------------------------------------------------------------------------
    def _signs(self, data: dict[str, Any], key: str) -> tuple[str, ...]:
        signs = data.get("signs")
        if not isinstance(signs, list) or not signs or not all(isinstance(s, str) and s.strip() for s in signs):
            self.f.problem(self.f.line(key, "signs"), f"{key}.signs must be a non-empty list of text")
            return ()
        return tuple(s.strip() for s in signs)

    def deficiency(self) -> Deficiency:
        data = self._mapping("deficiency")
        if data is None:
            return Deficiency("", ())
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            self.f.problem(self.f.line("deficiency", "name"), "deficiency.name must be its clinical name, as text")
            name = ""
        self._unknown(data, ("name", "signs"), "deficiency", "deficiency")
        return Deficiency(name.strip(), self._signs(data, "deficiency"))

    def excess(self) -> Excess:
        if isinstance(self.f.data.get("excess"), str):
            self.f.problem(self.f.line("excess"), "excess as prose is the old format: write "
                           "'excess: {name: ..., signs: [...], text: ...}' (name optional)")
            return Excess("", (), "")
        data = self._mapping("excess")
        if data is None:
            return Excess("", (), "")
        name = self._text(data, "name", "excess", self.f.line("excess", "name"), required=False)
        text = self._text(data, "text", "excess", self.f.line("excess"))
        self._unknown(data, ("name", "signs", "text"), "excess", "excess")
        return Excess(name, self._signs(data, "excess"), text)


def _show(value: object) -> str:
    """A bad value for a message, cut short (a 400-digit number must not fill the screen)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 60:
        return f"a {len(str(abs(value))) if value.bit_length() < 10_000 else 'huge'}-digit number"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
