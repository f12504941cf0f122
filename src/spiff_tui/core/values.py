"""Cell values to typed columns — dates, amounts, flags — parsed once per distinct value, vectorised."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spiff_tui.core import text as text_module
from spiff_tui.core.text import TEXT, match_key

TRUE_FLAGS = frozenset({"true", "yes", "y", "1", "x", "✓", "✔", "checked"})
FALSE_FLAGS = frozenset({"false", "no", "n", "0", "-", "✗", "✘", "unchecked", "none"})
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
# Joins the currency written with an amount and a disagreeing currency column's ('USD≠GBP').
CONFLICT = "≠"


def _uniques(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The distinct non-blank texts of a column, and each row's index into them (-1 for blank)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        distinct = pd.Series(values.cat.categories, dtype=TEXT).str.strip()
        blank = (distinct == "").to_numpy(dtype=bool)
        codes = values.cat.codes.to_numpy().astype(np.int64)
        codes = np.where((codes < 0) | blank[np.maximum(codes, 0)], -1, codes)
        return distinct.reset_index(drop=True), codes
    text = values.astype(TEXT).str.strip()
    codes, uniques = pd.factorize(text.mask(text == ""), use_na_sentinel=True)
    return pd.Series(uniques, dtype=TEXT), codes


def _spread(per_unique: pd.Series | np.ndarray, codes: np.ndarray, fill) -> np.ndarray:
    out = np.asarray(per_unique)
    result = np.where(codes >= 0, out[np.maximum(codes, 0)] if len(out) else fill, fill)
    return result


# A time of day after the date is read past (only the day counts); anything else makes the value
# no date: '4/10/2026 garbage' or a 25th hour is not a day a rep can be credited for.
_CLOCK = (r"(?:[ T]|, ?)(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?"
          r"(?: ?[AaPp]\.?[Mm]\.?)?(?: ?(?:Z|[+-]\d{2}(?::?\d{2})?|[A-Z]{2,5}))?")
_TIME = f"(?:{_CLOCK})?"
_ISO_DAY, _NUMERIC_DAY = r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})"
_ISO_DATE = re.compile(_ISO_DAY + _TIME, re.ASCII)
_NUMERIC_DATE = re.compile(_NUMERIC_DAY + _TIME, re.ASCII)
# A date and a time of day, for Arrow's RE2 (whose \d is ASCII too): the day then depends on the
# date part alone, so date-times (every one distinct: a million for a million activities) are read
# once per day they name.
_DAY_AND_CLOCK = (f"^(?P<day>{_ISO_DAY.replace('(', '(?:')}|{_NUMERIC_DAY.replace('(', '(?:')}){_CLOCK}$")
_SERIAL_DATE = re.compile(r"\d{5}(?:\.\d+)?", re.ASCII)
_EPOCH_DAY = EXCEL_EPOCH.date()


def _calendar_day(year: int, month: int, day: int) -> dt.date | None:
    if not (1900 <= year <= 2200 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:   # 30 February and the like
        return None


def _read_day(text: str, day_first: bool) -> tuple[dt.date | None, bool]:
    """(the day, whether it only reads in the other day/month order) for one trimmed text."""
    iso = _ISO_DATE.fullmatch(text)
    if iso:
        day = _calendar_day(int(iso[1]), int(iso[2]), int(iso[3]))
        if day is not None:
            return day, False
    numeric = _NUMERIC_DATE.fullmatch(text)
    other = None
    if numeric:
        first, second = int(numeric[1]), int(numeric[2])
        # Two digits are this century's year; four are the year as written ('0026' is no contest year).
        year = int(numeric[3]) + (2000 if len(numeric[3]) == 2 else 0)
        month, day_of_month = (second, first) if day_first else (first, second)
        day = _calendar_day(year, month, day_of_month)
        if day is not None:
            return day, False
        other = _calendar_day(year, day_of_month, month)
    if _SERIAL_DATE.fullmatch(text):
        serial = float(text)
        if 20000 <= serial <= 80000:
            return _EPOCH_DAY + dt.timedelta(days=int(serial)), False
    return None, other is not None


def parse_dates(values: pd.Series, day_first: bool) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Calendar days of a column: (days, invalid, only_other_order), index-aligned with values.

    Accepts 2026-04-15[ 13:05], M/D/YYYY (or D/M/YYYY when day_first) with / . or -, two-digit
    years, and Excel serial day numbers. `only_other_order` marks values that are invalid as
    configured but would read in the other day/month order — the sign of a wrong day_first.
    Each distinct text is read once, in Python: a column holds few distinct days. Date-times
    (each one distinct) are read once per day they name.
    """
    uniques, codes = _uniques(values)
    days, swapped = _read_days(uniques, day_first)
    days = days.astype("datetime64[ns]")
    result = pd.Series(_spread(days, codes, np.datetime64("NaT", "ns")), index=values.index, dtype="datetime64[ns]")
    invalid = pd.Series((codes >= 0) & result.isna().to_numpy(), index=values.index)
    only_other = pd.Series(_spread(swapped, codes, False).astype(bool), index=values.index)
    return result, invalid, only_other


