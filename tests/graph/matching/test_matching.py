"""Thematic partner matching: hand-built worlds with known right answers.

Every test that touches a store runs on each backend through the ``store``
fixture.  None of them reads the seeds: the worlds are built here.
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from graph import GraphError
from graph.matching import (
    COMPONENTS,
    WEIGHTS,
    MatchError,
    MatchRequest,
    Profile,
    match,
    match_index,
)
from graph.places import regions
from graph.places.countries import country_code
from graph.records import make_edge, make_node
from graph.stores.sqlite.store import EmbeddedStore

WATER, AGRO, CHILD, YOUTH = "theme:water", "theme:agroforestry", "theme:child-rights", "theme:youth"


class World:
    """A small graph written in one go; ids are built from short slugs."""

    def __init__(self, themes=(WATER, AGRO, CHILD, YOUTH), sdgs=range(1, 18)):
        self.nodes: dict = {}
        self.edges: list = []
        for t in themes:
            self.node(t, name={"en": t.split(":")[1]})
        for n in sdgs:
            self.node(f"sdg:{n}", name={"en": f"Goal {n}"}, number=n)

    def node(self, node_id, **props):
        self.nodes[node_id] = make_node(node_id, props)
        return node_id

    def edge(self, source, rel, target, **props):
        self.edges.append(make_edge(source, rel, target, props))

    def muni(self, slug, country="Belgium", languages=("nl",), offers=(), seeks=(), sdgs=(), **extra):
        props = {"name": slug.replace("-", " ").title(), "country": country, **extra}
        if languages:
            props["languages"] = list(languages)
        mid = self.node(f"municipality:{slug}", **props)
        for t in offers:
            self.edge(mid, "OFFERS", t)
        for t in seeks:
            self.edge(mid, "SEEKS", t)
        for s in sdgs:
            self.edge(mid, "WORKS_ON", s)
        return mid

    def partner(self, a, b, status=None):
        pid = f"partnership:{a.split(':')[1]}--{b.split(':')[1]}"
        self.node(pid, name=f"{a} - {b}", **({"status": status} if status else {}))
        self.edge(a, "PARTNER_IN", pid)
        self.edge(b, "PARTNER_IN", pid)
        return pid

    def project(self, actor, slug, concerns=(), contributes=()):
        pid = self.node(f"project:{slug}", name=slug)
        self.edge(actor, "IMPLEMENTS", pid)
        for x in concerns:
            if x.startswith("target:") and x not in self.nodes:
                self.node(x, title={"en": x}, number=x.split(":")[1])
                self.edge(f"sdg:{x.split(':')[1].split('.')[0]}", "HAS_TARGET", x)
            self.edge(pid, "CONCERNS", x)
        for x in contributes:
            self.edge(pid, "CONTRIBUTES_TO", x)
        return pid

    def lesson(self, slug, experienced_in, concerns=()):
        lid = self.node(f"lesson:{slug}", name=slug)
        xid = self.node(f"experience:{slug}", name=slug)
        self.edge(lid, "ILLUSTRATED_BY", xid)
        self.edge(xid, "EXPERIENCED_IN", experienced_in)
        for x in concerns:
            self.edge(lid, "CONCERNS", x)
        return lid

    def facilitate(self, org_slug, partnership):
        oid = f"organisation:{org_slug}"
        if oid not in self.nodes:
            self.node(oid, name=org_slug)
        self.edge(oid, "FACILITATES", partnership)
        return oid

    def write(self, store, reverse=False):
        nodes, edges = list(self.nodes.values()), list(self.edges)
        if reverse:
            nodes.reverse()
            edges.reverse()
        store.write(nodes, edges)
        return store


def ids(result):
    return [c.id for c in result.candidates]


def by_id(result):
    return {c.id: c for c in result.candidates}


def ask(origin=None, themes=(WATER,), **options):
    return MatchRequest(municipality=origin, themes=themes, **options)


def assert_real_paths(store, result, origin=None):
    """Every evidence path is a walk of edges that exist in the store, from one of the two sides."""
    for cand in result.candidates:
        ends = {cand.id} | ({origin} if origin else set())
        assert set(cand.parts) == set(COMPONENTS)
        assert cand.score == pytest.approx(sum(cand.parts.values()), abs=1e-3)
        for ev in cand.evidence:
            assert ev.component in COMPONENTS
            for path in ev.paths:
                assert path, ev
                for e in path:
                    stored = {x.key: x for x in store.edges_of(e.source, [e.type])}
                    assert stored.get(e.key) == e, e
                for a, b in zip(path, path[1:], strict=False):
                    assert {a.source, a.target} & {b.source, b.target}, path
                assert {path[0].source, path[0].target} & ends, path


# ---------------------------------------------------------------- two-sidedness
@pytest.fixture
def exchange(store):
    """Herent seeks water and offers agroforestry; three candidates offer water."""
    w = World()
    w.muni("herent", seeks=[WATER], offers=[AGRO])
    w.muni("tarija", "Bolivia", ["es"], offers=[WATER], seeks=[AGRO])  # two-way
    w.muni("cusco", "Peru", ["es"], offers=[WATER])                    # one-way
    w.muni("quito", "Ecuador", ["es"], seeks=[WATER])                  # wants the same
    return w.write(store)


def test_reciprocity_beats_one_way(exchange):
    result = match(exchange, ask("municipality:herent"))
    # Quito only seeks water too: after those who can teach it, as a possible learning circle.
    assert ids(result) == ["municipality:tarija", "municipality:cusco", "municipality:quito"]
    assert [c.group for c in result.candidates] == ["theme", "theme", "circle"]
    two_way, one_way, _ = result.candidates
    assert two_way.parts["mutual"] > 0 and one_way.parts["mutual"] == 0
    assert two_way.parts["you_learn"] == one_way.parts["you_learn"]
    assert two_way.score > one_way.score
    [give] = [e for e in two_way.evidence if e.component == "you_give"]
    assert give.about == AGRO
    assert [[e.key for e in p] for p in give.paths] == [
        [("municipality:herent", "OFFERS", AGRO)], [("municipality:tarija", "SEEKS", AGRO)]]
    [learn] = [e for e in one_way.evidence if e.component == "you_learn"]
    assert learn.flags == ("declared", "focus")
    assert_real_paths(exchange, result, "municipality:herent")


def test_one_way_giving_also_ranks_below_two_way(store):
    w = World()
    w.muni("herent", offers=[WATER], seeks=[YOUTH])
    w.muni("a-two-way", "Bolivia", ["es"], seeks=[WATER], offers=[YOUTH])
    w.muni("b-one-way", "Bolivia", ["es"], seeks=[WATER])
    w.write(store)
    result = match(store, ask("municipality:herent"))
    assert ids(result) == ["municipality:a-two-way", "municipality:b-one-way"]
    assert result.candidates[1].parts["you_give"] == result.candidates[0].parts["you_give"] > 0


def test_exchange_off_the_requested_theme_ranks_below_it(store):
    w = World()
    w.muni("herent", seeks=[WATER, YOUTH], offers=[AGRO])
    w.muni("water", "Bolivia", ["es"], offers=[WATER])
    w.muni("youth", "Bolivia", ["es"], offers=[YOUTH], seeks=[AGRO])  # two-way, but not on water
    w.write(store)
    result = match(store, ask("municipality:herent"))
    assert ids(result) == ["municipality:water", "municipality:youth"]
    assert by_id(result)["municipality:youth"].parts["mutual"] == 0


def test_declared_beats_practised_beats_lessons(store):
    w = World()
    w.muni("herent", seeks=[WATER])
    w.muni("declared", "Peru", ["es"], offers=[WATER])
    project = w.muni("project", "Peru", ["es"])
    w.project(project, "wells", concerns=[WATER])
    shared = w.muni("shared", "Peru", ["es"])
    partner = w.muni("partner", "Peru", ["es"])
    p = w.partner(shared, partner)
    w.project(p, "water-board", concerns=[WATER])
    lesson = w.muni("lesson", "Peru", ["es"])
    w.lesson("listen-to-farmers", lesson, concerns=[WATER])
    w.write(store)
    result = match(store, ask("municipality:herent"))
    # Both members of the partnership that runs the project practise water; ties go by id.
    assert ids(result) == ["municipality:declared", "municipality:partner", "municipality:project",
                           "municipality:shared", "municipality:lesson"]
    flags = {c.id: [e.flags for e in c.evidence if e.component == "you_learn"][0] for c in result.candidates}
    assert flags["municipality:project"] == ("practised", "focus")
    assert flags["municipality:lesson"] == ("lesson", "focus")
    assert_real_paths(store, result, "municipality:herent")


# ---------------------------------------------------------------- options
@pytest.fixture
def languages(store):
    w = World()
    w.muni("herent", languages=("nl", "en"), seeks=[WATER])
    w.muni("spanish", "Bolivia", ["es"], offers=[WATER])
    w.muni("english", "Bolivia", ["en", "es"], offers=[WATER])
    w.muni("unstated", "Guatemala", (), offers=[WATER])  # Spanish, inferred from the country
    return w.write(store)


def test_language_filter(languages):
    everyone = match(languages, ask("municipality:herent"))
    assert len(everyone.candidates) == 3
    assert ids(everyone)[0] == "municipality:english"  # equal otherwise: the shared language decides
    shared = match(languages, ask("municipality:herent", require_shared_language=True))
    assert ids(shared) == ["municipality:english"]
    [lang] = [e for e in shared.candidates[0].evidence if e.component == "language"]
    assert (lang.about, lang.paths, lang.flags) == ("en", (), ())


def test_inferred_languages_are_flagged(languages):
    profile = Profile(country="Peru", languages=("es",), seeks=(WATER,))
    result = match(languages, MatchRequest(profile=profile, themes=(WATER,), require_shared_language=True))
    assert ids(result) == ["municipality:english", "municipality:spanish", "municipality:unstated"]
    unstated = by_id(result)["municipality:unstated"]
    assert "languages_inferred" in unstated.flags
    assert [e.flags for e in unstated.evidence if e.component == "language"] == [("inferred",)]


@pytest.fixture
def partners(store):
    """Herent has an active, an ended and a dormant partner, all offering water."""
    w = World()
    herent = w.muni("herent", seeks=[WATER])
    active = w.muni("active", "Bolivia", ["es"], offers=[WATER])
    ended = w.muni("ended", "Peru", ["es"], offers=[WATER])
    dormant = w.muni("dormant", "Guatemala", ["es"], offers=[WATER])
    unknown = w.muni("unknown-status", "Chile", ["es"], offers=[WATER])
    w.muni("stranger", "Ecuador", ["es"], offers=[WATER])
    w.partner(herent, active, "active")
    w.partner(herent, ended, "ended")
    w.partner(herent, dormant, "dormant")
    w.partner(herent, unknown)  # a twinning without a status counts as current
    return w.write(store)


def test_excluded_partners_leave_ended_and_dormant_links_flagged(partners):
    result = match(partners, ask("municipality:herent"))
    assert set(ids(result)) == {"municipality:ended", "municipality:dormant", "municipality:stranger"}
    ended = by_id(result)["municipality:ended"]
    assert "partnership_ended" in ended.flags
    [link] = [e for e in ended.evidence if e.component == "network"]
    assert link.about == "partnership:herent--ended"
    assert link.flags == ("existing_partner", "ended")
    assert [e.key for e in link.paths[0]] == [
        ("municipality:herent", "PARTNER_IN", "partnership:herent--ended"),
        ("municipality:ended", "PARTNER_IN", "partnership:herent--ended")]
    assert "partnership_dormant" in by_id(result)["municipality:dormant"].flags
    assert by_id(result)["municipality:stranger"].flags == ()
    assert_real_paths(partners, result, "municipality:herent")


def test_including_partners_ranks_by_link_status(partners):
    result = match(partners, ask("municipality:herent", exclude_partners=False))
    assert ids(result) == ["municipality:active", "municipality:unknown-status", "municipality:dormant",
                           "municipality:ended", "municipality:stranger"]
    active = by_id(result)["municipality:active"]
    assert active.flags == ("existing_partner",)
    assert active.parts["network"] == WEIGHTS["network"]


@pytest.fixture
def countries(store):
    w = World()
    w.muni("herent", seeks=[WATER])
    for slug, country in [("la-paz", "Bolivia"), ("lima", "Peru"), ("coban", "Guatemala"),
                          ("bonn", "Germany"), ("leeds", "England"), ("hull", "England, United Kingdom"),
                          ("kinshasa", "Democratic Republic of the Congo"), ("atlantis", "Atlantis")]:
        w.muni(slug, country, (), offers=[WATER])
    return w.write(store)


@pytest.mark.parametrize("options, expected", [
    ({"region": "south-america"}, ["la-paz", "lima"]),
    ({"region": "latin-america"}, ["coban", "la-paz", "lima"]),
    ({"region": "419"}, ["coban", "la-paz", "lima"]),
    ({"region": "Europe"}, ["bonn", "hull", "leeds"]),
    ({"region": "sub-saharan-africa"}, ["kinshasa"]),
    ({"country": "Bolivia"}, ["la-paz"]),
    ({"country": "BO"}, ["la-paz"]),
    ({"country": "Bolivie"}, ["la-paz"]),
    ({"country": "United Kingdom", "region": "northern-europe"}, ["hull", "leeds"]),
    ({"country": "Oceania"}, None),
])
def test_region_and_country_filters(countries, options, expected):
    if expected is None:
        with pytest.raises(MatchError) as info:
            match(countries, ask("municipality:herent", **options))
        assert info.value.code == "unknown_country"
        return
    result = match(countries, ask("municipality:herent", **options))
    assert sorted(ids(result)) == [f"municipality:{s}" for s in expected]


def test_profile_for_a_municipality_not_in_the_graph(exchange):
    profile = Profile(country="Ecuador", languages=("es",), offers=(AGRO,), seeks=(WATER,), sdgs=())
    result = match(exchange, MatchRequest(profile=profile, themes=(WATER,)))
    assert result.origin is None
    # Herent offers agroforestry too and seeks water, as Quito does: both below those who teach water
    # (Quito shares the profile's Spanish; Herent practises agroforestry as the profile does).
    assert ids(result) == ["municipality:tarija", "municipality:cusco", "municipality:quito",
                           "municipality:herent"]
    assert [c for c, v in result.candidates[3].parts.items() if v] == ["common_practice"]
    tarija = result.candidates[0]
    give = [e for e in tarija.evidence if e.component == "you_give"][0]
    assert give.flags == ("profile",)
    assert [[e.key for e in p] for p in give.paths] == [[("municipality:tarija", "SEEKS", AGRO)]]
    learn = [e for e in tarija.evidence if e.component == "you_learn"][0]
    assert learn.flags == ("declared", "focus", "profile")
    assert tarija.parts["language"] == WEIGHTS["language"]
    assert_real_paths(exchange, result)


def test_a_requested_theme_counts_as_interest(exchange):
    # Cusco declares nothing about agroforestry, but asking for it is asking to learn about it.
    result = match(exchange, ask("municipality:cusco", themes=(AGRO,)))
    herent = result.candidates[0]
    assert herent.id == "municipality:herent"
    learn = [e for e in herent.evidence if e.component == "you_learn"][0]
    assert learn.flags == ("declared", "focus", "requested")
    assert [[e.key for e in p] for p in learn.paths] == [[("municipality:herent", "OFFERS", AGRO)]]
    assert herent.parts["mutual"] > 0  # and Herent seeks the water Cusco offers


# ---------------------------------------------------------------- network and evidence
@pytest.fixture
def rich(store):
    """Projects, lessons, SDG targets, a facilitator, and a partner of a partner."""
    w = World()
    herent = w.muni("herent", seeks=[WATER], offers=[CHILD], sdgs=["sdg:6"])
    nim = w.muni("nimlahakok", "Guatemala", ["es", "kek"], offers=[AGRO])
    tarija = w.muni("tarija", "Bolivia", ["es"], seeks=[CHILD])
    brasschaat = w.muni("brasschaat", seeks=[AGRO])
    p1 = w.partner(herent, nim, "active")
    p2 = w.partner(tarija, brasschaat, "active")
    p3 = w.partner(nim, tarija, "ended")
    w.project(tarija, "water-sources", concerns=[WATER, "target:6.3"])
    w.project(p1, "sdg-route", contributes=["sdg:13"])
    w.project(p2, "local-heroes", contributes=["sdg:13"])
    w.lesson("mental-photos", p3, concerns=[YOUTH])
    w.facilitate("cimic", p1)
    w.facilitate("cimic", p2)
    return w.write(store)


def test_evidence_covers_every_part_with_real_paths(rich):
    result = match(rich, ask("municipality:herent"))
    assert ids(result) == ["municipality:tarija", "municipality:brasschaat"]
    tarija = result.candidates[0]
    components = {e.component for e in tarija.evidence}
    assert {"you_give", "you_learn", "sdgs", "facilitators", "network"} <= components
    assert all(tarija.parts[c] > 0 for c in ("you_give", "you_learn", "mutual", "sdgs", "facilitators",
                                              "network"))
    learn = [e for e in tarija.evidence if e.component == "you_learn"][0]
    assert [e.key for e in learn.paths[0]] == [
        ("municipality:tarija", "IMPLEMENTS", "project:water-sources"),
        ("project:water-sources", "CONCERNS", WATER)]
    sdgs = {e.about: e for e in tarija.evidence if e.component == "sdgs"}
    assert set(sdgs) == {"sdg:6", "sdg:13"}
    assert [e.key for e in sdgs["sdg:6"].paths[1]] == [
        ("municipality:tarija", "IMPLEMENTS", "project:water-sources"),
        ("project:water-sources", "CONCERNS", "target:6.3"),
        ("sdg:6", "HAS_TARGET", "target:6.3")]
    [fac] = [e for e in tarija.evidence if e.component == "facilitators"]
    assert fac.about == "organisation:cimic"
    assert [e.key for e in fac.paths[0]] == [
        ("municipality:herent", "PARTNER_IN", "partnership:herent--nimlahakok"),
        ("organisation:cimic", "FACILITATES", "partnership:herent--nimlahakok"),
        ("organisation:cimic", "FACILITATES", "partnership:tarija--brasschaat"),
        ("municipality:tarija", "PARTNER_IN", "partnership:tarija--brasschaat")]
    [pop] = [e for e in tarija.evidence if e.component == "network"]
    assert pop.about == "municipality:nimlahakok"
    assert pop.flags == ("partner_of_partner", "ended")
    assert [e.key for e in pop.paths[0]] == [
        ("municipality:herent", "PARTNER_IN", "partnership:herent--nimlahakok"),
        ("municipality:nimlahakok", "PARTNER_IN", "partnership:herent--nimlahakok"),
        ("municipality:nimlahakok", "PARTNER_IN", "partnership:nimlahakok--tarija"),
        ("municipality:tarija", "PARTNER_IN", "partnership:nimlahakok--tarija")]
    assert "partner_of_partner" in tarija.flags
    assert_real_paths(rich, result, "municipality:herent")


def test_lessons_in_a_partnership_count_for_its_members(rich):
    result = match(rich, ask("municipality:brasschaat", themes=(YOUTH,), exclude_partners=False))
    nim = by_id(result)["municipality:nimlahakok"]
    assert nim.parts["you_learn"] > 0
    learn = [e for e in nim.evidence if e.component == "you_learn" and e.about == YOUTH][0]
    assert learn.flags == ("lesson", "focus", "requested")
    assert [e.type for e in learn.paths[0]] == ["PARTNER_IN", "EXPERIENCED_IN", "ILLUSTRATED_BY", "CONCERNS"]
    assert_real_paths(rich, result, "municipality:brasschaat")


def test_network_only_candidates_are_flagged(store):
    w = World()
    a = w.muni("a", seeks=[WATER])
    b = w.muni("b", "Germany", ["de"])
    c = w.muni("c", "Germany", ["de"])
    w.muni("d", "Bolivia", ["es"], offers=[WATER])
    w.partner(a, b, "ended")
    w.partner(b, c)
    w.write(store)
    result = match(store, ask("municipality:a"))
    # b, an ended partner, is a real tie; c, b's partner with no theme in common, is too weak to show.
    assert ids(result) == ["municipality:d", "municipality:b"]
    assert by_id(result)["municipality:b"].flags == ("partnership_ended", "no_thematic_signal")
    assert by_id(result)["municipality:b"].group == "network"


# ---------------------------------------------------------------- determinism
def test_ties_are_broken_by_id_whatever_the_write_order(store, tmp_path):
    w = World()
    w.muni("herent", seeks=[WATER])
    for slug in ("zeta", "alpha", "mid", "beta"):
        w.muni(slug, "Peru", ["es"], offers=[WATER])
    w.write(store)
    other = w.write(EmbeddedStore(tmp_path / "reversed"), reverse=True)
    first = match(store, ask("municipality:herent"))
    assert ids(first) == ["municipality:alpha", "municipality:beta", "municipality:mid", "municipality:zeta"]
    assert len({c.score for c in first.candidates}) == 1
    assert match(store, ask("municipality:herent")) == first
    assert match(other, ask("municipality:herent")).candidates == first.candidates
    assert ids(match(store, ask("municipality:herent", limit=2))) == ids(first)[:2]


def test_same_request_same_answer_on_every_backend(rich, tmp_path):
    """The store under test and an embedded store built from the same records agree exactly."""
    w_nodes = list(rich.nodes())
    w_edges = list(rich.edges())
    reference = EmbeddedStore(tmp_path / "reference")
    reference.write(w_nodes, w_edges)
    requests = [
        ask("municipality:herent"),
        ask("municipality:herent", themes=(WATER, YOUTH), exclude_partners=False),
        ask("municipality:brasschaat", themes=(AGRO, CHILD), region="latin-america"),
        ask("municipality:tarija", themes=(CHILD,), require_shared_language=True),
        MatchRequest(profile=Profile("Peru", ("es",), (AGRO,), (WATER,), ("sdg:6",)), themes=(WATER,)),
    ]
    for req in requests:
        got, want = match(rich, req), match(reference, req)
        assert (got.candidates, got.considered) == (want.candidates, want.considered)


def test_index_follows_the_store_version(exchange):
    index = match_index(exchange)
    assert match_index(exchange) is index
    before = ids(match(exchange, ask("municipality:herent")))
    exchange.write([make_node("municipality:newcomer", {"name": "Newcomer", "country": "Chile"})],
                   [make_edge("municipality:newcomer", "OFFERS", WATER),
                    make_edge("municipality:newcomer", "SEEKS", AGRO)])
    assert match_index(exchange) is not index
    after = ids(match(exchange, ask("municipality:herent")))
    assert after == ["municipality:newcomer", "municipality:tarija", "municipality:cusco",
                     "municipality:quito"] != before


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("req, code", [
    (MatchRequest(themes=(WATER,)), "both_or_neither"),
    (MatchRequest(municipality="municipality:herent", profile=Profile("Belgium"), themes=(WATER,)),
     "both_or_neither"),
    (ask("municipality:nowhere"), "unknown_municipality"),
    (ask(WATER), "unknown_municipality"),
    (ask("municipality:herent", themes=()), "no_themes"),
    (ask("municipality:herent", themes=tuple(f"theme:t{i}" for i in range(21))), "too_many_themes"),
    (ask("municipality:herent", themes=(WATER, "theme:nope")), "unknown_theme"),
    (MatchRequest(profile=Profile("Peru", offers=("theme:nope",)), themes=(WATER,)), "unknown_theme"),
    (MatchRequest(profile=Profile("Peru", sdgs=("sdg:99",)), themes=(WATER,)), "unknown_sdg"),
    (MatchRequest(profile=Profile("Atlantis"), themes=(WATER,)), "unknown_country"),
    (MatchRequest(profile=Profile("Peru", languages=("Spanish",)), themes=(WATER,)), "unknown_language"),
    (ask("municipality:herent", country="Atlantis"), "unknown_country"),
    (ask("municipality:herent", region="Middle-earth"), "unknown_region"),
    (ask("municipality:herent", country="Bolivia", region="europe"), "contradictory_options"),
    (ask("municipality:herent", country="Peru", region="central-america"), "contradictory_options"),
    (ask("municipality:herent", limit=0), "limit_out_of_range"),
    (ask("municipality:herent", limit=101), "limit_out_of_range"),
    (ask("municipality:herent", limit=-3), "limit_out_of_range"),
    (ask("municipality:herent", limit=True), "limit_out_of_range"),
    (ask("municipality:herent", limit="10"), "limit_out_of_range"),
    (ask("municipality:nowhere-land", require_shared_language=True), "unknown_municipality"),
    (ask("municipality:atlantis", require_shared_language=True), "no_languages"),
])
def test_bad_input_has_a_code_and_a_message(store, req, code):
    w = World()
    w.muni("herent", seeks=[WATER])
    w.muni("atlantis", "Atlantis", ())
    w.write(store)
    with pytest.raises(MatchError) as info:
        match(store, req)
    assert info.value.code == code
    assert isinstance(info.value, GraphError) and isinstance(info.value, ValueError)
    assert str(info.value)


# ---------------------------------------------------------------- quality
def quality_world(rng: random.Random, scenarios: int = 8, prefix: str = "q"):
    """Origins with needs and offers, and candidates of known kinds with random extras.

    Per origin: two-way candidates (teach the requested theme, declared or
    through a project, and seek something the origin offers), one-way
    teachers, "reverse" candidates (seek what the origin offers, teach
    something unrelated) and off-topic two-way ones (exchange on a theme that
    was not requested).  Every candidate draws the same random extras (shared
    SDGs, a language, a shared facilitator, a partner in common), so only the
    exchange itself should separate them.
    """
    themes = [f"theme:{prefix}-t{i}" for i in range(10)]
    w = World(themes=themes)
    latin = ["Bolivia", "Peru", "Guatemala", "Ecuador", "Colombia", "Nicaragua"]
    cases = []
    for k in range(scenarios):
        picked = rng.sample(themes, 4)
        seek, give = picked[:2], picked[2:]
        unrelated = [t for t in themes if t not in picked]
        sdgs = [f"sdg:{n}" for n in rng.sample(range(1, 18), 3)]
        o = f"{prefix}-o{k}"
        origin = w.muni(o, offers=give, seeks=seek, sdgs=sdgs)
        hub = w.muni(f"{o}-twin", "Germany", ["de"])
        w.partner(origin, hub)
        w.facilitate(f"{o}-ngo", w.partner(origin, w.muni(f"{o}-friend", "France", ["fr"])))
        kinds = ["two_way"] * 5 + ["one_way"] * 4 + ["reverse"] * 3 + ["off_topic"] * 3
        for i, kind in enumerate(kinds):
            slug = f"{o}-c{rng.randrange(10**6):06d}-{i}"
            cid = w.muni(slug, rng.choice(latin), [rng.choice(["es", "nl", "fr", "en"])])
            if kind in ("two_way", "one_way"):
                if rng.random() < 0.5:
                    w.edge(cid, "OFFERS", seek[0])
                else:
                    w.project(cid, f"{slug}-p", concerns=[seek[0]])
            if kind in ("two_way", "reverse", "off_topic"):
                w.edge(cid, "SEEKS", rng.choice(give))
            if kind == "off_topic":
                w.edge(cid, "OFFERS", seek[1])
            if kind in ("one_way", "reverse"):
                w.edge(cid, "OFFERS", rng.choice(unrelated))
            for s in rng.sample(sdgs, rng.randrange(0, 4)):
                w.edge(cid, "WORKS_ON", s)
            if rng.random() < 0.3:
                w.partner(hub, cid)
            if rng.random() < 0.3:
                w.facilitate(f"{o}-ngo", w.partner(cid, w.muni(f"{slug}-twin", "Spain", ["es"])))
        cases.append((origin, seek[0], set(give)))
    return w, cases


def relevant_for(world: World, origin: str, focus: str, gives: set[str]) -> set[str]:
    """The ground truth, from the planted facts: who teaches ``focus`` and seeks what ``origin`` gives."""
    teaches, seeks = defaultdict(set), defaultdict(set)
    implementers = {e.target: e.source for e in world.edges if e.type == "IMPLEMENTS"}
    for e in world.edges:
        if e.type == "OFFERS":
            teaches[e.source].add(e.target)
        elif e.type == "SEEKS":
            seeks[e.source].add(e.target)
        elif e.type == "CONCERNS" and e.source in implementers:
            teaches[implementers[e.source]].add(e.target)
    return {m for m in teaches if m != origin and focus in teaches[m] and seeks[m] & gives}


def test_precision_at_5(store, capsys, record_property):
    """Four independent worlds (own themes, own ids) of eight scenarios each, in one store."""
    worlds = [quality_world(random.Random(seed), prefix=f"q{seed}") for seed in range(1, 5)]
    nodes = {i: n for w, _ in worlds for i, n in w.nodes.items()}
    store.write(nodes.values(), [e for w, _ in worlds for e in w.edges])
    precisions = []
    for world, cases in worlds:
        for origin, focus, gives in cases:
            relevant = relevant_for(world, origin, focus, gives)
            top = ids(match(store, ask(origin, themes=(focus,), limit=5)))
            precisions.append(len(set(top) & relevant) / min(5, len(relevant)))
    p_at_5 = sum(precisions) / len(precisions)
    record_property("precision_at_5", p_at_5)
    misses = sum(p < 1 for p in precisions)
    line = (f"matching precision@5 = {p_at_5:.3f} over {len(precisions)} scenarios on {store.backend} "
            f"({misses} with a non-relevant candidate in the top 5; worst {min(precisions):.1f})")
    with capsys.disabled():  # shown in the test output even without -s
        print("\n" + line)
    assert p_at_5 >= 0.85


# ---------------------------------------------------------------- regions
@pytest.mark.parametrize("name, code", [
    ("Belgium", "BE"), ("België", "BE"), ("Belgique", "BE"), ("be", "BE"), ("Bolivia", "BO"),
    ("Perú", "PE"), ("England", "GB"), ("Scotland, United Kingdom", "GB"), ("Wales", "GB"),
    ("Northern Ireland", "GB"), ("Georgia (country)", "GE"), ("Czech Republic", "CZ"),
    ("Turkey", "TR"), ("Ivory Coast", "CI"), ("São Tomé and Príncipe", "ST"),
    ("Saint Vincent and the Grenadines", "VC"), ("Réunion, France", "RE"),
    ("Brandenburg, Germany", "DE"), ("Democratic Republic of the Congo", "CD"),
    ("Atlantis", None), ("", None), (None, None),
])
def test_country_names_resolve(name, code):
    assert country_code(name) == code


def test_regions_nest_and_have_translated_names():
    assert regions.regions_of("BO") == ("south-america", "latin-america", "americas")
    assert regions.regions_of("GB") == ("northern-europe", "europe")
    assert regions.regions_of("CD") == ("middle-africa", "sub-saharan-africa", "africa")
    assert regions.regions_of(None) == ()
    assert regions.region_key("419") == regions.region_key("Latin America") == "latin-america"
    assert regions.region_name("latin-america", "nl") == "Latijns-Amerika"
    assert regions.region_name("latin-america", "es") == "Latinoamérica"


def test_region_table_agrees_with_time_zones():
    """Cross-check the M49 table against CLDR's time zones, which name the continent."""
    from babel.core import get_global

    continent = {"America": "americas", "Africa": "africa", "Europe": "europe", "Asia": "asia",
                 "Australia": "oceania"}
    zones = get_global("territory_zones")
    # Spain's first zone is Africa/Ceuta; the UN counts Turkey as Western Asia.
    known_exceptions = {"ES", "TR"}
    for code in regions.SUBREGION_OF:
        first = (zones.get(code) or ["?/"])[0].split("/")[0]
        if first in continent and code not in known_exceptions:
            assert regions.regions_of(code)[-1] == continent[first], code


