"""Reading the XML itself: namespaces, the root check, small accessors."""
from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

from ...errors import ModelWarning
from ..files import read_bytes, refuse_binary
from .errors import XmileError
from .repair import escape_ampersands, repair

NAMESPACES = {
    "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0": "OASIS XMILE 1.0",
    "http://www.systemdynamics.org/XMILE": "pre-OASIS XMILE (Stella 10 .stmx)",
}


def local(tag) -> str:
    """A tag without its namespace ('{ns}stock' -> 'stock'); comments give ''."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    """The namespace of a tag ('' when it has none)."""
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def child(el, name):
    """The first child element named ``name`` (namespaces ignored), or None."""
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def children(el, name):
    """Every child element named ``name`` (namespaces ignored)."""
    return [c for c in el if local(c.tag) == name]


def text_of(el) -> str:
    """An element's text without surrounding space ('' for None)."""
    return (el.text or "").strip() if el is not None else ""


_PREFIX = re.compile(rb"</?([A-Za-z_][\w.-]*):[A-Za-z_]|\s([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*=")


def _declare_prefixes(data: bytes) -> bytes:
    """Declare namespace prefixes a file uses but never declares (xmutil writes 'isee:' bare)."""
    used = {m.group(1) or m.group(2) for m in _PREFIX.finditer(data)} - {b"xml", b"xmlns"}
    missing = [p for p in used if b"xmlns:" + p + b"=" not in data]
    if not missing:
        return data
    m = re.search(rb"<xmile\b", data)
    if not m:
        return data
    decl = b"".join(b' xmlns:' + p + b'="urn:undeclared:' + p + b'"' for p in sorted(missing))
    return data[:m.end()] + decl + data[m.end():]


def _repaired(data: bytes, path: Path, error: ET.ParseError):
    """The root of a file whose only defect is an element left unclosed (read with a warning, as
    Stella and PySD read it); the parser's error otherwise."""
    fixed = repair(data) if "mismatched tag" in str(error) or "no element found" in str(error) else None
    if fixed is None and "invalid token" in str(error):
        fixed = escape_ampersands(data)
    if fixed is not None:
        try:
            root = ET.fromstring(fixed[0])
        except (ET.ParseError, LookupError):
            root = None
        if root is not None:
            notes = fixed[1]
            more = f" (and {len(notes) - 3} more)" if len(notes) > 3 else ""
            warnings.warn(f"{path}: the XML is not well-formed; read as other XMILE tools read it, after "
                          + "; ".join(notes[:3]) + more, ModelWarning, stacklevel=4)
            return root
    raise XmileError(f"not an XML file ({error})", file=str(path),
                     hint="XMILE models are XML files (.xmile, .stmx)") from None


def read_root(path: Path):
    """The <xmile> root element of a file, or a clear error for non-XML or non-XMILE input."""
    data = read_bytes(path)
    refuse_binary(data, path, text_is_utf16_ok=True)       # XML declares its own encoding
    data = _declare_prefixes(data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        root = _repaired(data, path, e)
    except LookupError as e:        # the XML declaration names an encoding Python does not know
        raise XmileError(f"the file declares an encoding that is not known ({e})", file=str(path),
                         hint="save it as UTF-8 with encoding=\"utf-8\" in its first line") from None
    if local(root.tag) != "xmile":
        raise XmileError(f"XML but not XMILE: the root element is <{local(root.tag)}>, not <xmile>",
                         file=str(path))
    ns = namespace(root.tag)
    if ns and ns not in NAMESPACES:
        raise XmileError(f"unknown XMILE namespace '{ns}'", file=str(path),
                         hint="expected " + " or ".join(NAMESPACES))
    return root