def _read_days(uniques: pd.Series, day_first: bool) -> tuple[np.ndarray, np.ndarray]:
    """(day, only in the other order) of each distinct text, as _read_day reads it: those that are a
    date and a time of day by their date part, found by Arrow, so each day is read once."""
    if len(uniques) <= text_module.PYTHON_ONLY_UP_TO:   # read at call time: tests change it
        return _as_arrays([_read_day(text, day_first) for text in uniques.tolist()])
    texts = pa.array(uniques.array)
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    # struct_field, not .field(): a text that does not match is null in the struct, not in its child.
    day_part = pc.struct_field(pc.extract_regex(texts, _DAY_AND_CLOCK), "day").dictionary_encode()
    days, swapped = _as_arrays([_read_day(part, day_first) for part in day_part.dictionary.to_pylist()])
    at = day_part.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    days, swapped = np.append(days, np.datetime64("NaT", "D"))[at], np.append(swapped, False)[at]
    rest = np.flatnonzero(at < 0)   # no time of day, or not a date at all: a few distinct texts
    days[rest], swapped[rest] = _as_arrays([_read_day(text, day_first) for text in uniques.iloc[rest].tolist()])
    return days, swapped


def _as_arrays(read: list[tuple[dt.date | None, bool]]) -> tuple[np.ndarray, np.ndarray]:
    days = np.array([np.datetime64(day, "D") if day else np.datetime64("NaT") for day, _ in read] or [],
                    dtype="datetime64[D]")
    return days, np.array([other for _, other in read], dtype=bool)