def test_form_choices_are_translated_and_resolve_back():
    names = dict(regions.countries("es"))
    assert names["BE"] == "Bélgica" and len(names) == len(regions.SUBREGION_OF)
    assert all(country_code(name) == code for code, name in regions.countries("nl"))
    assert [key for key, _ in regions.region_choices("fr")] == list(regions.REGIONS)
    assert all(regions.region_key(key) == key for key, _ in regions.region_choices())


def test_a_search_after_a_write_never_waits_for_a_full_build(seeded_store, monkeypatch):
    """A small write is followed at once; a change too large to follow is built in the background,
    and searches meanwhile answer from the previous index."""
    import time

    import graph.matching.cache as index_module
    from graph.matching import match_index
    from graph.records import make_edge, make_node

    old = match_index(seeded_store)
    real_build = index_module.build_index

    def no_build(*args):
        raise AssertionError("a small write must not rebuild the index")

    monkeypatch.setattr(index_module, "build_index", no_build)
    seeded_store.write([make_node("theme:new-theme", {"name": {"en": "New theme"}})],
                       [make_edge("municipality:herent-belgium", "SEEKS", "theme:new-theme")])
    followed = match_index(seeded_store, wait=0)
    assert followed.version == seeded_store.version() and "theme:new-theme" in followed.sought_by

    # A goal's targets change: that is rebuilt in the background, slowly here.
    monkeypatch.setattr(index_module, "build_index", lambda *a: (time.sleep(0.5), real_build(*a))[1])
    seeded_store.write([make_node("target:6.z", {"title": {"en": "A new target"}, "number": "6.z"})],
                       [make_edge("sdg:6", "HAS_TARGET", "target:6.z")])
    started = time.monotonic()
    assert match_index(seeded_store, wait=0) is followed
    assert time.monotonic() - started < 0.3
    deadline = time.monotonic() + 60
    while match_index(seeded_store, wait=0) is followed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert match_index(seeded_store, wait=0).version == seeded_store.version()
    assert old is not followed


