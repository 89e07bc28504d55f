"""Data for Vensim models: GET XLS / GET DIRECT functions and the external data file (--data).

Files are read beside the model: ``.csv`` and ``.tab`` (Python's csv module), ``.xlsx``
(openpyxl) and ``.xls`` (xlrd). A file is read once per model. Cells are addressed as Vensim
does: a column letter or row number for the time axis, a cell such as ``B2`` for the first value.
Only scalar forms are read: one value (CONSTANTS) or one series (DATA, LOOKUPS).
"""
from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

from .errors import VensimError

_CELL = re.compile(r"^\s*([A-Za-z]{1,3})\s*(\d+)\s*$")
MAX_CELLS = 5_000_000


def _col(letters: str) -> int:
    n = 0
    for c in letters.upper():
        n = n * 26 + ord(c) - 64
    return n - 1


def _number(v):
    if v is None:
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    try:
        return float(str(v).strip())
    except ValueError:
        return None


class Source:
    """The files beside one model, and an optional external data file."""

    def __init__(self, folder: Path, file: str, external=None):
        self.folder = Path(folder)
        self.file = file
        self.external = Path(external) if external else None
        self.grids: dict = {}
        self._series: dict | None = None

    # ------------------------------------------------------------------ reading files
    def grid(self, name: str, sheet: str, d, b) -> list:
        """The cells of a file's sheet (or of a delimited text file) as rows of values."""
        path = self.folder / name
        cache = (str(path), sheet)
        if cache in self.grids:
            return self.grids[cache]
        where = b.where(d)
        if not path.is_file():
            raise VensimError(f"data file '{name}' not found beside the model", **where,
                              hint=f"looked for {path}")
        suffix = path.suffix.lower()
        try:
            if suffix in (".csv", ".tab", ".txt"):
                delim = "\t" if suffix == ".tab" or sheet in ("\\t", "tab") else (sheet if len(sheet) == 1 else ",")
                text = path.read_text(errors="replace")
                rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), delimiter=delim)]
            elif suffix == ".xlsx":
                import openpyxl
                wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
                ws = wb[sheet] if sheet in wb.sheetnames else None
                if ws is None:
                    raise VensimError(f"data file '{name}' has no sheet '{sheet}' (it has "
                                      f"{', '.join(wb.sheetnames)})", **where)
                rows = [list(r) for r in ws.iter_rows(values_only=True)]
            elif suffix == ".xls":
                import xlrd
                book = xlrd.open_workbook(str(path))
                if sheet not in book.sheet_names():
                    raise VensimError(f"data file '{name}' has no sheet '{sheet}' (it has "
                                      f"{', '.join(book.sheet_names())})", **where)
                ws = book.sheet_by_name(sheet)
                rows = [ws.row_values(i) for i in range(ws.nrows)]
            else:
                raise VensimError(f"data file '{name}': carbonloop reads .csv, .tab, .xlsx and .xls",
                                  **where)
        except VensimError:
            raise
        except Exception as exc:        # a corrupt file: the library's own words
            raise VensimError(f"data file '{name}' cannot be read: {exc}", **where) from None
        if sum(len(r) for r in rows) > MAX_CELLS:
            raise VensimError(f"data file '{name}' has more than {MAX_CELLS:,} cells", **where)
        self.grids[cache] = rows
        return rows

    @staticmethod
    def cell(rows, r: int, c: int):
        """The value at row ``r``, column ``c`` (0-based), None outside the sheet."""
        if r < 0 or r >= len(rows) or c < 0 or c >= len(rows[r]):
            return None
        v = rows[r][c]
        return None if v == "" else v

    def _address(self, text, d, b):
        m = _CELL.match(text)
        if not m:
            raise VensimError(f"'{text}' is not a cell address like B2", **b.where(d))
        return int(m.group(2)) - 1, _col(m.group(1))

    def _args(self, get, want, d, b):
        if len(get.args) != want:
            raise VensimError(f"{get.fn.upper()} takes {want} arguments, got {len(get.args)}", **b.where(d))
        return get.args

    # ------------------------------------------------------------------ GET functions
    def get_constant(self, get, d, b) -> float:
        """GET XLS / DIRECT CONSTANTS('file', 'sheet', 'cell'): one number."""
        name, sheet, where = self._args(get, 3, d, b)
        rows = self.grid(name, sheet, d, b)
        if "*" in where or ":" in where:
            raise VensimError(f"{get.fn.upper()} of a cell range gives an array (subscripts)",
                              **b.where(d))
        r, c = self._address(where.rstrip("*"), d, b)
        v = _number(self.cell(rows, r, c))
        if v is None:
            raise VensimError(f"cell {where} of '{name}' holds no number", **b.where(d))
        return v

    def get_data(self, get, d, b) -> tuple:
        """GET XLS / DIRECT DATA or LOOKUPS('file', 'sheet', time row or column, first cell): one
        series of (time, value) points, read down (time column letter) or across (row number)."""
        name, sheet, axis, first = self._args(get, 4, d, b)
        rows = self.grid(name, sheet, d, b)
        r, c = self._address(first, d, b)
        axis = axis.strip()
        points = []
        if axis.isdigit():                  # times in a row, values across
            tr = int(axis) - 1
            j = c
            while True:
                t = _number(self.cell(rows, tr, j))
                if t is None:
                    break
                v = _number(self.cell(rows, r, j))
                if v is not None:
                    points.append((t, v))
                j += 1
        elif re.fullmatch(r"[A-Za-z]{1,3}", axis):  # times in a column, values down
            tc = _col(axis)
            i = r
            while True:
                t = _number(self.cell(rows, i, tc))
                if t is None:
                    break
                v = _number(self.cell(rows, i, c))
                if v is not None:
                    points.append((t, v))
                i += 1
        else:
            raise VensimError(f"'{axis}' names neither a row (a number) nor a column (letters) of "
                              "times", **b.where(d))
        if not points:
            raise VensimError(f"no data found in '{name}' at {first} (times along {axis}); the file "
                              "does not have the shape the call describes", **b.where(d))
        return _strictly_increasing(points, d, b)

    # ------------------------------------------------------------------ --data FILE
    def series(self, name: str):
        """The points of a data variable in the external data file, or None."""
        if self.external is None:
            return None
        if self._series is None:
            self._series = read_series(self.external)
        return self._series.get(column_key(name))