def parse_amounts(values: pd.Series, decimal: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Amounts of a column: (amount, currency code or '', invalid), index-aligned with values.

    Reads 12500, 12,500.00, $12,500, USD 12,500.00, 12 500 EUR, (1,200.00) negative, -5, +5,
    1.2E+05, and decimal commas when decimal=",". NaN and infinity are invalid.
    """
    uniques, codes = _uniques(values)
    if uniques.empty:
        return (pd.Series(np.nan, index=values.index), pd.Series("", index=values.index, dtype=object),
                pd.Series(False, index=values.index))
    number, currency = _amount_texts(uniques, decimal)
    amount = pd.Series(_spread(number, codes, np.nan).astype("float64"), index=values.index)
    codes_out = pd.Series(_spread(currency.astype(object), codes, ""), index=values.index, dtype=object)
    invalid = pd.Series((codes >= 0) & np.isnan(amount.to_numpy()), index=values.index)
    return amount, codes_out, invalid


# What most exports hold: digits, grouped or not, a decimal part, maybe a currency symbol first.
# [0-9], not \d: \d also takes other scripts' digits (١٢٥٠٠, full-width １２５００), which Arrow's
# cast refuses; amounts written so are reported as not amounts, as such dates are not dates.
_DIGITS = {".": r"([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?", ",": r"([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]+)?"}
_SIMPLE_AMOUNT = {decimal: "[$€£¥]?" + digits for decimal, digits in _DIGITS.items()}
# Two more forms Salesforce writes: a currency code before the digits ('USD 12,500.00'), and a
# negative amount in parentheses ('(1,200.00)', '($5)').
_CODED_AMOUNT = {decimal: "[A-Za-z]{3} +" + digits for decimal, digits in _DIGITS.items()}
_BRACKETED_AMOUNT = {decimal: r"\(" + simple + r"\)" for decimal, simple in _SIMPLE_AMOUNT.items()}


def _amount_texts(uniques: pd.Series, decimal: str) -> tuple[pd.Series, pd.Series]:
    """(amount, currency) per distinct text: the common forms by a few vectorised steps each, the
    rest by the full reading below (whose fixed cost, some thirty steps, a small export feels)."""
    number = pd.Series(np.nan, index=uniques.index)
    currency = pd.Series("", index=uniques.index, dtype=object)
    rest = np.ones(len(uniques), dtype=bool)
    for form in (_SIMPLE_AMOUNT, _CODED_AMOUNT, _BRACKETED_AMOUNT):
        hit = rest & uniques.str.fullmatch(form[decimal]).fillna(False).to_numpy(dtype=bool)
        if not hit.any():
            continue
        texts = pa.array(uniques[hit], pa.string())
        if form is _CODED_AMOUNT:
            values, codes = _plain_amounts(pc.utf8_ltrim(pc.utf8_slice_codeunits(texts, 3), " "), decimal)
            codes = pc.utf8_upper(pc.utf8_slice_codeunits(texts, 0, 3)).to_numpy(zero_copy_only=False)
        elif form is _BRACKETED_AMOUNT:
            values, codes = _plain_amounts(pc.utf8_slice_codeunits(texts, 1, -1), decimal)
            values = -values
        else:
            values, codes = _plain_amounts(texts, decimal)
        number[hit], currency[hit] = values, codes
        rest &= ~hit
    if rest.any():
        rest_number, rest_currency = _full_amount_texts(uniques[rest], decimal)
        number[rest] = rest_number.to_numpy()
        currency[rest] = rest_currency.to_numpy(dtype=object)
    return number.where(np.isfinite(number)), currency


def _plain_amounts(plain, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """(amount, currency code or '') of texts of the simple form: digits, maybe a symbol first."""
    digits = pc.replace_substring(pc.utf8_ltrim(plain, "".join(CURRENCY_SYMBOLS)), "," if decimal == "." else ".", "")
    if decimal == ",":
        digits = pc.replace_substring(digits, ",", ".")
    first = pc.utf8_slice_codeunits(plain, 0, 1)
    codes = np.full(len(plain), "", dtype=object)
    for symbol, code in CURRENCY_SYMBOLS.items():   # a test per symbol, not a lookup per value
        codes[pc.equal(first, symbol).to_numpy(zero_copy_only=False)] = code
    return pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False), codes


def _full_amount_texts(uniques: pd.Series, decimal: str) -> tuple[pd.Series, pd.Series]:
    text = uniques.str.replace("[\u00a0\u202f]", " ", regex=True).str.strip()
    if text.str.startswith("+").any():   # the look-ahead below runs in Python, one value at a time
        text = text.str.replace(r"^\+ *(?=[0-9$€£¥.,A-Za-z])", "", regex=True)   # an explicit plus sign
    negative = (text.str.match(r"^\(.*\)$") | text.str.match(r"^-") | text.str.match(r".*-$")).fillna(False)
    # Only a pair of brackets makes a negative: '(5' or '5)' is a cut-off value, not an amount.
    text = text.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.strip("- ")
    leading = text.str.slice(0, 3).where(text.str.match(r"^[A-Za-z]{3}"))
    trailing = text.str.slice(-3).where(text.str.match(r".*[A-Za-z]{3}$"))
    code = leading.fillna(trailing).str.upper()
    text = text.str.replace(r"^[A-Za-z]{3} *|[ \t]*[A-Za-z]{3}$", "", regex=True)
    symbol = text.str.slice(0, 1).map(CURRENCY_SYMBOLS)
    text = text.str.lstrip("$€£¥ ")
    # The sign may also follow the currency: '$-6,500', 'USD -6,500.00'.
    negative = negative | text.str.startswith("-").fillna(False)
    text = text.str.strip("- ")
    thousands, point = (r"[. \t']", ",") if decimal == "," else (r"[, \t']", r"\.")
    grouped = rf"([0-9]{{1,3}}({thousands}[0-9]{{3}})+|[0-9]+)({point}[0-9]*)?([eE][+-]?[0-9]+)?|{point}[0-9]+"
    well_formed = text.str.fullmatch(grouped).fillna(False).astype(bool)
    text = text.str.replace(thousands, "", regex=True)
    if decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    number = _as_numbers(text.where(well_formed))
    number = number.where(np.isfinite(number))
    number = number.where(~negative.astype(bool), -number)
    return number, code.fillna(symbol).fillna("")


def _as_numbers(text: pd.Series) -> pd.Series:
    """Well-formed number texts (or NA) as floats: by Arrow's cast, many times quicker than
    to_numeric, which is left for any text the cast does not take."""
    try:
        return pd.Series(pc.cast(pa.array(text, pa.string()), pa.float64()).to_numpy(zero_copy_only=False),
                         index=text.index)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_numeric(text, errors="coerce").astype("float64")


def parse_flags(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(flag, unclear) per row: true for a yes-like value; unclear for a value that reads as
    neither yes nor no (blank is no), which counts as no."""
    uniques, codes = _uniques(values)
    keys = uniques.map(match_key)
    flags = keys.isin(TRUE_FLAGS).to_numpy(dtype=bool)
    unclear = (~keys.isin(TRUE_FLAGS | FALSE_FLAGS)).to_numpy(dtype=bool)
    return (pd.Series(_spread(flags, codes, False).astype(bool), index=values.index),
            pd.Series(_spread(unclear, codes, False).astype(bool), index=values.index))
