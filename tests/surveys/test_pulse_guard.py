"""The anonymity guard of ``pulse_selectors`` on hand-made counts: no database needed (SCORING.md §5)."""

import itertools

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from satisfaction import scoring
from surveys.pulse_selectors import AnonymityGuard

K = 5
TEAM_SITES = {"a1": "a", "a2": "a", "a3": "a", "b1": "b"}


def guard(cells: dict[tuple[str, str, str], int], k: int = K) -> AnonymityGuard:
    return AnonymityGuard(cells, k=k, team_sites=TEAM_SITES)


def test_a_cut_under_k_is_hidden_and_one_at_k_is_shown():
    g = guard({("a", "a1", "x"): 4, ("a", "a2", "x"): 5, ("b", "b1", "x"): 9})
    assert not g.shown(g.cut(team="a1"))
    assert g.shown(g.cut(team="b1"))


def test_a_team_filter_carries_its_site():
    g = guard({("a", "a1", "x"): 5})
    assert g.cut(team="a1") == frozenset({("team", "a1"), ("site", "a")})


def test_a_cut_whose_complement_against_any_coarser_cut_is_under_k_is_hidden():
    # Site b: 12, of which band y: 9. Site b and band y leaves 3 against site b.
    g = guard({("b", "b1", "y"): 9, ("b", "b1", "z"): 3, ("a", "a1", "y"): 20})
    assert g.shown(g.cut(site="b"))
    assert not g.shown(g.cut(site="b", tenure_band="y"))


def test_the_complement_against_the_whole_round_counts_too():
    # Band y: 9 of 12 in all; against the whole round the other 3 would be isolated.
    g = guard({("b", "b1", "y"): 9, ("b", "b1", "z"): 3})
    assert not g.shown(g.cut(tenure_band="y"))


def test_a_hidden_sibling_is_not_left_alone_by_subtraction():
    # Site a: a1 8, a2 7, a3 4. a3 is hidden; a2, the smallest shown, is hidden with it (4 + 7 >= k).
    g = guard({("a", "a1", "x"): 8, ("a", "a2", "x"): 7, ("a", "a3", "x"): 4, ("b", "b1", "x"): 12})
    assert [g.shown(g.cut(team=t)) for t in ("a1", "a2", "a3", "b1")] == [True, False, False, True]


def test_hidden_siblings_that_already_add_up_to_k_hide_no_one_else():
    g = guard({("a", "a1", "x"): 8, ("a", "a2", "x"): 3, ("a", "a3", "x"): 2, ("b", "b1", "x"): 12})
    assert [g.shown(g.cut(team=t)) for t in ("a1", "a2", "a3")] == [True, False, False]


def test_the_decision_does_not_depend_on_which_cut_is_asked_first():
    cells = {("a", "a1", "x"): 8, ("a", "a2", "x"): 7, ("a", "a3", "x"): 4, ("b", "b1", "x"): 12}
    first, second = guard(cells), guard(cells)
    assert not first.shown(first.cut(team="a2"))
    assert [second.shown(second.cut(team=t)) for t in ("a3", "a1", "a2")] == [False, True, False]


def test_the_guard_follows_a_raised_k():
    g = guard({("a", "a1", "x"): 6, ("b", "b1", "x"): 9}, k=7)
    assert not g.shown(g.cut(team="a1"))
    assert g.shown(g.cut(team="b1")) is False  # 15 - 9 = 6 < 7 isolates a1's six


def test_an_empty_round_shows_nothing():
    g = guard({})
    assert not g.shown(frozenset())


CELL_KEYS = [(site, team, band) for team, site in TEAM_SITES.items() for band in ("x", "y")]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=len(CELL_KEYS), max_size=len(CELL_KEYS)), st.integers(3, 6))
def test_no_two_shown_cuts_differ_by_fewer_than_k_people(counts, k):
    g = guard(dict(zip(CELL_KEYS, counts, strict=True)), k=k)
    cuts = {frozenset()}
    for site, team, band in CELL_KEYS:
        for filters in ({"site": site}, {"team": team}, {"tenure_band": band}, {"team": team, "tenure_band": band}):
            cuts.add(g.cut(**filters))
        cuts.add(g.cut(site=site, tenure_band=band))
    shown = [c for c in cuts if g.shown(c)]
    for cut in shown:
        assert g.respondents(cut) >= k
    # Fewer filters make a coarser cut: a cut's filters contain those of every cut around it.
    for coarse, fine in itertools.permutations(shown, 2):
        if coarse < fine:
            difference = g.respondents(coarse) - g.respondents(fine)
            assert difference == 0 or difference >= k, (coarse, fine)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 15), st.integers(0, 15), st.integers(3, 6))
def test_one_cut_under_one_parent_is_decided_as_scoring_suppress_decides(inside, outside, k):
    g = guard({("a", "a1", "x"): inside, ("a", "a2", "x"): outside}, k=k)
    frame = pd.DataFrame({"respondents": [inside]})
    by_scoring = scoring.suppress(frame, k=k, parent_respondents=inside + outside)["suppressed"].iloc[0]
    # a1 also has a sibling partition; with one sibling it hides a1 exactly when scoring would.
    assert g.shown(g.cut(team="a1", site="a")) == (not by_scoring)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=len(CELL_KEYS), max_size=len(CELL_KEYS)), st.integers(3, 6))
def test_the_hidden_parts_of_a_split_add_up_to_zero_or_at_least_k(counts, k):
    g = guard(dict(zip(CELL_KEYS, counts, strict=True)), k=k)
    splits = [({}, "site", {"a", "b"}), ({}, "tenure_band", {"x", "y"})]
    splits += [({"site": site}, "team", {t for t, s in TEAM_SITES.items() if s == site}) for site in ("a", "b")]
    splits += [({"site": site}, "tenure_band", {"x", "y"}) for site in ("a", "b")]
    splits += [({"team": team}, "tenure_band", {"x", "y"}) for team in TEAM_SITES]
    for filters, dimension, values in splits:
        parent = g.cut(**filters)
        if g.respondents(parent) < k:
            continue
        shown = sum(
            g.respondents(g.cut(**filters, **{dimension: v}))
            for v in values
            if g.shown(g.cut(**filters, **{dimension: v}))
        )
        hidden = g.respondents(parent) - shown
        assert hidden == 0 or hidden >= k, (filters, dimension)
