"""Municipality profiles: what a municipality offers and seeks, its SDGs, languages and contact.

A profile is not a node of its own: it is the municipality's ``OFFERS`` and
``SEEKS`` edges to themes, its ``WORKS_ON`` edges to SDGs, its ``languages``,
and ``contact_role_<lang>`` (the department or role to contact, never a
person) shown to readers only when ``profile_public`` is true.  Matching
reads these same edges, so a saved profile counts at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Change, ChangeNote, Edge, Node
from ..records import make_edge, make_node
from ..schema import LANGUAGES

PROFILE_LINKS = {"offers": ("OFFERS", "Theme"), "seeks": ("SEEKS", "Theme"), "sdgs": ("WORKS_ON", "SDG")}
CONTACT_KEYS = tuple(f"contact_role_{lang}" for lang in LANGUAGES)
MAX_CONTACT = 200


@dataclass
class Profile:
    """A municipality's profile as a form shows it."""

    offers: list[str] = field(default_factory=list)
    seeks: list[str] = field(default_factory=list)
    sdgs: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    contact: dict[str, str] = field(default_factory=dict)
    public: bool = False


def read_profile(store, municipality: Node) -> Profile:
    """Return the profile of ``municipality`` as stored."""
    edges = store.edges_of(municipality.id, [rel for rel, _ in PROFILE_LINKS.values()])
    linked = {name: sorted(e.target for e in edges if e.source == municipality.id and e.type == rel)
              for name, (rel, _) in PROFILE_LINKS.items()}
    props = municipality.props
    return Profile(linked["offers"], linked["seeks"], linked["sdgs"], list(props.get("languages") or []),
                   {lang: props[f"contact_role_{lang}"] for lang in LANGUAGES if props.get(f"contact_role_{lang}")},
                   bool(props.get("profile_public")))


def save_profile(store, municipality: Node, profile: Profile, note: ChangeNote, based_on: int) -> Change | None:
    """Write the differences between the stored profile and ``profile`` in one write; return its change.

    ``based_on`` is the municipality's version the editor saw (``graph.editing.version_of``).  The
    store checks it inside the write's own transaction and raises StaleWrite when another save came in
    meanwhile: a profile is a diff against what is stored, so two saves from one version would
    otherwise each undo the other's additions.  Added links, removed links and properties are one
    write, so a crash or a refusal never leaves half a profile.
    """
    current = read_profile(store, municipality)
    added: list[Edge] = []
    removed: list[tuple[str, str, str]] = []
    for name, (rel, _) in PROFILE_LINKS.items():
        old, new = set(getattr(current, name)), set(getattr(profile, name))
        added += [make_edge(municipality.id, rel, target) for target in sorted(new - old)]
        removed += [(municipality.id, rel, target) for target in sorted(old - new)]
    props = {}
    if sorted(profile.languages) != sorted(current.languages):
        props["languages"] = list(profile.languages)
    for lang in LANGUAGES:
        value = profile.contact.get(lang, "")
        if value != current.contact.get(lang, ""):
            props[f"contact_role_{lang}"] = value
    if profile.public != current.public:
        props["profile_public"] = profile.public
    nodes = []
    if props:
        nodes.append(make_node(municipality.id, {**{k: municipality.props[k] for k in ("name", "country")
                                                    if k in municipality.props}, **props}))
    if not (nodes or added or removed):
        return None
    return store.write(nodes, added, change=note, delete_edges=removed, expect={municipality.id: based_on})
