"""Parsing XML answers safely: no DTDs, no entity expansion (the body comes from the network)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kb.enrich.record import SourceError


def parse_xml(body: bytes, what: str) -> ET.Element:
    if b"<!DOCTYPE" in body[:2000] or b"<!ENTITY" in body:
        raise SourceError(f"{what}: a DOCTYPE or ENTITY declaration (refused)")
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise SourceError(f"{what}: not XML ({exc})") from None