def test_a_follower_splices_a_write_before_any_search_asks(seeded_store, monkeypatch):
    """follow_match_index brings the index up to a write in the background; the next search just reads it."""
    import time

    import graph.matching.cache as index_module
    from graph.matching import follow_match_index, match_index
    from graph.records import make_edge, make_node

    match_index(seeded_store)
    assert follow_match_index(seeded_store, 0) is None
    follower = follow_match_index(seeded_store, 0.05)
    try:
        assert follow_match_index(seeded_store, 0.05) is follower  # one per store
        seeded_store.write([make_node("theme:followed", {"name": {"en": "Followed"}})],
                           [make_edge("municipality:herent-belgium", "OFFERS", "theme:followed")])
        version = seeded_store.version()
        deadline = time.monotonic() + 30
        while index_module._CACHE[seeded_store].version != version and time.monotonic() < deadline:
            time.sleep(0.02)
        spliced = []
        real_update = index_module.update_index
        monkeypatch.setattr(index_module, "update_index", lambda *a: spliced.append(a) or real_update(*a))
        index = match_index(seeded_store, wait=0)
        assert index.version == version and "theme:followed" in index.offered_by
        assert spliced == []  # the follower did it
    finally:
        follower.stop()
    assert not follower.is_alive()


def test_a_follower_stops_when_its_store_is_closed(tmp_path):
    from graph.matching import follow_match_index
    from graph.stores.sqlite.store import EmbeddedStore

    store = EmbeddedStore(tmp_path)
    follower = follow_match_index(store, 0.01)
    store.close()
    follower.join(timeout=10)
    assert not follower.is_alive()


