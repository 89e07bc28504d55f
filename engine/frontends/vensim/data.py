"""Data for Vensim models: GET XLS / GET DIRECT functions and the external data file (--data).

Files are read beside the model: ``.csv`` and ``.tab`` (Python's csv module), ``.xlsx``
(openpyxl) and ``.xls`` (xlrd). A file is read once per model. Cells are addressed as Vensim
does: a column letter or row number for the time axis, a cell such as ``B2`` for the first value,
or (in ``.xlsx``) the name of a cell range, the sheet's own names before the workbook's.

A GET function on an arrayed left-hand side reads a block, as Vensim lays it out:
- CONSTANTS: the left-hand side's subscripts that name more than one element make a table of at
  most two dimensions, the first down the rows and the second across the columns (one dimension:
  across a row); a cell or name ending in ``*`` reads the table transposed (one dimension: down a
  column). Cells follow the left-hand side's elements in row-major order.
- DATA and LOOKUPS: one series per element (row-major over every subscript), each in the row
  below the previous one when the times run along a row, in the next column when they run down a
  column; with cell-range names, the data range holds one series per row or column, as its
  times' range lies.
Missing values are left out of a series (the series interpolates, or holds, across them); a
time that is missing or not a number leaves its column (or row) out.
"""
from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

from .errors import VensimError

_CELL = re.compile(r"^\s*([A-Za-z]{1,3})\s*(\d+)\s*$")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")
MAX_CELLS = 5_000_000


def _col(letters: str) -> int:
    n = 0
    for c in letters.upper():
        n = n * 26 + ord(c) - 64
    return n - 1


def _number(v):
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(str(v).strip())
    except ValueError:
        return None


