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
class Candidate:
    """A ranked candidate: ``parts`` are weighted contributions summing to ``score``."""

    id: str
    name: str
    country: str | None
    score: float
    parts: dict[str, float] = field(hash=False)
    evidence: tuple[Evidence, ...] = ()
    flags: tuple[str, ...] = ()

    @property
    def thematic(self) -> bool:
        """True if a theme or SDG links it to you; False if it is suggested through the network alone."""
        return "no_thematic_signal" not in self.flags


@dataclass(frozen=True)
class MatchResult:
    """The answer: thematic candidates by score, then network-only ones by score, ties by id.

    ``unmatched_themes`` are the requested themes that no other municipality
    offers, practises or seeks: no thematic match can come from them.
    """

    origin: str | None
    themes: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    considered: int
    version: str
    unmatched_themes: tuple[str, ...] = ()