def _same_index(a, b) -> None:
    for name in ("version", "places", "themes", "sdgs", "offers", "seeks", "works_on", "memberships", "members",
                 "status", "facilitated", "offered_by", "sought_by", "worked_on_by", "facilitator_members",
                 "offer_w", "seek_w", "work_w", "work_total", "private_runs"):
        assert getattr(a, name) == getattr(b, name), name


def test_an_index_follows_small_writes_exactly_as_a_full_build_would(seeded_store):
    """update_index splices what a change can reach; the result must equal building from scratch."""
    from graph.matching.index import build_index
    from graph.matching.updates import update_index
    from graph.model import ChangeNote
    from graph.records import make_edge, make_node

    index = build_index(seeded_store)
    herent, tarija = "municipality:herent-belgium", "municipality:tarija-bolivia"
    partnership = next(e.target for e in seeded_store.edges_of(tarija, ["PARTNER_IN"]))
    project = next(e.target for e in seeded_store.edges_of(partnership, ["IMPLEMENTS"]) if e.source == partnership)
    writes = [
        # a profile: a municipality offers and seeks themes, works on a goal
        lambda s: s.write(edges=[make_edge(herent, "OFFERS", "theme:agroforestry"),
                                 make_edge(herent, "WORKS_ON", "sdg:6")], change=ChangeNote("t", "profile")),
        # a new project of a partnership, about water and a target of goal 6
        lambda s: s.write([make_node("project:new-well", {"name": {"en": "New well"}})],
                          [make_edge(partnership, "IMPLEMENTS", "project:new-well"),
                           make_edge("project:new-well", "CONCERNS", "theme:water"),
                           make_edge("project:new-well", "CONTRIBUTES_TO", "target:6.1")]),
        # an existing project now also concerns child rights
        lambda s: s.write(edges=[make_edge(project, "CONCERNS", "theme:child-rights")]),
        # a new town joins the partnership, a status changes, a theme appears
        lambda s: s.write([make_node("municipality:new-town-peru", {"name": "New Town", "country": "Peru"}),
                           make_node(partnership, {"status": "dormant"}),
                           make_node("theme:youth-work", {"name": {"en": "Youth work"}})],
                          [make_edge("municipality:new-town-peru", "PARTNER_IN", partnership)]),
        # deletes: the project and an offer
        lambda s: s.delete(["project:new-well"], [(herent, "OFFERS", "theme:agroforestry")]),
        # a renamed municipality in another country
        lambda s: s.write([make_node("municipality:new-town-peru", {"name": "Nueva Ciudad", "country": "Bolivia"})]),
        # a member of many partnerships offers a theme: none of their member lists moves
        lambda s: s.write(edges=[make_edge(tarija, "OFFERS", "theme:youth-work")]),
        # a member leaves the partnership by being deleted: its member list shrinks
        lambda s: s.delete(["municipality:new-town-peru"]),
    ]
    for n, write in enumerate(writes):
        write(seeded_store)
        updated = update_index(seeded_store, index)
        assert updated is not None, f"write {n} needed a full build"
        _same_index(updated, build_index(seeded_store))
        index = updated
    seeded_store.clear()
    assert update_index(seeded_store, index) is None  # a clear is not a recorded change: build again


