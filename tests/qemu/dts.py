"""A small structured editor for device-tree source as `dtc -O dts` prints it.

Parses the text into nodes and properties, lets a test change them, and prints
DTS again for dtc to compile. It understands what dtc's decompiler emits (nodes,
properties with cell, string and byte values, /memreserve/ lines), not the whole
DTS language: no labels, includes or /delete-node/ directives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Property:
    name: str
    value: str | None = None  # raw DTS text after '=', None for an empty property

    def cells(self) -> list[int]:
        """The value as 32-bit cells, for a single <...> list."""
        if self.value is None:
            return []
        m = re.fullmatch(r"\s*<([^>]*)>\s*", self.value)
        if not m:
            raise ValueError(f"{self.name}: not a single cell list: {self.value}")
        return [int(tok, 0) for tok in m.group(1).split()]

    def strings(self) -> list[str]:
        """The value as a list of strings, for "a", "b" values."""
        return re.findall(r'"((?:[^"\\]|\\.)*)"', self.value or "")


@dataclass
class Node:
    name: str  # "" for the root
    props: list[Property] = field(default_factory=list)
    children: list["Node"] = field(default_factory=list)

    # --- lookup -----------------------------------------------------------------
    def prop(self, name: str) -> Property | None:
        return next((p for p in self.props if p.name == name), None)

    def child(self, name: str) -> Node | None:
        return next((c for c in self.children if c.name == name), None)

    def walk(self, path: str = "/"):
        """Yields (path, node) for this node and every node below it."""
        yield path, self
        for c in self.children:
            yield from c.walk(path.rstrip("/") + "/" + c.name)

    def compatible(self) -> list[str]:
        p = self.prop("compatible")
        return p.strings() if p else []

    # --- changes ----------------------------------------------------------------
    def set_prop(self, name: str, value: str | None) -> None:
        """Sets a property's raw DTS value, adding the property when absent."""
        p = self.prop(name)
        if p is None:
            self.props.append(Property(name, value))
        else:
            p.value = value

    def remove_prop(self, name: str) -> bool:
        before = len(self.props)
        self.props = [p for p in self.props if p.name != name]
        return len(self.props) != before

    def add_child(self, node: Node) -> Node:
        self.children.append(node)
        return node


@dataclass
class Tree:
    header: list[str]  # "/dts-v1/;" and any /memreserve/ lines, kept verbatim
    root: Node

    def node(self, path: str) -> Node:
        """The node at an absolute path such as /cpus/cpu@1; KeyError when absent."""
        n = self.root
        for part in [p for p in path.split("/") if p]:
            c = n.child(part)
            if c is None:
                raise KeyError(f"no node {path}")
            n = c
        return n

    def find(self, pred) -> list[tuple[str, Node]]:
        """Every (path, node) for which pred(node) is true, in tree order."""
        return [(p, n) for p, n in self.root.walk() if pred(n)]

    def find_compatible(self, compat: str) -> list[tuple[str, Node]]:
        return self.find(lambda n: compat in n.compatible())

    def remove_node(self, path: str) -> Node:
        parent_path, _, name = path.rstrip("/").rpartition("/")
        parent = self.node(parent_path or "/")
        victim = self.node(path)
        parent.children = [c for c in parent.children if c is not victim]
        return victim

    def text(self) -> str:
        out = list(self.header) + [""]
        _emit(self.root, 0, out)
        return "\n".join(out) + "\n"


# --- parsing ------------------------------------------------------------------------

_TOKEN_END = re.compile(r"[{};=]")


def parse(text: str) -> Tree:
    """Parses dtc's decompiled DTS output."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    header = []
    pos = 0
    # Directives before the root node: /dts-v1/; and /memreserve/ ...;
    while True:
        m = re.compile(r"\s*(/(?:dts-v1|memreserve|plugin)/[^;]*;)").match(text, pos)
        if not m:
            break
        header.append(m.group(1).strip())
        pos = m.end()
    m = re.compile(r"\s*/\s*\{").match(text, pos)
    if not m:
        raise ValueError("no root node '/ {' found")
    root = Node("")
    pos = _parse_body(text, m.end(), root)
    if text[pos:].strip():
        raise ValueError(f"unexpected text after the root node: {text[pos:pos + 40]!r}")
    return Tree(header, root)


def _parse_body(text: str, pos: int, node: Node) -> int:
    """Parses properties and child nodes up to the node's closing '};'."""
    while True:
        m = _TOKEN_END.search(text, pos)
        if not m:
            raise ValueError(f"unterminated node {node.name or '/'}")
        name = text[pos:m.start()].strip()
        ch = m.group()
        if ch == "}":
            if name:
                raise ValueError(f"stray text {name!r} in {node.name or '/'}")
            end = re.compile(r"\s*;").match(text, m.end())
            if not end:
                raise ValueError(f"missing ';' after node {node.name or '/'}")
            return end.end()
        if ch == "{":
            child = Node(name)
            node.children.append(child)
            pos = _parse_body(text, m.end(), child)
        elif ch == ";":
            node.props.append(Property(name, None))
            pos = m.end()
        else:  # '=': the value runs to the next ';' outside quotes and brackets
            end = _value_end(text, m.end())
            node.props.append(Property(name, text[m.end():end].strip()))
            pos = end + 1


def _value_end(text: str, pos: int) -> int:
    quote = False
    depth = 0
    i = pos
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == '"':
                quote = False
        elif c == '"':
            quote = True
        elif c in "<[":
            depth += 1
        elif c in ">]":
            depth -= 1
        elif c == ";" and depth == 0:
            return i
        i += 1
    raise ValueError("unterminated property value")


def _emit(node: Node, depth: int, out: list[str]) -> None:
    ind = "\t" * depth
    out.append(f"{ind}{node.name or '/'} {{")
    for p in node.props:
        out.append(f"{ind}\t{p.name};" if p.value is None else f"{ind}\t{p.name} = {p.value};")
    for c in node.children:
        out.append("")
        _emit(c, depth + 1, out)
    out.append(f"{ind}}};")


def cells(*values: int) -> str:
    """A raw DTS cell-list value: cells(0, 0x40000000) -> '<0x0 0x40000000>'."""
    return "<" + " ".join(hex(v) for v in values) + ">"


def split_cells(values: list[int], address_cells: int, size_cells: int) -> list[tuple[int, int]]:
    """(address, size) pairs of a reg value, combining big-endian cells."""
    step = address_cells + size_cells
    out = []
    for i in range(0, len(values) - step + 1, step):
        addr = 0
        for v in values[i:i + address_cells]:
            addr = addr << 32 | v
        size = 0
        for v in values[i + address_cells:i + step]:
            size = size << 32 | v
        out.append((addr, size))
    return out
