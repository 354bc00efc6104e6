"""Suggest the SDGs and targets a text speaks to, offline, in Dutch, French, Spanish and English.

A lexical model, small enough to explain each suggestion by the words that led to it:

* every goal has one weighted bag of features per language, from the official goal and target texts
  (seeds/sdg/), the municipal-cooperation vocabulary in ``terms/municipal.yaml`` and, for English, the
  phrases derived from the Aurora SDG queries (``terms/aurora_en.yaml``);
* a feature is a stemmed word or a phrase of up to four stemmed words (Snowball stemmers, accents folded
  after stemming), so that "reforestación" meets "reforestar" and "bossen" meets "bos";
* a text scores a goal by the sum of weight x rarity (BM25's idf over the 17 goals) of the features it
  shares with that goal, counted once each: long texts do not win by repetition;
* targets are scored the same way within the suggested goals, from their own text and the concepts tied
  to them.

Nothing is learnt from the graph's tags: the held-out evaluation (bench/bench_sdg_suggest.py) uses them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import snowballstemmer
import yaml

from graph.schema import LANGUAGES

# Raise when the model changes (data or scoring): change notes name it so that an accepted suggestion
# can be traced to what proposed it.
SUGGESTER_VERSION = "cg-sdg-lexical/1"

TERMS_DIR = Path(__file__).parent / "terms"
STEMMER_NAMES = {"nl": "dutch", "fr": "french", "es": "spanish", "en": "english"}
MAX_PHRASE = 4
# "SDG 13", "ODS 6", "ODD 17", "Goal 4", "doel 11", "objetivo 3": the text names a goal itself.
MENTION = re.compile(r"\b(?:sdgs?|ods|odd|goal|doel|objetivo|objectif)[\s-]*(1[0-7]|[1-9])\b", re.IGNORECASE)
WEIGHT_MENTION = 40.0
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+", re.UNICODE)

# Words too common to carry a topic.  Short lists on purpose: the idf weighting discounts the rest.
STOPWORDS = {
    "en": """a about after all also an and any are as at be been before being between both but by can could
        do does for from had has have how if in into is it its more most no not of on or other our over same
        so some such than that the their them then there these they this those through to under up very was
        we were what when where which while who will with would you your all each every make made take
        also just only well must should may might us our its one two three new many much own way ways""",
    "fr": """a afin ainsi alors au aux avec avoir ce ces cet cette comme dans de des du elle elles en entre est
        et etre été être il ils la le les leur leurs lors mais même ne ni nos notre nous on ont ou où par pas
        peu plus pour qu que qui sa sans se ses si son sont sur ta te tous tout toute toutes très un une vos
        votre vous faire fait été avons sera aussi autre autres avant après chaque comment donc dont encore
        ici leur lui moi nous ont peut plusieurs quand quel quelle sous tant tel toujours trop voici deux
        celui celle ceux celles soit soient propre était étaient avait""",
    "es": """a al algo como con cual cuando de del desde donde el ella ellas ellos en entre era es esa ese eso
        esta este esto estos fue ha han hasta hay la las le les lo los mas más muy ni no nos o para pero por
        que qué se ser si sin sobre su sus también tan todo todos un una uno unos usted y ya hacer hace
        antes cada otra otras otro otros puede pueden sea son tiene tienen hubo había así dos mismo misma""",
    "nl": """aan al als bij dan dat de deze die dit door een en er geen had heb hebben heeft hem het hier hij
        hoe hun ik in is je jij kan kon maar me meer met mij na naar niet nog nu of om ons onze ook op over
        te tegen toe tot uit van veel voor want was wat we wel werd wie wij worden wordt zal ze zelf zich
        zij zijn zo zonder zou u uw moet moeten kunnen waren was ervoor daarom iedereen alle alles andere
        tussen zoals waar waarbij hoe echter elk elke enkel even heel hele goed twee drie jaar""",
}

# The word for the institution every text here is about: in French it even shares its stem with
# "commun" (joint, common), which the targets of several goals use.
DOMAIN_WORDS = {
    "en": "municipality municipalities municipal",
    "fr": "commune communes communal communale communaux municipalité municipalités",
    "es": "municipio municipios municipalidad municipalidades municipal municipales",
    "nl": "gemeente gemeenten gemeentelijk gemeentelijke",
}

# How much each source of a goal's vocabulary weighs: a concept someone wrote for the goal says more
# than a word that happens to occur in one of its targets.
WEIGHT_TITLE = 2.0
WEIGHT_TARGET_TEXT = 0.6
WEIGHT_CONCEPT = 3.0
WEIGHT_AURORA = 1.2
# A goal is offered when it reaches this share of the best goal's score and this absolute score.
RELATIVE_CUTOFF = 0.6
MIN_SCORE = 2.0


@dataclass(frozen=True)
class Suggestion:
    """A goal (``sdg:6``) or target (``target:6.1``) with its score and the words of the text behind it."""

    id: str
    score: float
    evidence: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"id": self.id, "score": round(self.score, 3), "evidence": list(self.evidence)}


@dataclass(frozen=True)
class Suggestions:
    lang: str
    goals: tuple[Suggestion, ...]
    targets: tuple[Suggestion, ...]
    version: str = SUGGESTER_VERSION

    def as_dict(self) -> dict:
        return {"lang": self.lang, "version": self.version, "goals": [g.as_dict() for g in self.goals],
                "targets": [t.as_dict() for t in self.targets]}


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


class _Analyzer:
    """Words -> stems for one language: lower case, stopwords out, Snowball stem, accents folded."""

    def __init__(self, lang: str):
        self.stemmer = snowballstemmer.stemmer(STEMMER_NAMES[lang])
        self.stopwords = frozenset(STOPWORDS[lang].split()) | frozenset(DOMAIN_WORDS[lang].split())

        # Word -> folded stem (None for a stopword); stemming is most of a suggestion's time.
        self._stems: dict[str, str | None] = {}

    def stem(self, word: str) -> str | None:
        lower = word.lower()
        if lower not in self._stems:
            skip = len(lower) < 2 or lower in self.stopwords or lower.isdigit()
            if len(self._stems) > 200_000:  # bound the memory a stream of odd words could take
                self._stems.clear()
            self._stems[lower] = None if skip else _fold(self.stemmer.stemWord(lower))
        return self._stems[lower]

    def tokens(self, text: str) -> list[tuple[str, str]]:
        """(stem, surface word) for each content word; split on hyphens and apostrophes too."""
        found = []
        for match in WORD.finditer(text):
            for word in re.split(r"['’-]", match.group()):
                stem = self.stem(word)
                if stem:
                    found.append((stem, word))
        return found

    def phrase(self, text: str) -> tuple[str, ...]:
        return tuple(stem for stem, _ in self.tokens(text))


@dataclass
class _Bag:
    """Feature -> weight for one goal or target in one language (the largest weight a source gave it)."""

    weights: dict[tuple[str, ...], float] = field(default_factory=dict)

    def add(self, feature: tuple[str, ...], weight: float) -> None:
        if feature and len(feature) <= MAX_PHRASE and weight > self.weights.get(feature, 0.0):
            self.weights[feature] = weight


def _load_yaml(path: Path):
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _goal_of(target: str) -> str:
    return target.split(".", 1)[0]


class _LanguageModel:
    def __init__(self, lang: str, goal_texts: dict, target_texts: dict, concepts: dict, aurora: dict):
        self.analyzer = _Analyzer(lang)
        self.goals: dict[str, _Bag] = {}
        self.targets: dict[str, _Bag] = {}
        for goal, (short, title) in goal_texts.items():
            bag = self.goals.setdefault(goal, _Bag())
            for text in (short, title):
                for stem in self.analyzer.phrase(text or ""):
                    bag.add((stem,), WEIGHT_TITLE)
        for target, text in target_texts.items():
            goal_bag, target_bag = self.goals.setdefault(_goal_of(target), _Bag()), self.targets.setdefault(target, _Bag())
            for stem in self.analyzer.phrase(text):
                goal_bag.add((stem,), WEIGHT_TARGET_TEXT)
                target_bag.add((stem,), 1.0)
        for goal, rows in concepts.items():
            for target, synonyms in rows:
                for synonym in synonyms:
                    feature = self.analyzer.phrase(synonym)
                    self.goals.setdefault(goal, _Bag()).add(feature, WEIGHT_CONCEPT)
                    if target:
                        self.targets.setdefault(target, _Bag()).add(feature, WEIGHT_CONCEPT)
        for key, phrases in aurora.items():
            goal = _goal_of(key)
            for phrase in phrases:
                feature = self.analyzer.phrase(phrase)
                self.goals.setdefault(goal, _Bag()).add(feature, WEIGHT_AURORA)
                if "." in key and key in self.targets:
                    self.targets[key].add(feature, WEIGHT_AURORA)
        self.goal_index = self._index(self.goals)
        self.target_index = self._index(self.targets)

    @staticmethod
    def _index(bags: dict[str, _Bag]) -> dict[tuple[str, ...], list[tuple[str, float]]]:
        """Feature -> [(goal or target, gain)], gain = weight x idf (BM25's, over the bags) x phrase bonus."""
        frequency: dict[tuple[str, ...], int] = {}
        for bag in bags.values():
            for feature in bag.weights:
                frequency[feature] = frequency.get(feature, 0) + 1
        n = len(bags)
        index: dict[tuple[str, ...], list[tuple[str, float]]] = {}
        for key, bag in bags.items():
            for feature, weight in bag.weights.items():
                df = frequency[feature]
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                # A phrase says more than its words apart; its words still count on their own.
                index.setdefault(feature, []).append((key, weight * idf * (1.0 + 0.5 * (len(feature) - 1))))
        return index

    @staticmethod
    def score(features: dict[tuple[str, ...], str], index: dict, only: set[str] | None = None) -> dict:
        """key -> (score, [(gain, words)]) for every goal or target sharing a feature with the text."""
        found: dict[str, list] = {}
        for feature, surface in features.items():
            for key, gain in index.get(feature, ()):
                if only is not None and _goal_of(key) not in only:
                    continue
                entry = found.setdefault(key, [0.0, []])
                entry[0] += gain
                entry[1].append((gain, surface))
        return found


def _features(analyzer: _Analyzer, text: str) -> dict[tuple[str, ...], str]:
    """Every stem n-gram (n <= MAX_PHRASE) of the text, each with the words it was read from."""
    tokens = analyzer.tokens(text)
    found: dict[tuple[str, ...], str] = {}
    for start in range(len(tokens)):
        for length in range(1, MAX_PHRASE + 1):
            window = tokens[start:start + length]
            if len(window) < length:
                break
            key = tuple(stem for stem, _ in window)
            found.setdefault(key, " ".join(word for _, word in window))
    return found


def _evidence(pairs: list[tuple[float, str]], limit: int = 6) -> tuple[str, ...]:
    """The strongest matched words, longest phrases first among equals, without words a phrase already shows."""
    shown: list[str] = []
    for _, surface in sorted(pairs, key=lambda p: (-p[0], -len(p[1]))):
        lower = surface.lower()
        if any(lower in s.lower().split() or lower == s.lower() for s in shown):
            continue
        shown.append(surface)
        if len(shown) == limit:
            break
    return tuple(shown)


class Suggester:
    """The model for the four languages; build once (``default_suggester()``), then ``suggest`` per text."""

    def __init__(self, sdg_dir: Path, terms_dir: Path = TERMS_DIR):
        goal_texts, target_texts = _official_texts(sdg_dir)
        concepts = _concepts(_load_yaml(terms_dir / "municipal.yaml"))
        aurora = {str(k): v for k, v in (_load_yaml(terms_dir / "aurora_en.yaml") or {}).items()}
        self.models = {
            lang: _LanguageModel(lang, goal_texts.get(lang, {}), target_texts.get(lang, {}), concepts.get(lang, {}),
                                 aurora if lang == "en" else {})
            for lang in LANGUAGES
        }

    def detect_language(self, text: str) -> str:
        """The language whose stopwords the text uses most (English when it uses none)."""
        words = [w.lower() for w in WORD.findall(text[:4000])]
        counts = {lang: sum(1 for w in words if w in model.analyzer.stopwords) for lang, model in self.models.items()}
        best = max(LANGUAGES, key=lambda lang: counts[lang])
        return best if counts[best] else "en"

    def suggest(self, text: str, lang: str | None = None, goals: int = 3, targets: int = 5,
                exclude: frozenset[str] | set[str] = frozenset()) -> Suggestions:
        """Rank the goals and targets ``text`` speaks to; ``exclude`` drops ids (already tagged or rejected)."""
        lang = lang if lang in self.models else self.detect_language(text)
        model = self.models[lang]
        features = _features(model.analyzer, text or "")
        mentioned = {}
        for match in MENTION.finditer(text or ""):
            mentioned.setdefault(match[1], match.group())
        goal_scores = model.score(features, model.goal_index)
        for goal, words in mentioned.items():
            entry = goal_scores.setdefault(goal, [0.0, []])
            entry[0] += WEIGHT_MENTION
            entry[1].append((WEIGHT_MENTION, words))
        scored = [(score, goal, evidence) for goal, (score, evidence) in goal_scores.items()]
        scored.sort(key=lambda s: (-s[0], int(s[1])))
        best = scored[0][0] if scored else 0.0
        kept = [s for s in scored if s[0] >= max(MIN_SCORE, RELATIVE_CUTOFF * best)]
        goal_results = [Suggestion(f"sdg:{goal}", score, _evidence(ev)) for score, goal, ev in kept]
        target_results = []
        kept_goals = {goal: score for score, goal, _ in kept}
        for target, (score, evidence) in model.score(features, model.target_index, set(kept_goals)).items():
            # Within the text's goals, a target is ranked by its own words, the goal's weight breaking ties.
            target_results.append(Suggestion(f"target:{target}", score + 0.1 * kept_goals[_goal_of(target)],
                                             _evidence(evidence)))
        target_results.sort(key=lambda s: (-s.score, s.id))
        return Suggestions(
            lang=lang,
            goals=tuple(g for g in goal_results if g.id not in exclude)[:goals],
            targets=tuple(t for t in target_results if t.id not in exclude)[:targets],
        )


def _official_texts(sdg_dir: Path) -> tuple[dict, dict]:
    goal_texts: dict[str, dict] = {}
    target_texts: dict[str, dict] = {}
    for lang in LANGUAGES:
        goals_file, targets_file = sdg_dir / lang / "global_goals.yml", sdg_dir / lang / "global_targets.yml"
        if goals_file.exists():
            data = _load_yaml(goals_file)
            for number in range(1, 18):
                goal_texts.setdefault(lang, {})[str(number)] = (data.get(f"{number}-short"), data.get(f"{number}-title"))
        if targets_file.exists():
            for key, text in _load_yaml(targets_file).items():
                match = re.match(r"^(\d+)-(\w+)-title$", str(key))
                if match and isinstance(text, str):
                    target_texts.setdefault(lang, {})[f"{match[1]}.{match[2]}"] = text
    return goal_texts, target_texts


def _concepts(data: dict) -> dict[str, dict[str, list]]:
    """municipal.yaml rows -> lang -> goal -> [(target or None, [synonyms])]."""
    by_lang: dict[str, dict[str, list]] = {lang: {} for lang in LANGUAGES}
    order = ("en", "fr", "es", "nl")
    for goal, rows in data.items():
        for row in rows:
            target = None if row[0] is None else str(row[0])
            if target and "." not in target:
                target = None
            for lang, cell in zip(order, row[1:], strict=True):
                synonyms = [s.strip() for s in str(cell).split("|") if s.strip()]
                by_lang[lang].setdefault(str(goal), []).append((target, synonyms))
    return by_lang


@lru_cache(maxsize=1)
def default_suggester() -> Suggester:
    """The suggester over the installed seeds and term lists (built once per process, about a second)."""
    from graph.resources import seeds_dir

    return Suggester(seeds_dir() / "sdg")