def test_a_new_version_of_shards_shares_what_it_does_not_change():
    """Following a write copies only the shards it touches; the previous version stays as it was."""
    from graph.matching.shards import SHARD_SIZE, Shards

    old = Shards({f"municipality:t{i}": i for i in range(SHARD_SIZE * 8)})
    new = old.replaced({"municipality:t1": -1, "municipality:new": 0}, ["municipality:t2", "municipality:absent"])
    assert dict(old) == {f"municipality:t{i}": i for i in range(SHARD_SIZE * 8)}
    expected = {f"municipality:t{i}": i for i in range(SHARD_SIZE * 8) if i != 2} | {
        "municipality:t1": -1, "municipality:new": 0}
    assert new == expected and len(new) == len(expected)
    assert new.get("municipality:t2") is None and "municipality:t2" not in new and new["municipality:t1"] == -1
    shared = sum(a is b for a, b in zip(old._parts, new._parts, strict=True))
    assert len(old._parts) >= 8 and shared >= len(old._parts) - 3


# ---------------------------------------------------------------- the requested theme, always
@pytest.fixture
def seekers(store):
    """As in the seeds: every town seeks water, agroforestry and child rights, and none offers them."""
    w = World()
    w.muni("brasschaat", sdgs=["sdg:6"])
    w.muni("herent", seeks=[WATER, AGRO], sdgs=["sdg:6"])
    w.muni("edegem", seeks=[CHILD], sdgs=["sdg:6"])
    w.muni("tarija", "Bolivia", ["es"], seeks=[WATER])
    w.muni("flemish-brabant", place_type="province", seeks=[WATER, AGRO, CHILD])
    return w.write(store)


