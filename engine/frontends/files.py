"""Reading an input file's bytes, as every front end does: missing files, folders, sizes and
binary content refused with a message naming the file, before anything is parsed."""
from __future__ import annotations

from pathlib import Path

from ..errors import ModelError

MAX_FILE_BYTES = 50 * 2 ** 20        # a model or spec file larger than this is refused
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a model, scenario or spec file (at most ``MAX_FILE_BYTES``)."""
    p = Path(path)
    try:
        if p.is_dir():
            raise ModelError("is a folder, not a file", file=str(path))
        if p.stat().st_size > MAX_FILE_BYTES:
            raise ModelError(f"the file is larger than {MAX_FILE_BYTES // 2 ** 20} MB", file=str(path))
        return p.read_bytes()
    except FileNotFoundError:
        raise ModelError("file not found", file=str(path)) from None
    except OSError as exc:
        raise ModelError(f"cannot read the file: {exc.strerror}", file=str(path)) from None


def refuse_binary(data: bytes, path: str | Path, text_is_utf16_ok: bool = False) -> None:
    """Refuse content that is not text (NUL bytes near the start), naming the file; UTF-16 text
    (a byte-order mark) passes when the format allows it, else it is named as such."""
    if data[:2] in UTF16_MARKS:
        if text_is_utf16_ok:
            return
        raise ModelError("the file is UTF-16 text, not UTF-8", file=str(path), hint="save it as UTF-8")
    if b"\x00" in data[:8192]:
        raise ModelError("this is a binary file, not a text file", file=str(path),
                         hint="give a YAML (.yaml) or XMILE (.xmile, .stmx) model")
