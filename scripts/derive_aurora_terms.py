"""Derive the English per-target term lists in graph/sdgs/terms/aurora_en.yaml from the Aurora SDG queries.

Usage: python scripts/derive_aurora_terms.py /path/to/sdg-queries > graph/sdgs/terms/aurora_en.yaml

The Aurora Universities Network's queries (github.com/Aurora-Network-Global/sdg-queries, v5.0, CC BY 4.0)
are Boolean Scopus queries, one block per target.  The suggester needs words, not query syntax: this keeps
each quoted phrase of a target's query lines, drops the truncation marks (the stemmer does that work) and
phrases that are too generic to say anything alone, and writes the phrases per target.  Run once by hand
when the queries change; the derived file is what installs (see graph/sdgs/terms/NOTICE.md).
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

NS = {"aqd": "http://aurora-network.global/queries/namespace/", "dc": "http://dublincore.org/documents/dcmi-namespace/"}
QUOTED = re.compile(r'"([^"]+)"')
TARGET_URI = re.compile(r"/sdg/(\d+)\.(\w+)$")
# Alone these match any paper, report or lesson; in the queries they only narrow another phrase.
GENERIC = {"access", "develop", "developing", "development", "countr", "develop countr", "program", "support",
           "manag", "management", "polic", "policy", "improv", "increas", "reduc", "rate", "level", "effect",
           "impact", "system", "national", "international", "global", "local", "regional", "public",
           "government", "strateg", "plan", "planning", "right", "all", "end", "ending", "achiev"}


def phrases(text: str) -> list[str]:
    found = []
    for raw in QUOTED.findall(text):
        phrase = " ".join(raw.replace("*", "").split()).lower().strip(" -")
        if len(phrase) >= 3 and phrase not in GENERIC:
            found.append(phrase)
    return found


def derive(repo: Path) -> dict[str, list[str]]:
    terms: dict[str, list[str]] = {}
    for goal in range(1, 18):
        root = ET.parse(repo / f"query_SDG{goal}.xml").getroot()
        for definition in root.iter(f"{{{NS['aqd']}}}query-definition"):
            uri = definition.find("dc:identifier[@type='uri']", NS)
            match = TARGET_URI.search(uri.text.strip()) if uri is not None and uri.text else None
            key = f"{match[1]}.{match[2]}" if match else str(goal)
            lines = " ".join(line.text or "" for line in definition.iter(f"{{{NS['aqd']}}}query-line"))
            bucket = terms.setdefault(key, [])
            for phrase in phrases(lines):
                if phrase not in bucket:
                    bucket.append(phrase)
    return terms


def main() -> None:
    import yaml

    terms = derive(Path(sys.argv[1]))
    print("# Derived by scripts/derive_aurora_terms.py from the Aurora SDG queries v5.0 (CC BY 4.0);")
    print("# see NOTICE.md.  Keys are targets (6.1) or goals (6) when a query names no target.")
    print(yaml.safe_dump(terms, allow_unicode=True, sort_keys=False, width=120), end="")


if __name__ == "__main__":
    main()