def _strictly_increasing(points, d, b) -> tuple:
    out: list = []
    for t, v in points:
        if out and t <= out[-1][0]:
            raise VensimError(f"the data's times are not increasing ({out[-1][0]:g} then {t:g})",
                              **b.where(d))
        if not math.isfinite(v):
            continue
        out.append((float(t), float(v)))
    return tuple(out)


def read_series(path: Path) -> dict:
    """The columns of an external data file (.csv or .tab; times in the first column, or in the
    first row when variables are in rows), as {name key: ((time, value), ...)}."""
    from ..files import read_bytes
    data = read_bytes(path)
    text = data.decode("utf-8-sig", errors="replace")
    delim = "\t" if path.suffix.lower() == ".tab" or ("\t" in text and "," not in text) else ","
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), delimiter=delim) if r]
    if not rows:
        raise VensimError("the data file is empty", file=str(path))
    if rows[0][0].lower() != "time" and any(r and r[0].lower() == "time" for r in rows):
        rows = [list(c) for c in zip(*rows)]
    if rows[0][0].lower() != "time":
        raise VensimError("the data file's first column (or row) must be 'Time'", file=str(path))
    out = {}
    for j, head in enumerate(rows[0][1:], start=1):
        pts = []
        for r in rows[1:]:
            t = _number(r[0]) if r else None
            v = _number(r[j]) if j < len(r) else None
            if t is not None and v is not None:
                pts.append((t, v))
        if pts:
            out[column_key(head)] = tuple(sorted(pts))
    return out


def column_key(name: str) -> str:
    """The comparison key of a data column's name: a Vensim name, or a name and its elements
    (``Var 3dim[A, d,B]`` and ``var_3dim[a,D,b]`` alike)."""
    from .names import key
    m = re.match(r"^(.*?)\[(.*)\]\s*$", name, re.S)
    if not m:
        return key(name)
    return f"{key(m.group(1))}[{','.join(key(s) for s in m.group(2).split(','))}]"


def steps(points: tuple, keyword: str) -> tuple:
    """A data series as the lookup its keyword reads: :INTERPOLATE: (the default) as it is;
    :HOLD BACKWARD: each value held until the next time; :LOOK FORWARD: each value from just after
    the time before it. A jump is a rise over a billionth of the interval between two data times,
    so at every time of a run the table gives the held value exactly."""
    if keyword not in ("hold backward", "look forward") or len(points) < 2:
        return points
    out = [points[0]]
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        eps = (t1 - t0) * 1e-9
        out += [(t1 - eps, v0), (t1, v1)] if keyword == "hold backward" else [(t0 + eps, v1), (t1, v1)]
    return tuple(out)
