#!/usr/bin/env python3
"""AUROC / AUPR / FPR95 exactly as SCORING.md defines them (label 1 = correct, higher score = more
likely correct; flip lower-is-correct scores before calling), plus a fixed-seed bootstrap.

Usage (self-check against /work/shared/golden/scoring-v1.json `metrics` and testbed.json `metrics`):
    python3 scripts/reference/metrics.py [--golden FILE] [--testbed FILE]
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np


def _avg_ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    ranks = np.empty(len(x), dtype=np.float64)
    i = 0
    n = len(x)
    while i < n:
        j = i
        while j + 1 < n and xs[j + 1] == xs[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def auroc(scores, labels) -> float:
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    r = _avg_ranks(s)
    return float((r[y].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def roc_points(scores, labels):
    """(fpr, tpr, precision, recall) per distinct threshold, descending, starting at (0, 0)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    order = np.argsort(-s, kind="mergesort")
    ss, yy = s[order], y[order]
    tp = np.cumsum(yy)
    fp = np.cumsum(~yy)
    last = np.r_[ss[1:] != ss[:-1], True]  # last index of each distinct score
    tp, fp = tp[last], fp[last]
    return fp / n0, tp / n1, tp / (tp + fp), tp / n1


def fpr95(scores, labels) -> float:
    fpr, tpr, _, _ = roc_points(scores, labels)
    fpr = np.r_[0.0, fpr]
    tpr = np.r_[0.0, tpr]
    i = int(np.argmax(tpr >= 0.95))
    if tpr[i] == 0.95:
        return float(fpr[i])
    t0, t1, f0, f1 = tpr[i - 1], tpr[i], fpr[i - 1], fpr[i]
    return float(f0 + (0.95 - t0) * (f1 - f0) / (t1 - t0))


def aupr(scores, labels) -> float:
    _, _, prec, rec = roc_points(scores, labels)
    r = np.r_[0.0, rec]
    p = np.r_[1.0, prec]
    return float(np.sum((r[1:] - r[:-1]) * (p[1:] + p[:-1]) / 2.0))


def all_metrics(scores, labels) -> dict:
    return {"auroc": auroc(scores, labels), "aupr": aupr(scores, labels), "fpr95": fpr95(scores, labels)}


def bootstrap(scores, labels, n: int = 2000, seed: int = 0, fns=("auroc", "aupr", "fpr95")) -> dict:
    """95 % percentile intervals over `n` resamples of the traces (with replacement), fixed seed.
    The resample indices depend only on (seed, n, len(scores)), so every scorer sees the same ones."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(int)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(s), size=(n, len(s)))
    f = {"auroc": auroc, "aupr": aupr, "fpr95": fpr95}
    out = {}
    for name in fns:
        vals = []
        for b in range(n):
            yb = y[idx[b]]
            if yb.min() == yb.max():
                continue
            vals.append(f[name](s[idx[b]], yb))
        out[name] = (float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5)))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", default="/work/shared/golden/scoring-v1.json")
    ap.add_argument("--testbed", default="/work/shared/fixtures/tiny-reasoner/testbed.json")
    a = ap.parse_args(argv)
    worst = 0.0
    for case in json.load(open(a.golden))["metrics"]:
        got = all_metrics(case["scores"], case["labels"])
        for k, v in case["expected"].items():
            worst = max(worst, abs(got[k] - v))
    print(f"golden metric cases: max abs error {worst:.2e}")
    tb = json.load(open(a.testbed))
    y = [int(t["correct"]) for t in tb["traces"]]
    worst2 = 0.0
    for name, m in tb["metrics"].items():
        o = tb["orientation"][name]
        if name in ("coeR", "coeC"):
            s = [t["coe"][name] for t in tb["traces"]]
        elif name in ("perplexity", "meanEntropy", "selfCertainty", "maxProb"):
            s = [t["output"][name] for t in tb["traces"]]
        else:
            s = [t[name] for t in tb["traces"]]
        got = all_metrics(o * np.asarray(s), y)
        for k in ("auroc", "aupr", "fpr95"):
            worst2 = max(worst2, abs(got[k] - m[k]))
    print(f"testbed metrics (8 scorers x 3): max abs error {worst2:.2e}")
    return 0 if max(worst, worst2) < 1e-12 else 1


if __name__ == "__main__":
    sys.exit(main())
