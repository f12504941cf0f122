"""Cell values to typed columns — dates, amounts, flags — parsed once per distinct value, vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spiff_tui.core.text import TEXT, match_key

TRUE_FLAGS = frozenset({"true", "yes", "y", "1", "x", "✓", "✔", "checked"})
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}


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


def _spread(per_unique: pd.Series, codes: np.ndarray, fill) -> np.ndarray:
    out = per_unique.to_numpy()
    result = np.where(codes >= 0, out[np.maximum(codes, 0)] if len(out) else fill, fill)
    return result


def parse_dates(values: pd.Series, day_first: bool) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Calendar days of a column: (days, invalid, only_other_order), index-aligned with values.

    Accepts 2026-04-15[ 13:05], M/D/YYYY (or D/M/YYYY when day_first) with / . or -, two-digit
    years, and Excel serial day numbers. `only_other_order` marks values that are invalid as
    configured but would read in the other day/month order — the sign of a wrong day_first.
    """
    uniques, codes = _uniques(values)
    if uniques.empty:
        nothing = pd.Series(False, index=values.index)
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), nothing, nothing.copy()
    iso = uniques.str.extract(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
    numeric = uniques.str.extract(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:[ T,].*)?$")
    serial = pd.to_numeric(uniques.str.extract(r"^(\d{5}(?:\.\d+)?)$")[0], errors="coerce")

    first, second = pd.to_numeric(numeric[0]), pd.to_numeric(numeric[1])
    year = pd.to_numeric(numeric[2])
    year = year.where(year >= 100, year + 2000)
    month, day = (second, first) if day_first else (first, second)
    as_configured = _days(year, month, day)
    other_order = _days(year, day, month)
    iso_days = _days(pd.to_numeric(iso[0]), pd.to_numeric(iso[1]), pd.to_numeric(iso[2]))
    serial_days = EXCEL_EPOCH + pd.to_timedelta(np.floor(serial.where(serial.between(20000, 80000))), unit="D")

    days = iso_days.fillna(as_configured).fillna(serial_days)
    swapped = days.isna() & other_order.notna()
    result = pd.Series(_spread(days.astype("datetime64[ns]"), codes, np.datetime64("NaT")),
                       index=values.index, dtype="datetime64[ns]")
    blank = codes < 0
    invalid = pd.Series(~blank & result.isna().to_numpy(), index=values.index)
    only_other = pd.Series(_spread(swapped, codes, False).astype(bool), index=values.index)
    return result, invalid, only_other


def _days(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    parts = pd.DataFrame({"year": year, "month": month, "day": day})
    plausible = (parts.notna().all(axis=1) & parts["year"].between(1900, 2200)
                 & parts["month"].between(1, 12) & parts["day"].between(1, 31))
    days = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    if plausible.any():
        chosen = parts[plausible].astype("int64")
        days[plausible] = pd.to_datetime(chosen, errors="coerce")
    return days


def parse_amounts(values: pd.Series, decimal: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Amounts of a column: (amount, currency code or '', invalid), index-aligned with values.

    Reads 12500, 12,500.00, $12,500, USD 12,500.00, 12 500 EUR, (1,200.00) negative, -5,
    1.2E+05, and decimal commas when decimal=",". NaN and infinity are invalid.
    """
    uniques, codes = _uniques(values)
    if uniques.empty:
        return (pd.Series(np.nan, index=values.index), pd.Series("", index=values.index, dtype=object),
                pd.Series(False, index=values.index))
    text = uniques.str.replace("[\u00a0\u202f]", " ", regex=True).str.strip()
    negative = (text.str.match(r"^\(.*\)$") | text.str.match(r"^-") | text.str.match(r".*-$")).fillna(False)
    text = text.str.replace(r"^\(|\)$", "", regex=True).str.strip("- ")
    leading = text.str.slice(0, 3).where(text.str.match(r"^[A-Za-z]{3}"))
    trailing = text.str.slice(-3).where(text.str.match(r".*[A-Za-z]{3}$"))
    code = leading.fillna(trailing).str.upper()
    text = text.str.replace(r"^[A-Za-z]{3} *|[ \t]*[A-Za-z]{3}$", "", regex=True)
    symbol = text.str.slice(0, 1).map(CURRENCY_SYMBOLS)
    text = text.str.lstrip("$€£¥ ").str.strip("- ")
    thousands, point = (r"[. \t']", ",") if decimal == "," else (r"[, \t']", r"\.")
    grouped = rf"(\d{{1,3}}({thousands}\d{{3}})+|\d+)({point}\d*)?([eE][+-]?\d+)?|{point}\d+"
    well_formed = text.str.fullmatch(grouped).fillna(False).astype(bool)
    text = text.str.replace(thousands, "", regex=True)
    if decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    number = pd.to_numeric(text.where(well_formed), errors="coerce").astype("float64")
    number = number.where(np.isfinite(number))
    number = number.where(~negative.astype(bool), -number)
    currency = code.fillna(symbol).fillna("")

    amount = pd.Series(_spread(number, codes, np.nan).astype("float64"), index=values.index)
    codes_out = pd.Series(_spread(currency.astype(object), codes, ""), index=values.index, dtype=object)
    invalid = pd.Series((codes >= 0) & np.isnan(amount.to_numpy()), index=values.index)
    return amount, codes_out, invalid


def parse_flags(values: pd.Series) -> pd.Series:
    uniques, codes = _uniques(values)
    flags = uniques.map(lambda v: match_key(v) in TRUE_FLAGS).astype(bool)
    return pd.Series(_spread(flags, codes, False).astype(bool), index=values.index)