def _label(v) -> str:
    """A cell's text as a subscript element name (2.0 -> '2')."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


class Source:
    """The files beside one model, and an optional external data file."""

    def __init__(self, folder: Path, file: str, external=None, tags=None):
        self.folder = Path(folder)
        self.file = file
        self.external = Path(external) if external else None
        self.tags: dict = dict(tags or {})     # '?tag' (lower case) -> the file it stands for
        self.grids: dict = {}
        self.range_names: dict = {}     # (path, sheet) -> {name: (sheet, reference)}
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
        names: dict = {}
        try:
            if suffix in (".csv", ".tab", ".txt"):
                delim = "\t" if suffix == ".tab" or sheet in ("\\t", "tab") else (sheet if len(sheet) == 1 else ",")
                text = path.read_text(errors="replace")
                rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), delimiter=delim)]
            elif suffix == ".xlsx":
                import openpyxl
                wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
                found = [s for s in wb.sheetnames if s.lower() == sheet.lower()]
                if not found:
                    raise VensimError(f"data file '{name}' has no sheet '{sheet}' (it has "
                                      f"{', '.join(wb.sheetnames)})", **where)
                ws = wb[found[0]]
                rows = [list(r) for r in ws.iter_rows(values_only=True)]
                for scope in (wb.defined_names, getattr(ws, "defined_names", {})):   # the sheet's own last
                    for label, dn in scope.items():
                        dest = list(dn.destinations)
                        if len(dest) == 1:
                            names[label.lower()] = dest[0]
            elif suffix == ".xls":
                import xlrd
                book = xlrd.open_workbook(str(path))
                found = [s for s in book.sheet_names() if s.lower() == sheet.lower()]
                if not found:
                    raise VensimError(f"data file '{name}' has no sheet '{sheet}' (it has "
                                      f"{', '.join(book.sheet_names())})", **where)
                ws = book.sheet_by_name(found[0])
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
        self.range_names[cache] = names
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

    def _rect(self, name: str, sheet: str, text: str, d, b):
        """(first row, first column, rows, columns) of a cell address (one cell: None for its
        size) or of a named cell range of the sheet."""
        m = _CELL.match(text)
        if m:
            return int(m.group(2)) - 1, _col(m.group(1)), None, None
        self.grid(name, sheet, d, b)
        dest = self.range_names.get((str(self.folder / name), sheet), {}).get(text.strip().lower())
        if dest is None:
            raise VensimError(f"'{text}' is neither a cell address like B2 nor a named cell range of "
                              f"sheet '{sheet}' of '{name}'", **b.where(d),
                              hint="named cell ranges are read from .xlsx files")
        where_sheet, ref = dest
        ref_m = _REF.match(ref.replace("'", ""))
        if where_sheet.lower() != sheet.lower() or not ref_m:
            raise VensimError(f"the cell range '{text}' of '{name}' is '{where_sheet}!{ref}', not a block "
                              f"of sheet '{sheet}'", **b.where(d))
        c0, r0 = _col(ref_m.group(1)), int(ref_m.group(2)) - 1
        c1, r1 = (_col(ref_m.group(3)), int(ref_m.group(4)) - 1) if ref_m.group(3) else (c0, r0)
        return r0, c0, r1 - r0 + 1, c1 - c0 + 1

    def _args(self, get, want, d, b):
        if len(get.args) != want:
            raise VensimError(f"{get.fn.upper()} takes {want} arguments, got {len(get.args)}", **b.where(d))
        return (self._file_of(get.args[0], d, b), *get.args[1:])

    def _file_of(self, name: str, d, b) -> str:
        """The file a GET call names: a tag ``'?name'`` stands for the file the model's settings
        give it (a line ``30:?name=file.xlsx`` after the sketch)."""
        if not name.startswith("?"):
            return name
        found = self.tags.get(name.lower())
        if found is None:
            known = ", ".join(f"'{t}'" for t in self.tags) or "none"
            raise VensimError(f"the data file tag '{name}' is not given a file by the model's settings "
                              f"(the tags they give: {known})", **b.where(d),
                              hint=f"Vensim names the file of a tag in the settings after the sketch, a line "
                                   f"'30:{name}=file.xlsx'; or write the file's name in place of '{name}'")
        return found

    # ------------------------------------------------------------------ GET functions
    def constants(self, get, sizes: list, d, b) -> list:
        """GET XLS / DIRECT CONSTANTS('file', 'sheet', 'cell'): the numbers of a left-hand side
        whose subscripts name ``sizes`` elements each, row-major (one number for a scalar)."""
        name, sheet, where = self._args(get, 3, d, b)
        rows = self.grid(name, sheet, d, b)
        text = where.strip()
        transpose = text.endswith("*")
        text = text.rstrip("*").strip()
        table = [n for n in sizes if n > 1]
        if len(table) > 2:
            raise VensimError(f"{get.fn.upper()} reads a table of at most two dimensions; the left-hand "
                              f"side names {len(table)} subscripts of more than one element",
                              **b.where(d), hint="define the variable in blocks of at most two ranges")
        shape = [1] * (2 - len(table)) + table
        if transpose:
            shape.reverse()
        r0, c0, nr, nc = self._rect(name, sheet, text, d, b)
        if nr is not None and (nr, nc) != tuple(shape):
            raise VensimError(f"the cell range '{text}' of '{name}' is {nr} x {nc} cells; the left-hand "
                              f"side needs {shape[0]} x {shape[1]}", **b.where(d))
        out: list = []
        for i in range(shape[0]):
            out.append([])
            for j in range(shape[1]):
                v = _number(self.cell(rows, r0 + i, c0 + j))
                if v is None:
                    raise VensimError(f"cell {_cell_name(r0 + i, c0 + j)} of '{name}' holds no number "
                                      f"(read from {where})", **b.where(d))
                out[-1].append(v)
        if transpose:
            out = [list(col) for col in zip(*out)]
        return [v for row in out for v in row]

    def data(self, get, n: int, d, b) -> list:
        """GET XLS / DIRECT DATA or LOOKUPS('file', 'sheet', times, first cell): ``n`` series of
        (time, value) points, read as the module's docstring says."""
        name, sheet, axis, first = self._args(get, 4, d, b)
        rows = self.grid(name, sheet, d, b)
        axis = axis.strip()
        if axis.isdigit():                  # times in a row, each series in a row below
            r, c = self._address(first, d, b)
            tr = int(axis) - 1
            width = max((len(rows[i]) for i in (tr, *range(r, r + n)) if 0 <= i < len(rows)), default=0)
            times = [(j, _number(self.cell(rows, tr, j))) for j in range(c, width)]
            series = [[self.cell(rows, r + k, j) for j, _ in times] for k in range(n)]
        elif _CELL.match(first):            # times in a column, each series in a column to the right
            if not re.fullmatch(r"[A-Za-z]{1,3}", axis):
                raise VensimError(f"'{axis}' names neither a row (a number) nor a column (letters) of "
                                  "times", **b.where(d))
            r, c = self._address(first, d, b)
            tc = _col(axis)
            times = [(i, _number(self.cell(rows, i, tc))) for i in range(r, len(rows))]
            series = [[self.cell(rows, i, c + k) for i, _ in times] for k in range(n)]
        else:                               # named ranges: a vector of times, a block of series
            tr0, tc0, tnr, tnc = self._rect(name, sheet, axis, d, b)
            r0, c0, nr, nc = self._rect(name, sheet, first, d, b)
            if tnr is None or nr is None or (tnr > 1 and tnc > 1):
                raise VensimError(f"the times '{axis}' must be a named row or column of cells, and the "
                                  f"data '{first}' a named block", **b.where(d))
            across = tnr == 1 and tnc > 1    # times along a row: series in rows
            length = tnc if across else tnr
            if (nc if across else nr) != length or (nr if across else nc) != n:
                raise VensimError(f"the cell range '{first}' of '{name}' is {nr} x {nc} cells; {length} "
                                  f"times and {n} series need {n if across else length} x "
                                  f"{length if across else n}", **b.where(d))
            if across:
                times = [(j, _number(self.cell(rows, tr0, tc0 + j))) for j in range(length)]
                series = [[self.cell(rows, r0 + k, c0 + j) for j in range(length)] for k in range(n)]
            else:
                times = [(i, _number(self.cell(rows, tr0 + i, tc0))) for i in range(length)]
                series = [[self.cell(rows, r0 + i, c0 + k) for i in range(length)] for k in range(n)]
        out = []
        for k, values in enumerate(series):
            points = [(t, _number(v)) for (_, t), v in zip(times, values) if t is not None]
            points = [(t, v) for t, v in points if v is not None]
            if not points:
                raise VensimError(f"no data found in '{name}' at {first} (times along {axis})"
                                  + (f", series {k + 1} of {n}" if n > 1 else "") + "; the file does not "
                                  "have the shape the call describes", **b.where(d))
            out.append(_strictly_increasing(points, d, b))
        return out

    def subscript(self, get, d, b) -> list:
        """GET XLS / DIRECT SUBSCRIPT('file', 'sheet', first cell, last cell or row or column,
        prefix): the element names in the cells (row by row), each after the prefix."""
        name, sheet, first, last, prefix = self._args(get, 5, d, b)
        rows = self.grid(name, sheet, d, b)
        r0, c0, nr, nc = self._rect(name, sheet, first, d, b)
        if nr is not None:
            r1, c1 = r0 + nr - 1, c0 + nc - 1
        else:
            last = last.strip()
            m = _CELL.match(last)
            if m:
                r1, c1 = int(m.group(2)) - 1, _col(m.group(1))
            elif last.isdigit():
                r1, c1 = int(last) - 1, max((len(r) for r in rows), default=0) - 1
            elif re.fullmatch(r"[A-Za-z]{1,3}", last):
                r1, c1 = len(rows) - 1, _col(last)
            elif not last:
                r1, c1 = len(rows) - 1, max((len(r) for r in rows), default=0) - 1
            else:
                raise VensimError(f"'{last}' is not a cell, a row or a column", **b.where(d))
        out = [prefix + _label(v) for i in range(r0, r1 + 1) for j in range(c0, c1 + 1)
               if (v := self.cell(rows, i, j)) is not None and not (isinstance(v, float) and math.isnan(v))]
        if not out:
            raise VensimError(f"no subscript elements in '{name}' from {first} to {last}", **b.where(d))
        return out

    # ------------------------------------------------------------------ --data FILE
    def series(self, name: str):
        """The points of a data variable in the external data file, or None."""
        if self.external is None:
            return None
        if self._series is None:
            self._series = read_series(self.external)
        return self._series.get(column_key(name))


def _cell_name(r: int, c: int) -> str:
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{r + 1}"


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
