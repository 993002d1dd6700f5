"""Salesforce Metadata API XML: documents in the metadata namespace, built with ElementTree (every
value escaped; nothing formatted into XML by hand)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
API_VERSION = json.loads((ROOT / "salesforce/sfdx-project.json").read_text())["sourceApiVersion"]
NAMESPACE = "http://soap.sforce.com/2006/04/metadata"

# Metadata API types are XML Schema sequences: children are written in the order given.

Child = ElementTree.Element | tuple[str, Any]


def document(root_tag: str, *children: Child) -> str:
    root = element(root_tag, *children)
    root.set("xmlns", NAMESPACE)
    ElementTree.indent(root, space="    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, "unicode") + "\n"


def element(tag: str, *children: Child) -> ElementTree.Element:
    """<tag> holding `children`: elements, or (name, text) pairs; a list of texts repeats name."""
    node = ElementTree.Element(tag)
    for child in children:
        if isinstance(child, ElementTree.Element):
            node.append(child)
            continue
        name, value = child
        for item in value if isinstance(value, list) else [value]:
            ElementTree.SubElement(node, name).text = (
                str(item).lower() if isinstance(item, bool) else str(item)
            )
    return node
