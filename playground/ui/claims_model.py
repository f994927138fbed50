"""A tree model of a decoded JWT: Header / Payload / Signature, each claim with its meaning.

Times (exp, iat, nbf, auth_time, …) read as UTC dates next to the NumericDate; nested objects
and arrays (address, amr, aud lists) open as children. Built from `core.jwt.Inspection`, which
decodes without verifying.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from playground.core.jose.jwt import ClaimView, Inspection, readable_time

Index = QModelIndex | QPersistentModelIndex
Role = Qt.ItemDataRole


@dataclass(eq=False)
class Node:
    name: str
    value: str = ""
    meaning: str = ""
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)

    def add(self, child: Node) -> Node:
        child.parent = self
        self.children.append(child)
        return child

    def row(self) -> int:
        return self.parent.children.index(self) if self.parent else 0


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _claim_node(view: ClaimView) -> Node:
    text = _value_text(view.value)
    if view.readable:
        text = f"{text}  ({view.readable})"
    node = Node(view.name, text, view.meaning)
    _add_children(node, view.value)
    return node


def _add_children(node: Node, value: Any) -> None:
    items: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        items = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list) and len(value) > 1:
        items = [(f"[{i}]", v) for i, v in enumerate(value)]
    for name, child_value in items:
        readable = readable_time(child_value) if name.endswith(("_at", "time")) else None
        text = _value_text(child_value) + (f"  ({readable})" if readable else "")
        _add_children(node.add(Node(name, text)), child_value)


def build_tree(inspection: Inspection) -> Node:
    root = Node("")
    header = root.add(Node("Header", f"{len(inspection.header)} parameters",
                           "JOSE header: how the token is signed (RFC 7515 §4)"))
    for view in inspection.header_views:
        header.add(_claim_node(view))
    payload = root.add(Node("Payload", f"{len(inspection.claims)} claims",
                            "The claims: statements about the user and the token (RFC 7519 §4)"))
    for view in inspection.claim_views:
        payload.add(_claim_node(view))
    root.add(Node("Signature", inspection.signature,
                  "base64url signature over header.payload; see the checks for whether it holds"))
    return root


class ClaimsTreeModel(QAbstractItemModel):
    TITLES = ("Claim", "Value", "Meaning")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root = Node("")

    def set_inspection(self, inspection: Inspection | None) -> None:
        # Indexes point at nodes without owning them: keep the old tree alive until the reset
        # has invalidated every index that points into it.
        old = self._root
        self.beginResetModel()
        self._root = build_tree(inspection) if inspection else Node("")
        self.endResetModel()
        del old

    def _node(self, index: Index) -> Node:
        node = index.internalPointer() if index.isValid() else None
        return node if isinstance(node, Node) else self._root

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self._node(parent).children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        parent = self._node(index).parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row(), 0, parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.TITLES)

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self._node(index)
        if role in (Role.DisplayRole, Role.ToolTipRole):
            text = (node.name, node.value, node.meaning)[index.column()]
            return text if role == Role.DisplayRole or text else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Role.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Role.DisplayRole:
            return self.TITLES[section]
        return None

    def find(self, name: str) -> QModelIndex:
        """The first index (column 0) of a node called `name`, depth first."""
        hits = self.match(self.index(0, 0), Role.DisplayRole, name, 1,
                          Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
        return hits[0] if hits else QModelIndex()
