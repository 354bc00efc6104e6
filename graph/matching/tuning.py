"""The numbers that tune matching: weights of the score parts, strengths, limits.

They live apart from the code that uses them so that retuning the ranking is
a change to this file alone (docs/matching.md explains each choice).
"""

from __future__ import annotations

# Weights of the score parts; they sum to 1, so a score lies in [0, 1].
WEIGHTS: dict[str, float] = {
    "you_give": 0.20,         # themes you offer that they seek
    "you_learn": 0.20,        # themes they offer that you seek (or asked for)
    "mutual": 0.25,           # knowledge flows both ways, around the requested themes
    "common_practice": 0.10,  # themes you both offer or practise: peers
    "sdgs": 0.10,             # SDGs you both work on (declared, projects, lessons)
    "facilitators": 0.05,     # an organisation facilitates partnerships of both
    "network": 0.05,          # existing link, or partner of your partner
    "language": 0.05,         # a shared working language
}
COMPONENTS = tuple(WEIGHTS)
THEMATIC = ("you_give", "you_learn", "common_practice", "sdgs")

# How strongly an edge pattern says a municipality has a theme or SDG.
DECLARED = 1.0    # Municipality -OFFERS/SEEKS/WORKS_ON-> x
PRACTISED = 0.7   # ... -IMPLEMENTS-> Project -CONCERNS/CONTRIBUTES_TO-> x (own or a partnership's)
LESSON = 0.5      # Lesson/PracticalExperience experienced in it (or its partnership) concerning x
IMPLIED_INTEREST = 0.5  # a requested theme counts as sought at this strength if not declared
FOCUS_SHARE = 0.75      # share of a thematic part earned on the requested themes; the rest: others
STATUS_WEIGHT = {"active": 1.0, "dormant": 0.75, "ended": 0.5}  # missing or other status: 1.0
COMMON_PARTNER = 0.5    # each common partner closes this share of the remaining gap

MAX_LIMIT = 100
MAX_THEMES = 20
MAX_EVIDENCE = 5  # evidence items per component and candidate
MAX_PATHS = 3     # paths kept per (municipality, theme/SDG)