def test_each_theme_gets_its_own_answer_and_says_nobody_offers_it(seekers):
    answers = {}
    for theme in (WATER, AGRO, CHILD):
        result = match(seekers, ask("municipality:brasschaat", themes=(theme,)))
        assert result.nobody_offers == (theme,)
        circle = [c.id for c in result.candidates if c.group == "circle"]
        for c in result.candidates:
            if c.group == "circle":
                assert [(link.theme, link.relation) for link in c.theme_links] == [(theme, "seeks")]
        answers[theme] = circle
    assert answers == {WATER: ["municipality:herent", "municipality:tarija"], AGRO: ["municipality:herent"],
                       CHILD: ["municipality:edegem"]}


def test_a_province_is_never_a_candidate_nor_counted(seekers):
    result = match(seekers, ask("municipality:brasschaat", themes=(WATER, AGRO, CHILD)))
    assert "municipality:flemish-brabant" not in ids(result)
    assert [(s.theme, s.offered, s.practised, s.sought) for s in result.support] == [
        (WATER, 0, 0, 2), (AGRO, 0, 0, 1), (CHILD, 0, 0, 1)]


def test_an_empty_profile_is_reported(seekers):
    seekers.write([make_node("municipality:mechelen", {"name": "Mechelen", "country": "Belgium"})])
    assert match(seekers, ask("municipality:mechelen")).profile_empty
    assert not match(seekers, ask("municipality:herent")).profile_empty


