#!/usr/bin/env python3
"""Per-trace comparison of the Node harness's raw candidate scores with the float64 NumPy ones.

Usage:
    npx tsx bench/formulation/run.ts --dump /tmp/formulation-dump.json
    python3 scripts/reference/features.py            # once: /tmp/cotk-features/features.npz
    python3 bench/formulation/compare-dump.py [/tmp/formulation-dump.json] [--features FILE]

For every candidate both harnesses compute (scripts/reference/explore.py `build`), prints the max
absolute and relative difference of the raw trace scores over all 800 traces and how many traces
change rank. The AUROC cross-check in run.ts only compares rankings; this says how close the
numbers themselves are (float32 ORT states vs a float64 forward pass).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "reference"))

import numpy as np  # noqa: E402

from explore import Data, build  # noqa: E402

# run.scores keys -> explore.py keys; cotk / cotkV2 are E = −S of D4
KEYS = {"perplexity": "ppl", "meanEntropy": "ent", "maxProb": "maxp", "selfCertainty": "sc",
        "answerConfidence": "ac", "cotkEnergy": "v1", "cotkV2": "D4", "cotk": "D4"}
NEGATED = {"cotkV2", "cotk"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dump", nargs="?", default="/tmp/formulation-dump.json")
    ap.add_argument("--features", default="/tmp/cotk-features/features.npz")
    a = ap.parse_args(argv)
    d = Data(a.features)
    ref = {c["key"]: c["raw"] for c in build(d)}
    dump = json.load(open(a.dump))
    if dump["ids"] != d.id.tolist():
        print("the dump's traces are not the feature cache's (run.ts without --limit)")
        return 2
    print(f"{'key':18s} {'max abs':>9s} {'max rel':>9s} {'median |x|':>10s} {'rank changes':>12s}")
    for k, v in dump["scores"].items():
        pk = KEYS.get(k, k)
        if pk not in ref:
            print(f"{k:18s} (no NumPy counterpart)")
            continue
        x = np.asarray(v) * (-1 if k in NEGATED else 1)
        y = ref[pk]
        err = np.abs(x - y)
        rel = err / np.maximum(np.abs(y), 1e-300)
        moved = int((np.argsort(np.argsort(x, kind="mergesort")) != np.argsort(np.argsort(y, kind="mergesort"))).sum())
        print(f"{k:18s} {err.max():9.2e} {rel.max():9.2e} {np.median(np.abs(y)):10.3g} {moved:12d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
