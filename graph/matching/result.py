"""What a match answers: ranked candidates, each with the evidence for its score."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Edge

Path = tuple[Edge, ...]


def path_key(path: Path) -> list:
    """Sort key for a path: its edges' keys in order, so ties never depend on read order."""
    return [e.key for e in path]


@dataclass(frozen=True)
class Evidence:
    """Why a part of the score is what it is.

    ``about`` is the node the evidence is about (a theme, an SDG, an
    organisation, the common partner, the shared partnership) or, for
    ``language``, an ISO language code.  Each path is a walk of real edges
    (consecutive edges share a node; each keeps its own direction) starting
    at one of the two municipalities.  A side described by a profile has no
    path; ``flags`` then say ``profile`` or ``requested``.
    """

    component: str
    about: str
    paths: tuple[Path, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ThemeLink:
    """What a candidate has to do with one requested theme.

    ``relation`` is ``offers`` (declared), ``practises`` (a project, a
    partnership or a lesson of its own on the theme: ``paths`` show it) or
    ``seeks`` (it wants to learn the theme too).
    """

    theme: str
    relation: str
    paths: tuple[Path, ...] = ()


@dataclass(frozen=True)
class ThemeSupport:
    """Who else in the knowledge base has a requested theme: counts of other municipalities."""

    theme: str
    offered: int     # declare they offer it
    practised: int   # practise it (project, partnership, lesson) without declaring it
    sought: int      # want to learn it
    # Your current partners among those who offer or practise it: left out of the candidates when
    # partners are excluded, so the answer names them instead of hiding them.
    partners: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        """Whether anyone new offers or practises it: otherwise only a learning circle can come of it."""
        return self.offered + self.practised > len(self.partners)


@dataclass(frozen=True)
class Candidate:
    """A ranked candidate: ``parts`` are weighted contributions summing to ``score``."""

    id: str
    name: str
    country: str | None
    score: float
    parts: dict[str, float] = field(hash=False)
    evidence: tuple[Evidence, ...] = ()
    flags: tuple[str, ...] = ()
    theme_links: tuple[ThemeLink, ...] = ()

    @property
    def thematic(self) -> bool:
        """True if a theme or SDG links it to you; False if it is suggested through the network alone."""
        return "no_thematic_signal" not in self.flags

    @property
    def group(self) -> str:
        """Where the answer puts it, in this order: ``theme`` (offers or practises a requested theme),
        ``circle`` (seeks one too: a possible learning circle), ``related`` (other themes or SDGs
        only), ``network`` (no theme or SDG: a facilitator or an earlier partnership)."""
        relations = {link.relation for link in self.theme_links}
        if relations & {"offers", "practises"}:
            return "theme"
        if "seeks" in relations:
            return "circle"
        return "related" if self.thematic else "network"


@dataclass(frozen=True)
class MatchResult:
    """The answer: thematic candidates by score, then network-only ones by score, ties by id.

    ``unmatched_themes`` are the requested themes that no other municipality
    offers, practises or seeks: no thematic match can come from them.
    ``support`` says, for each requested theme, how many others offer,
    practise or seek it.  ``profile_empty`` is True when the asking
    municipality declares, practises and seeks nothing: then only the
    requested themes speak for it.
    """

    origin: str | None
    themes: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    considered: int
    version: str
    unmatched_themes: tuple[str, ...] = ()
    support: tuple[ThemeSupport, ...] = ()
    profile_empty: bool = False

    @property
    def nobody_offers(self) -> tuple[str, ...]:
        """The requested themes that no other municipality (apart from current partners, when they
        are left out) offers or practises."""
        return tuple(s.theme for s in self.support if not s.available)