def test_what_an_unpublished_run_yielded_counts_only_once_it_is_published(store):
    """A workspace run stays between its partners until published (docs/workspace.md): the themes
    and goals it yielded must not make anyone a candidate before then, in a full build or a follower."""
    from graph.matching.index import build_index
    from graph.matching.updates import update_index

    w = World()
    w.muni("brasschaat", seeks=[WATER])
    cusco = w.muni("cusco", "Peru", ["es"])
    w.muni("lima", "Peru", ["es"])
    w.node("run:radar-1", partnership="partnership:brasschaat-cusco", exercise_kind="radar")
    w.edges.append(make_edge(cusco, "OFFERS", WATER, {"source": "run:radar-1"}))
    w.write(store)
    assert "municipality:cusco" not in {c.id for c in match(store, ask("municipality:brasschaat")).candidates}
    index = build_index(store)
    assert index.private_runs == frozenset({"run:radar-1"})

    # A second private run yields a goal: the follower splices it in, still left out.
    store.write([make_node("run:radar-2", {"partnership": "partnership:brasschaat-cusco"})],
                [make_edge(cusco, "WORKS_ON", "sdg:6", {"source": "run:radar-2"})])
    followed = update_index(store, index)
    assert followed is not None
    _same_index(followed, build_index(store))
    assert "municipality:cusco" not in followed.works_on

    # Publishing is a change the follower sees: the theme counts from then on.
    store.write([make_node("run:radar-1", {"partnership": "partnership:brasschaat-cusco",
                                           "published_at": "2026-12-06T06:00:00Z", "published_by": "admin"})])
    assert update_index(store, followed) is None  # a publish can move many claims: build again
    rebuilt = build_index(store)
    assert rebuilt.private_runs == frozenset({"run:radar-2"})
    assert WATER in rebuilt.offers["municipality:cusco"]
    assert "municipality:cusco" in {c.id for c in match(store, ask("municipality:brasschaat")).candidates}


def test_offering_and_practising_come_with_the_path(store):
    w = World()
    w.muni("brasschaat", seeks=[WATER])
    w.muni("cusco", "Peru", ["es"], offers=[WATER])
    tarija = w.muni("tarija", "Bolivia", ["es"])
    w.project(tarija, "water-source", concerns=[WATER])
    w.write(store)
    result = match(store, ask("municipality:brasschaat"))
    links = {c.id: [(x.relation, [e.type for e in p]) for x in c.theme_links for p in x.paths]
             for c in result.candidates}
    assert links == {"municipality:cusco": [("offers", ["OFFERS"])],
                     "municipality:tarija": [("practises", ["IMPLEMENTS", "CONCERNS"])]}
    assert result.nobody_offers == ()
