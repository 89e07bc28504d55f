"""XMILE models and module instances -> one flat list of variables with qualified names.

A variable ``x`` of module instance ``hares`` becomes ``hares.x`` (identifier ``hares__x``).
A module's <connect to="x" from="y"> turns its ``x`` into an alias of the parent's ``y``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from . import arrays
from .conveyor import Belt, Leak, read_belt, read_leak
from .errors import Unsupported, XmileError
from .names import key
from .queue import read_overflow, read_queue
from .xml import NAMESPACES, child, children, local, namespace, text_of

XMILE_NS = set(NAMESPACES) | {""}
MAX_NESTING = 50        # module instances inside module instances
MAX_VARIABLES = 1_000_000   # variables once every module instance is expanded

VARIABLE_TAGS = {"stock", "flow", "aux", "gf", "module"}
# tags that carry no simulation meaning (layout, styling, vendor settings)
IGNORED_TAGS = {"display", "views", "view", "interface", "group", "behavior", "doc", "sim_specs",
                "connector", "alias", "style", ""}
# children of a variable that change its meaning and that carbonloop cannot represent
UNSUPPORTED_PARTS = {"conveyor": None, "queue": None,
                     "dimensions": None, "element": None,
                     "leak": None, "range": None, "scale": None,
                     "event_poster": None, "format": None, "units": None, "doc": None,
                     "eqn": None, "inflow": None, "outflow": None, "non_negative": None, "gf": None,
                     "display": None, "documentation": None, "shape": None, "thermometer": None,
                     "overflow": None, "multiplier": None, "connect": None,
                     "access": None}


@dataclass
class Var:
    """One XMILE variable, not yet translated."""
    kind: str                   # stock, flow, aux, gf
    key: str                    # qualified XMILE key ("hares.births")
    name: str                   # qualified name as written
    eqn: str = ""
    inflows: list = field(default_factory=list)
    outflows: list = field(default_factory=list)
    non_negative: bool | None = None
    gf: object = None
    units: str = ""
    doc: str = ""
    module: str = ""            # qualified module instance ("" for the root)
    alias_of: str | None = None  # set by a module connection
    scope: str = ""             # key prefix for resolving names in the equation
    dims: tuple = ()            # dimension keys of an arrayed variable
    pieces: list = field(default_factory=list)     # (element identifiers, equation, <gf>) per block
    conveyor: Belt | None = None    # a conveyor stock's <conveyor> block
    leak: Leak | None = None        # a conveyor's leakage flow
    queue: bool = False             # a queue stock (<queue/>)
    overflow: bool = False          # a queue's overflow outflow (<overflow/>)


def _flag(el):
    """<non_negative/> -> True, <non_negative>false</non_negative> -> False, absent -> None."""
    if el is None:
        return None
    return text_of(el).lower() != "false"


def _variables(model):
    """The variable elements of a <model> (OASIS: under <variables>; old Stella: directly)."""
    out = []
    for c in model:
        tag = local(c.tag)
        if tag == "variables":
            out += [v for v in c]
        elif tag in VARIABLE_TAGS:
            out.append(c)
    return out


def _vars(el, prefix, module, file, defaults, label, dims) -> list:
    """The variable of an element (an arrayed one stays one variable, with its dimensions)."""
    dim_keys = arrays.dimensions_of(el, dims, file)
    if not dim_keys:
        if children(el, "element"):
            raise XmileError("<element> in a variable without <dimensions>", file=file,
                             element=el.get("name"))
        return [_var(el, prefix, module, file, defaults, label)]
    return [dataclasses.replace(_var(el, prefix, module, file, defaults, label), dims=dim_keys,
                                pieces=arrays.pieces(el, dim_keys, dims, file))]


def _var(el, prefix, module, file, defaults, label="") -> Var:
    tag = local(el.tag)
    name = el.get("name")
    if not name:
        raise XmileError(f"a <{tag}> without a name", file=file)
    for c in el:
        part = local(c.tag)
        construct = UNSUPPORTED_PARTS.get(part)
        if construct:
            raise Unsupported(construct, file=file, element=name)
    nn = _flag(child(el, "non_negative"))
    if nn is None and tag in ("stock", "flow"):
        nn = defaults.get(tag, False)
    if tag == "aux" and child(el, "gf") is not None and not text_of(child(el, "eqn")) \
            and child(el, "dimensions") is None:
        tag = "gf"              # a graphical function with no input is a lookup (as Vensim's export writes one)
    return Var(kind=tag, key=prefix + key(name), name=label + name,
               eqn=text_of(child(el, "eqn")),
               inflows=[prefix + key(text_of(f)) for f in children(el, "inflow")],
               outflows=[prefix + key(text_of(f)) for f in children(el, "outflow")],
               non_negative=nn, gf=el if local(el.tag) == "gf" else child(el, "gf"),
               units=text_of(child(el, "units")), doc=text_of(child(el, "doc")),
               module=module, scope=prefix,
               conveyor=read_belt(el, file, name) if tag == "stock" else None,
               leak=read_leak(el, file, name) if tag in ("flow", "aux") else None,
               queue=read_queue(el, file, name) if tag == "stock" else False,
               overflow=read_overflow(el) if tag in ("flow", "aux") else False)


def flatten(root_model, models: dict, file: str, defaults: dict, dims) -> list:
    """Every variable of the root model and, recursively, of its module instances."""
    out: list = []
    _collect(root_model, "", models, file, defaults, out, (key(root_model.get("name") or ""),), "", dims)
    return out


def _collect(model, prefix, models, file, defaults, out, stack, label, dims):
    mine = {}
    modules = []
    for el in _variables(model):
        tag = local(el.tag)
        if tag == "module":
            modules.append(el)
            continue
        if tag not in VARIABLE_TAGS:
            if tag in IGNORED_TAGS or namespace(el.tag) not in XMILE_NS:      # vendor extension
                continue
            raise Unsupported(f"<{tag}> in a model", file=file, element=el.get("name"))
        for v in _vars(el, prefix, label[:-1], file, defaults, label, dims):
            if v.key in mine:
                raise XmileError(f"two variables are named '{v.name}' (names compare without case, and "
                                 "'_' as a space)", file=file, element=v.name)
            mine[v.key] = v
            out.append(v)
        if len(out) > MAX_VARIABLES:
            raise XmileError(f"the model has more than {MAX_VARIABLES:,} variables once its module instances "
                             "are expanded", file=file, element=el.get("name"))
    for m in modules:
        _module(m, prefix, models, file, defaults, out, stack, mine, label, dims)


def _module(m, prefix, models, file, defaults, out, stack, parent_vars, label, dims):
    name = m.get("name") or ""
    if m.get("resource"):
        raise Unsupported(f"a module read from another file (resource='{m.get('resource')}')",
                          file=file, element=name)
    mkey = key(name)
    model_key = key(m.get("model") or name)
    sub = models.get(model_key)
    if sub is None:
        raise XmileError(f"module '{name}' has no <model name=\"{m.get('model') or name}\"> in the file",
                         file=file, element=name)
    if model_key in stack:      # instances may reuse a name; a model may not contain itself
        raise XmileError(f"module '{name}' is an instance of model '{m.get('model') or name}', which contains "
                         "itself", file=file, element=name)
    if len(stack) >= MAX_NESTING:
        raise XmileError(f"modules nest more than {MAX_NESTING} deep", file=file, element=name)
    inner_prefix = prefix + mkey + "."
    start = len(out)
    _collect(sub, inner_prefix, models, file, defaults, out, stack + (model_key,), label + name + ".",
             dims)
    inner = {v.key: v for v in out[start:]}
    for c in children(m, "connect"):
        to, frm = c.get("to") or "", c.get("from") or ""
        tkey, fkey = key(to).lstrip("."), key(frm).lstrip(".")
        if tkey.startswith(mkey + "."):
            tkey = tkey[len(mkey) + 1:]
        target = inner.get(inner_prefix + tkey)
        source = prefix + fkey
        if target is None and prefix + tkey in parent_vars:     # an output wired to the parent
            target = parent_vars[prefix + tkey]
            source = prefix + (fkey if fkey.startswith(mkey + ".") else mkey + "." + fkey)
        if target is None:
            raise XmileError(f"module connection to '{to}' names no variable of module '{name}'",
                             file=file, element=name)
        target.alias_of = source
