"""What a coordinator asks for, and the checks that turn it into an origin and filters.

Every way a request can be wrong raises :class:`MatchError` with a ``code``
the web layer translates; nothing here ranks anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import GraphError
from ..places import countries, regions
from .index import MatchIndex, Support
from .tuning import DECLARED, MAX_LIMIT, MAX_THEMES

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


class MatchError(GraphError, ValueError):
    """A match request that cannot be answered; ``code`` says why, ``params`` with what.

    Codes: bad_request, both_or_neither, unknown_municipality, no_themes, too_many_themes,
    unknown_theme, unknown_sdg, unknown_country, unknown_region,
    unknown_language, no_languages, contradictory_options, limit_out_of_range.
    """

    def __init__(self, code: str, message: str, **params):
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Profile:
    """A municipality that is not in the graph, described by its coordinator.

    ``country`` is a name in any UI language or an ISO code; ``languages``
    ISO 639 codes (empty: the country's official languages); ``offers`` and
    ``seeks`` theme ids; ``sdgs`` SDG ids such as ``sdg:6``.
    """

    country: str
    languages: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    seeks: tuple[str, ...] = ()
    sdgs: tuple[str, ...] = ()

    def __post_init__(self):
        for name in ("languages", "offers", "seeks", "sdgs"):
            object.__setattr__(self, name, _unique(getattr(self, name)))


@dataclass(frozen=True)
class MatchRequest:
    """What a coordinator asks for.  Exactly one of ``municipality`` and ``profile``.

    ``country`` (name or ISO code) and ``region`` (a key of
    :data:`graph.places.regions.REGIONS`, an M49 code or an English region name)
    restrict the candidates.  ``exclude_partners`` leaves out current partners
    (status active or none); dormant and ended partners stay, flagged.
    """

    municipality: str | None = None
    profile: Profile | None = None
    themes: tuple[str, ...] = ()
    exclude_partners: bool = True
    country: str | None = None
    region: str | None = None
    require_shared_language: bool = False
    limit: int = 10

    def __post_init__(self):
        object.__setattr__(self, "themes", _unique(self.themes))


@dataclass
class Origin:
    """The side asking: a municipality from the graph (``id``) or a profile (``id`` None)."""

    id: str | None
    code: str | None
    languages: frozenset[str]
    languages_inferred: bool
    offers: dict[str, Support]
    seeks: dict[str, Support]
    works_on: dict[str, Support]


def check_request(request: MatchRequest) -> None:
    """Reject what is wrong with the request itself, before the index is read."""
    if not isinstance(request, MatchRequest):
        raise MatchError("bad_request", "expected a MatchRequest")
    if (request.municipality is None) == (request.profile is None):
        raise MatchError("both_or_neither",
                         "give either a municipality from the graph or a profile, not both or neither")
    limit = request.limit
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise MatchError("limit_out_of_range", f"limit must be a whole number from 1 to {MAX_LIMIT}",
                         limit=limit, max=MAX_LIMIT)
    if not request.themes:
        raise MatchError("no_themes", "choose at least one theme")
    if len(request.themes) > MAX_THEMES:
        raise MatchError("too_many_themes", f"choose at most {MAX_THEMES} themes", max=MAX_THEMES)


def origin_of(index: MatchIndex, request: MatchRequest) -> Origin:
    """The requesting municipality as the index knows it, or its profile checked against the index."""
    if request.municipality is not None:
        place = index.places.get(request.municipality) if isinstance(request.municipality, str) else None
        if place is None:
            raise MatchError("unknown_municipality",
                             f"no municipality with id {request.municipality!r}",
                             municipality=str(request.municipality))
        return Origin(place.id, place.code, place.languages, place.languages_inferred,
                      index.offers.get(place.id, {}), index.seeks.get(place.id, {}),
                      index.works_on.get(place.id, {}))
    profile = request.profile
    if not isinstance(profile, Profile):
        raise MatchError("both_or_neither", "the profile must be a Profile")
    unknown = [t for t in profile.offers + profile.seeks if t not in index.themes]
    if unknown:
        raise MatchError("unknown_theme", f"unknown theme(s): {', '.join(unknown)}",
                         themes=", ".join(unknown))
    unknown = [s for s in profile.sdgs if s not in index.sdgs]
    if unknown:
        raise MatchError("unknown_sdg", f"unknown SDG(s): {', '.join(unknown)}", sdgs=", ".join(unknown))
    code = countries.country_code(profile.country)
    if code is None:
        raise MatchError("unknown_country", f"unknown country {profile.country!r}",
                         country=str(profile.country))
    bad = [lang for lang in profile.languages if not isinstance(lang, str) or not _LANGUAGE.match(lang)]
    if bad:
        raise MatchError("unknown_language", f"not a language code: {', '.join(map(str, bad))}",
                         languages=", ".join(map(str, bad)))
    languages = frozenset(profile.languages) or frozenset(regions.official_languages(code))

    def declared(ids):
        return {i: Support(DECLARED, "profile", ()) for i in ids}

    return Origin(None, code, languages, not profile.languages,
                  declared(profile.offers), declared(profile.seeks), declared(profile.sdgs))


def candidate_filters(request: MatchRequest) -> tuple[str | None, str | None]:
    """Resolve the country and region options to an ISO code and a region key (or None)."""
    code = region = None
    if request.country not in (None, ""):
        code = countries.country_code(request.country)
        if code is None:
            raise MatchError("unknown_country", f"unknown country {request.country!r}",
                             country=str(request.country))
    if request.region not in (None, ""):
        region = regions.region_key(request.region)
        if region is None:
            raise MatchError("unknown_region", f"unknown region {request.region!r}",
                             region=str(request.region))
    if code and region and region not in regions.regions_of(code):
        raise MatchError("contradictory_options",
                         f"country {request.country!r} does not lie in region {request.region!r}",
                         country=str(request.country), region=str(request.region))
    return code, region


def _unique(values) -> tuple:
    """Drop repeats, keep order; a lone string is one value, not a sequence of characters."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    return tuple(dict.fromkeys(values))
