#!/usr/bin/env python3
"""Score every CoT-Kinetics candidate formulation and every baseline on the tiny-reasoner testbed.

Usage:
    python3 scripts/reference/explore.py [--features FILE] [--final] [--boot N] [--seed S] [--json FILE]

    --features  cache written by features.py (default /tmp/cotk-features/features.npz)
    --final     ALSO score the test half (odd ids), with bootstrap CIs. Without it only the dev half
                (even ids) is scored: choose on dev, run --final once at the end.
    --boot N    bootstrap resamples for the test CIs (default 2000), --seed S their seed (default 0)
    --json      where to write the numbers (default scripts/reference/out/explore-results.json with
                --final, nothing otherwise)

Every candidate's math is in docs/research/formulations.md under the same key. Scores are oriented
so that HIGHER = MORE LIKELY CORRECT before the metrics (the table says which raw orientation each
score has). Metrics are those of SCORING.md (metrics.py). Deterministic.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from metrics import _avg_ranks, all_metrics, auroc, bootstrap  # noqa: E402

NEWLINE = 24  # '\n' in the tiny-reasoner vocabulary


class Data:
    def __init__(self, path: str):
        F = np.load(path)
        self.F = F
        self.off, self.P = F["off"], F["P"]
        self.r0, self.r1, self.a0, self.a1 = F["r0"], F["r1"], F["a0"], F["a1"]
        self.y, self.id, self.hard = F["correct"], F["id"], F["hard"]
        self.n = len(self.y)
        R = F["R"]  # [T, L+1, D]
        self.L = R.shape[1] - 1
        self.Dm = R.shape[2]
        self.ids = F["ids"]
        self.w, self.eps = F["norm_w"], float(F["eps"])
        self.R = R
        v = R[:, 1:] - R[:, :-1]
        self.vn = np.linalg.norm(v, axis=-1)  # [T, L]   ‖v_l‖, l = 1..L
        self.xn = np.linalg.norm(R, axis=-1)  # [T, L+1] ‖x_l‖
        self.cosv = (v[:, 1:] * v[:, :-1]).sum(-1) / (self.vn[:, 1:] * self.vn[:, :-1] + 1e-12)  # [T, L-1]
        # Heights are indexed by the token they score: row r holds the lens of the state at the
        # PREVIOUS position (the one that predicted this token), as the logits rows in SCORING.md.
        # U[r, l] = −log p_l(x_r | R[l][r−1]); U[r, L] is the token's own surprisal (NLL).
        def shift(a):
            b = np.full_like(a, np.nan)
            b[1:] = a[:-1]
            b[self.off[:-1]] = np.nan  # first row of each trace has no predecessor in the cache
            return b

        self.U = shift(F["lens_nll"])  # [T, L+1]
        self.ent = shift(F["lens_ent"])
        self.kl = shift(F["lens_kl"])  # KL(p_L ‖ p_l) of the predicting state
        # final norm as part of the motion: read-out coordinates n_l = w ⊙ x_l / rms(x_l)
        Nn = self.w * R / np.sqrt((R * R).mean(-1, keepdims=True) + self.eps)
        self.nvn = np.linalg.norm(Nn[:, 1:] - Nn[:, :-1], axis=-1)  # [T, L]
        self.Nn = Nn
        self.dev = self.id % 2 == 0
        self.test = ~self.dev

    def rows(self, i: int, s: int, e: int) -> np.ndarray:
        b = self.off[i] - (self.P[i] - 1)
        return np.arange(b + s, b + e)

    def reasoning(self, i):
        return self.rows(i, self.r0[i], self.r1[i])

    def answer(self, i):
        return self.rows(i, self.a0[i], self.a1[i])

    def steps(self, i) -> list[np.ndarray]:
        """Reasoning split into lines: each line's tokens plus its terminating '\\n'; a line with no
        token other than '\\n' (the one right after <think>) joins the next line."""
        rr = self.reasoning(i)
        out, cur = [], []
        for r in rr:
            cur.append(r)
            if self.ids[r] == NEWLINE and any(self.ids[c] != NEWLINE for c in cur):
                out.append(np.array(cur))
                cur = []
        if cur:
            if any(self.ids[c] != NEWLINE for c in cur) or not out:
                out.append(np.array(cur))
            else:
                out[-1] = np.concatenate([out[-1], cur])
        return out


# ------------------------------------------------------------ per-token quantities ----------------
# Each returns an array over the given rows (tokens). Orientation is stated by the candidate.


def tok_v1(d: Data, r, gamma=0.8, lo=1, space="R"):
    """v1 energy on layers lo..L (lo = 1: exactly SCORING.md v1). space R or N (final norm as motion)."""
    X = d.R[r] if space == "R" else d.Nn[r]
    X = X[:, lo - 1 :]
    Lr = X.shape[1] - 1
    v = X[:, 1:] - X[:, :-1]
    vn = np.linalg.norm(v, axis=-1)
    Dp = np.linalg.norm(X[:, -1] - X[:, 0], axis=-1) + 1e-12
    K = 0.5 * np.mean((Lr * vn / Dp[:, None]) ** 2, axis=1)
    c = (v[:, 1:] * v[:, :-1]).sum(-1) / (vn[:, 1:] * vn[:, :-1] + 1e-12)
    Pc = np.mean(np.arccos(np.clip(c, -1, 1)) / np.pi, axis=1) if Lr > 1 else np.zeros(len(r))
    return gamma * K + (1 - gamma) * Pc


def tok_K_layer_scale(d: Data, r):
    """½ mean_l (‖v_l‖ / ‖x_{l−1}‖)² : each step measured against the state it starts from."""
    return 0.5 * np.mean((d.vn[r] / d.xn[r][:, :-1]) ** 2, axis=1)


def tok_K_mass(d: Data, r):
    """½ mean_l (‖v_l‖ / ‖x_0‖)² : mass m = 1/‖x_0‖² (the particle's own initial scale)."""
    return 0.5 * np.mean((d.vn[r] / d.xn[r][:, :1]) ** 2, axis=1)


def tok_logK(d: Data, r, lo=1):
    """κ_t = mean_{l=lo..L} ½·log(2·K_l) = mean_l log(‖v_l‖/‖x_0‖)  (log kinetic energy per layer,
    mass 1/‖x_0‖², averaged over layers: the log of the geometric-mean speed)."""
    return np.mean(np.log(d.vn[r][:, lo - 1 :]) - np.log(d.xn[r][:, :1]), axis=1)


def tok_logK_N(d: Data, r):
    """log speed in the read-out coordinates n_l (final norm as part of the motion)."""
    return np.mean(np.log(d.nvn[r]) - 0.5 * np.log(d.Dm), axis=1)


def tok_U(d: Data, r, lo=0, hi=None):
    hi = d.L if hi is None else hi
    return np.mean(d.U[r][:, lo : hi + 1], axis=1)


def tok_pull(d: Data, r):
    """mean_{l<L} KL(p_L ‖ p_l): how far the lens at each layer still is from the final prediction."""
    return np.mean(d.kl[r][:, : d.L], axis=1)


def tok_ans_align(d: Data, i, r):
    """1 − mean_{l=1..L} cos(x_l(t), ā_l), ā_l = mean of the answer tokens' states at layer l."""
    a = d.answer(i)
    if len(a) == 0:
        return np.full(len(r), np.nan)
    abar = d.R[a].mean(0)  # [L+1, D]
    X = d.R[r]
    c = (X * abar[None]).sum(-1) / (np.linalg.norm(X, axis=-1) * np.linalg.norm(abar, axis=-1)[None] + 1e-12)
    return 1 - c[:, 1:].mean(1)


# ------------------------------------------------------------ aggregation ------------------------


def agg_mean(vals):
    return float(np.mean(vals))


def trace_scores(d: Data, fn, agg="mean", which="reasoning"):
    """fn(d, i, rows) -> per-token values; agg over tokens: mean | max | min | steps-mean | steps-max
    | steps-min."""
    out = np.empty(d.n)
    for i in range(d.n):
        if which == "reasoning":
            rr = d.reasoning(i)
        elif which == "answer":
            rr = d.answer(i)
        else:
            rr = np.concatenate([d.reasoning(i), d.answer(i)])
        if agg in ("mean", "max", "min"):
            v = fn(d, i, rr)
            out[i] = {"mean": np.mean, "max": np.max, "min": np.min}[agg](v)
        else:
            st = d.steps(i)
            per = np.array([np.mean(fn(d, i, s)) for s in st])
            out[i] = {"steps-mean": np.mean, "steps-max": np.max, "steps-min": np.min}[agg](per)
    return out


# ------------------------------------------------------------ candidates ------------------------


def build(d: Data) -> list[dict]:
    """Each candidate: key, family, name, raw orientation (+1 higher = correct, −1 lower = correct),
    raw trace scores."""
    F = d.F
    L = d.L
    C = []

    def add(key, family, name, orient, raw):
        C.append({"key": key, "family": family, "name": name, "orient": orient, "raw": np.asarray(raw, dtype=np.float64)})

    # --- baselines (testbed.json reference values, reproduced by tiny_reasoner.py to <1e-6 rel)
    add("ppl", "baseline", "perplexity (output)", -1, F["ref_perplexity"])
    add("ent", "baseline", "mean entropy (output)", -1, F["ref_meanEntropy"])
    add("maxp", "baseline", "max-prob (output)", +1, F["ref_maxProb"])
    add("sc", "baseline", "self-certainty (output)", +1, F["ref_selfCertainty"])
    add("coeR", "baseline", "CoE-R", +1, F["ref_coeR"])
    add("coeC", "baseline", "CoE-C", +1, F["ref_coeC"])
    add("ac", "baseline", "answer confidence", +1, F["ref_answerConfidence"])
    add("v1", "baseline", "CoT-Kinetics v1 energy", -1, F["ref_cotkEnergy"])

    T = lambda fn, agg="mean", which="reasoning": trace_scores(d, fn, agg, which)  # noqa: E731
    # two logit-only controls for the candidates below (not in SCORING.md): the reasoning tokens'
    # mean surprisal, and their largest surprisal (the weakest token)
    add("nllR", "baseline*", "reasoning mean surprisal ⟨−log p(x_t)⟩ (control)", -1, T(lambda d, i, r: tok_U(d, r, lo=L)))
    add("maxU", "baseline*", "reasoning max surprisal max_t −log p(x_t) (control)", -1,
        T(lambda d, i, r: tok_U(d, r, lo=L), "max"))

    # --- (c) normalisation and layer range of the kinetic term
    add("A1", "kinetic", "v1 energy, final norm in the motion (n_l)", -1, T(lambda d, i, r: tok_v1(d, r, space="N")))
    add("A2", "kinetic", "v1 energy, layers 2..L (embedding step dropped)", -1, T(lambda d, i, r: tok_v1(d, r, lo=2)))
    add("A3", "kinetic", "K with per-layer scale ½⟨(‖v_l‖/‖x_{l-1}‖)²⟩", -1, T(lambda d, i, r: tok_K_layer_scale(d, r)))
    add("A4", "kinetic", "K with mass 1/‖x_0‖²: ½⟨(‖v_l‖/‖x_0‖)²⟩", +1, T(lambda d, i, r: tok_K_mass(d, r)))
    add("A5", "kinetic", "log-kinetic κ = ⟨log(‖v_l‖/‖x_0‖)⟩_l, l=1..L", +1, T(lambda d, i, r: tok_logK(d, r)))
    add("A6", "kinetic", "log-kinetic κ, layers 2..L", +1, T(lambda d, i, r: tok_logK(d, r, lo=2)))
    add("A7", "kinetic", "log-kinetic in read-out coords (final norm in motion)", +1, T(lambda d, i, r: tok_logK_N(d, r)))

    # --- (a) potential from the model's own field (logit lens)
    add("B1", "potential", "path-mean height Ū = ⟨−log p_l(y)⟩_{l=0..L}", -1, T(lambda d, i, r: tok_U(d, r)))
    add("B2", "potential", "upper-half height ⟨−log p_l(y)⟩_{l=L/2..L}", -1, T(lambda d, i, r: tok_U(d, r, lo=L // 2)))
    add("B3", "potential", "terminal height U_L = −log p_L(y)  [= reasoning NLL]", -1, T(lambda d, i, r: tok_U(d, r, lo=L)))
    add("B4", "potential", "pull to final ⟨KL(p_L‖p_l)⟩_{l<L}", -1, T(lambda d, i, r: tok_pull(d, r)))
    add("B5", "hamiltonian", "H = 0.8·K_v1 + 0.2·Ū (v1 kinetic + path-mean height)",
        -1, T(lambda d, i, r: 0.8 * tok_v1(d, r, gamma=1.0) + 0.2 * tok_U(d, r)))
    add("B6", "hamiltonian", "H = 0.8·K_v1 + 0.2·U_L (v1 kinetic + terminal height)",
        -1, T(lambda d, i, r: 0.8 * tok_v1(d, r, gamma=1.0) + 0.2 * tok_U(d, r, lo=L)))
    for lam in (0.3, 1.0, 3.0):
        add(f"B7/{lam:g}", "lagrangian", f"Λ = κ − {lam:g}·U_L (log-kinetic minus terminal height)",
            +1, T(lambda d, i, r, lam=lam: tok_logK(d, r) - lam * tok_U(d, r, lo=L)))
    add("B8", "lagrangian", "Λ = κ − 1·Ū (log-kinetic minus path-mean height)",
        +1, T(lambda d, i, r: tok_logK(d, r) - tok_U(d, r)))

    # --- (b) answer-conditioned field
    add("C1", "answer", "answer alignment 1 − ⟨cos(x_l(t), ā_l)⟩_l over reasoning tokens", -1,
        T(lambda d, i, r: tok_ans_align(d, i, r)))
    add("C2", "answer", "answer tokens' own path-mean height ⟨−log p_l(y)⟩ over answer tokens", -1,
        T(lambda d, i, r: tok_U(d, r), which="answer"))
    add("C3", "answer", "log-kinetic κ of the answer tokens", +1, T(lambda d, i, r: tok_logK(d, r), which="answer"))
    add("C4", "answer", "Λ(1) over reasoning + answer tokens (output)", +1,
        T(lambda d, i, r: tok_logK(d, r) - tok_U(d, r, lo=L), which="output"))

    # --- (d) aggregation over tokens / steps, and combination with answer confidence
    lag = lambda d, i, r: tok_logK(d, r) - tok_U(d, r, lo=L)  # noqa: E731
    kap = T(lambda d, i, r: tok_logK(d, r))
    add("D1", "aggregation", "Λ(1): mean over steps (lines)", +1, T(lag, "steps-mean"))
    add("D2", "aggregation", "Λ(1): weakest step (min over lines)", +1, T(lag, "steps-min"))
    add("D3", "aggregation", "Λ(1): weakest token (min over tokens)", +1, T(lag, "min"))
    barrier = kap - T(lambda d, i, r: tok_U(d, r, lo=L), "max")
    add("D4", "aggregation", "barrier Lagrangian κ̄ − max_t U_L(t)", +1, barrier)
    add("D5", "aggregation", "step barrier κ̄ − max_steps ⟨U_L⟩_step", +1,
        kap - T(lambda d, i, r: tok_U(d, r, lo=L), "steps-max"))
    lac = np.log(F["ref_answerConfidence"])
    add("D6", "combination", "Λ(1) mean + log answer confidence", +1, T(lag) + lac)
    add("D7", "combination", "barrier Lagrangian + log answer confidence", +1, barrier + lac)
    return C


PAIRED = ("A5", "A6", "B7/1", "D4", "D7", "maxU", "coeC")


def spearman(a, b):
    ra, rb = _avg_ranks(np.asarray(a)), _avg_ranks(np.asarray(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--features", default="/tmp/cotk-features/features.npz")
    ap.add_argument("--final", action="store_true")
    ap.add_argument("--boot", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    t0 = time.time()
    d = Data(a.features)
    C = build(d)
    ppl = d.F["ref_perplexity"]
    dev, test, hard = d.dev, d.test, d.hard == 1
    print(f"dev: {dev.sum()} traces ({d.y[dev].sum()} correct); test: {test.sum()} ({d.y[test].sum()} correct)")
    print("\nDEV HALF (even ids). AUROC all | AUROC within the harder 'medium' problems | Spearman ρ with −perplexity")
    print(f"{'key':8s} {'family':12s} {'o':>2s} {'AUROC':>6s} {'hard':>6s} {'ρ(ppl)':>7s}  name")
    res = []
    for c in C:
        s = c["orient"] * c["raw"]
        row = {k: c[k] for k in ("key", "family", "name", "orient")}
        row["dev"] = all_metrics(s[dev], d.y[dev])
        row["dev_hard_auroc"] = auroc(s[dev & hard], d.y[dev & hard])
        row["dev_rho_ppl"] = spearman(s[dev], -ppl[dev])
        print(f"{c['key']:8s} {c['family']:12s} {c['orient']:+d} {row['dev']['auroc']:.3f} "
              f"{row['dev_hard_auroc']:.3f} {row['dev_rho_ppl']:7.3f}  {c['name']}")
        res.append(row)
    if a.final:
        print(f"\nTEST HALF (odd ids), 95 % bootstrap CI over {a.boot} resamples (seed {a.seed})")
        print(f"{'key':8s} {'AUROC [95% CI]':24s} {'AUPR [95% CI]':24s} {'FPR95 [95% CI]':24s} {'hard':>6s} {'ρ(ppl)':>7s}")
        for c, row in zip(C, res):
            s = c["orient"] * c["raw"]
            m = all_metrics(s[test], d.y[test])
            ci = bootstrap(s[test], d.y[test], n=a.boot, seed=a.seed)
            row["test"] = m
            row["test_ci"] = ci
            row["test_hard_auroc"] = auroc(s[test & hard], d.y[test & hard])
            row["test_rho_ppl"] = spearman(s[test], -ppl[test])
            row["all_auroc"] = auroc(s, d.y)
            f = lambda k: f"{m[k]:.3f} [{ci[k][0]:.3f},{ci[k][1]:.3f}]"  # noqa: E731
            print(f"{c['key']:8s} {f('auroc'):24s} {f('aupr'):24s} {f('fpr95'):24s} "
                  f"{row['test_hard_auroc']:.3f} {row['test_rho_ppl']:7.3f}")
        # paired bootstrap of the AUROC difference to perplexity (same resamples for both scores)
        sp = -ppl[test]
        yt = d.y[test]
        rng = np.random.default_rng(a.seed)
        idx = rng.integers(0, len(yt), size=(a.boot, len(yt)))
        print(f"\nTEST: paired bootstrap ΔAUROC = candidate − perplexity, 95 % CI, share of resamples with Δ > 0")
        for c, row in zip(C, res):
            if c["key"] not in PAIRED:
                continue
            s = (c["orient"] * c["raw"])[test]
            dl = np.array([auroc(s[b], yt[b]) - auroc(sp[b], yt[b]) for b in idx])
            row["test_delta_vs_ppl"] = {"delta": row["test"]["auroc"] - auroc(sp, yt),
                                        "ci": [float(np.percentile(dl, 2.5)), float(np.percentile(dl, 97.5))],
                                        "p_gt0": float(np.mean(dl > 0))}
            q = row["test_delta_vs_ppl"]
            print(f"{c['key']:8s} Δ {q['delta']:+.3f} [{q['ci'][0]:+.3f},{q['ci'][1]:+.3f}]  P(Δ>0) {q['p_gt0']:.3f}")
        out = a.json or os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "explore-results.json")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as fh:
            json.dump({"protocol": "dev = even ids, test = odd ids; bootstrap percentile 95% CI, "
                       f"{a.boot} resamples, seed {a.seed}", "results": res}, fh, indent=1)
        print(f"wrote {out}")
    elif a.json:
        with open(a.json, "w") as fh:
            json.dump({"results": res}, fh, indent=1)
    print(f"\n{time.time() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
