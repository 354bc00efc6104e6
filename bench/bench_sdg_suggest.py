"""Held-out evaluation and latency of the SDG suggester (graph/sdgs/suggest.py).

    .venv/bin/python bench/bench_sdg_suggest.py [--runs 200]

Test set: the publication's seeded nodes (seeds/publication/*.yaml) that a CONCERNS or CONTRIBUTES_TO edge
ties to an SDG or target.  The suggester never reads these tags (it is built from seeds/sdg/ and
graph/sdgs/terms/ only), so they are held out.  A node's text in a language is every translated text field
it has (name, description, ...), in that language only.  Its gold goals are the goals it is tagged with
plus the goals of the targets it is tagged with.

Scores, per language:
* goals: precision and recall at 3; targets: at 5 (over the nodes tagged with a target);
* precision at k is over what is offered, at most k: the suggester offers a goal only above its cut-off,
  so it may offer fewer than k (an empty offer counts as precision 0), as a person sees it in the form;
* baseline: the most frequent goals of the test set itself (an optimistic baseline: it knows the test
  labels' distribution), always offering k, and likewise the most frequent targets.

Latency: suggestions for texts of 2,000 characters (publication texts concatenated), p50 and p95 per language,
against a baseline in the same run: folding and splitting the same text into words (what any search does).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bench.common import median, percentile  # noqa: E402
from graph.schema import LANGUAGES  # noqa: E402
from graph.sdgs.suggest import SUGGESTER_VERSION, Suggester  # noqa: E402
from graph.text import index_words  # noqa: E402

PUBLICATION = ROOT / "seeds" / "publication"
TAGGING = ("CONCERNS", "CONTRIBUTES_TO")


def load_test_set() -> list[dict]:
    """[{id, texts: {lang: text}, goals: {"sdg:N"}, targets: {"target:N.M"}}] for every tagged node."""
    texts: dict[str, dict[str, str]] = {}
    goals: dict[str, set] = {}
    targets: dict[str, set] = {}
    for path in sorted(PUBLICATION.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for node in data.get("nodes") or []:
            parts: dict[str, list[str]] = {}
            for value in node.values():
                if isinstance(value, dict) and set(value) & set(LANGUAGES):
                    for lang in LANGUAGES:
                        if isinstance(value.get(lang), str):
                            parts.setdefault(lang, []).append(value[lang])
            texts[node["id"]] = {lang: ". ".join(p) for lang, p in parts.items()}
        for edge in data.get("edges") or []:
            if edge.get("type") not in TAGGING:
                continue
            to = str(edge["to"])
            if to.startswith("sdg:"):
                goals.setdefault(edge["from"], set()).add(to)
            elif to.startswith("target:"):
                targets.setdefault(edge["from"], set()).add(to)
                goals.setdefault(edge["from"], set()).add("sdg:" + to.split(":")[1].split(".")[0])
    return [{"id": node_id, "texts": texts.get(node_id, {}), "goals": gold, "targets": targets.get(node_id, set())}
            for node_id, gold in sorted(goals.items()) if texts.get(node_id)]


def precision_recall(offered: list[str], gold: set[str]) -> tuple[float, float]:
    hits = sum(1 for item in offered if item in gold)
    return (hits / len(offered) if offered else 0.0), (hits / len(gold) if gold else 0.0)


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def evaluate(suggester: Suggester, cases: list[dict]) -> dict:
    goal_counts = Counter(g for c in cases for g in c["goals"])
    target_counts = Counter(t for c in cases for t in c["targets"])
    frequent_goals = [g for g, _ in sorted(goal_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
    frequent_targets = [t for t, _ in sorted(target_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
    results = {}
    for lang in LANGUAGES:
        rows = {"gp": [], "gr": [], "tp": [], "tr": [], "bgp": [], "bgr": [], "btp": [], "btr": []}
        for case in cases:
            text = case["texts"].get(lang)
            if not text:
                continue
            found = suggester.suggest(text, lang=lang, goals=3, targets=5)
            p, r = precision_recall([g.id for g in found.goals], case["goals"])
            rows["gp"].append(p)
            rows["gr"].append(r)
            p, r = precision_recall(frequent_goals, case["goals"])
            rows["bgp"].append(p)
            rows["bgr"].append(r)
            if case["targets"]:
                p, r = precision_recall([t.id for t in found.targets], case["targets"])
                rows["tp"].append(p)
                rows["tr"].append(r)
                p, r = precision_recall(frequent_targets, case["targets"])
                rows["btp"].append(p)
                rows["btr"].append(r)
        results[lang] = {key: mean(values) for key, values in rows.items()} | {
            "nodes": len(rows["gp"]), "target_nodes": len(rows["tp"])}
    results["baseline_goals"] = frequent_goals
    return results


def latency(suggester: Suggester, cases: list[dict], runs: int) -> dict:
    out = {}
    for lang in LANGUAGES:
        corpus = " ".join(c["texts"].get(lang, "") for c in cases)
        texts = [(corpus[i * 97 % max(1, len(corpus) - 2000):][:2000]) for i in range(runs)]
        suggest_times, split_times = [], []
        for text in texts:
            start = time.perf_counter()
            suggester.suggest(text, lang=lang)
            suggest_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            index_words(text)
            split_times.append(time.perf_counter() - start)
        out[lang] = {"p50_ms": median(suggest_times) * 1000, "p95_ms": percentile(suggest_times, 95) * 1000,
                     "baseline_p50_ms": median(split_times) * 1000,
                     "ratio": median(suggest_times) / median(split_times)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    start = time.perf_counter()
    suggester = Suggester(ROOT / "seeds" / "sdg")
    build_s = time.perf_counter() - start
    cases = load_test_set()
    quality = evaluate(suggester, cases)
    speed = latency(suggester, cases, args.runs)
    print(f"suggester {SUGGESTER_VERSION}; model built in {build_s:.2f} s; {len(cases)} tagged nodes; "
          f"baseline goals {', '.join(quality['baseline_goals'])}")
    print("lang  nodes  goalP@3 goalR@3 | base P@3 R@3 | P@3/base | tgt nodes tgtP@5 tgtR@5 | base P@5 R@5 "
          "| p50 ms  p95 ms  split p50 ms  ratio")
    for lang in LANGUAGES:
        q, s = quality[lang], speed[lang]
        ratio = q["gp"] / q["bgp"] if q["bgp"] else float("inf")
        print(f"{lang:4}  {q['nodes']:5}  {q['gp']:7.3f} {q['gr']:7.3f} | {q['bgp']:8.3f} {q['bgr']:.3f} | "
              f"{ratio:8.2f} | {q['target_nodes']:9} {q['tp']:6.3f} {q['tr']:6.3f} | {q['btp']:8.3f} {q['btr']:.3f} "
              f"| {s['p50_ms']:6.2f} {s['p95_ms']:7.2f} {s['baseline_p50_ms']:13.3f} {s['ratio']:6.1f}")


if __name__ == "__main__":
    main()
