#!/usr/bin/env python3
"""Golden vectors for the chosen CoT-Kinetics formulation ("v2: barrier Lagrangian") and for v1.

Usage:
    python3 scripts/reference/golden_formulation.py [--model-dir DIR] [--out FILE] [--check]

    --model-dir  tiny-reasoner HF folder (default /work/shared/fixtures/tiny-reasoner/hf)
    --out        output JSON (default scripts/reference/out/formulation-golden.json)
    --check      recompute and compare with the existing --out file instead of writing it

Everything is computed in float64 by this script (NumPy), never by the project's TypeScript.
Inputs are stored as float32-representable numbers and the expected values are computed from exactly
those stored numbers ("inputs read as given"), so an implementation should reproduce them to ~1e-12
relative (the project's bar is 1e-6). The math is docs/research/formulations.md §5; in short, per
reasoning token t (position t, reasoning = [r0, r1), its logits row j = t − r0):

    kappa_t  = (1/L) * sum_{l=1..L} [ ln(||R[l][t] - R[l-1][t]|| + 1e-12) - ln(||R[0][t]|| + 1e-12) ]
    U_t      = logsumexp(logits[j]) - logits[j][targets[j]]          (the token's surprisal, nats)
    Lambda_t = kappa_t - U_t                                          (per-token display)
    trace:  kappaMean = mean_t kappa_t,  barrier = max_t U_t,  score = kappaMean - barrier
    orientation: higher = more likely correct.  Empty reasoning: no score (null).

Extra, optional (logit lens, for the lens candidates and a per-layer plot): for every OUTPUT token at
position p (targets order), lensHeight[l][k] = -log softmax(lmHead @ N(R[l][p-1]))[targets[k]] with
N(x) = normWeight * x / sqrt(mean(x^2) + normEps), l = 0..L; pathMeanHeight[k] = mean_l lensHeight[l][k].
In the synthetic cases the logits rows ARE lmHead @ N(R[L][p-1]) (rounded to float32), so
lensHeight[L] equals U up to that rounding.

Deterministic (fixed seeds). Also writes real testbed traces: ids 0 and 1 (whose PyTorch float32
states are in reference-states.json: expected values computed from those states, and from this
project's float64 forward pass) and one incorrect trace (float64 forward pass only).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

from tiny_reasoner import DEFAULT_MODEL_DIR, TinyReasoner, cotk_v1, encode_run, log_softmax  # noqa: E402

EPS_K = 1e-12


# ------------------------------------------------------------ the formulation -------------------


def v2_tokens(R: np.ndarray, reasoning, logits_rows: np.ndarray, targets: np.ndarray) -> dict:
    """R [L+1, N, D]; reasoning (r0, r1); logits_rows/targets: the rows/targets of the REASONING
    tokens (the first r1 - r0 output rows)."""
    r0, r1 = reasoning
    L = R.shape[0] - 1
    X = R[:, r0:r1, :]  # [L+1, T, D]
    step = np.linalg.norm(X[1:] - X[:-1], axis=-1)  # [L, T]
    m = np.linalg.norm(X[0], axis=-1)  # [T]
    kappa = np.mean(np.log(step + EPS_K) - np.log(m + EPS_K)[None, :], axis=0)
    z = logits_rows
    mx = z.max(axis=-1)
    lse = mx + np.log(np.sum(np.exp(z - mx[:, None]), axis=-1))
    U = lse - z[np.arange(len(targets)), targets]
    return {"kappa": kappa, "surprisal": U, "lagrangian": kappa - U}


def v2_trace(tok: dict) -> dict:
    if len(tok["kappa"]) == 0:
        return {"kappaMean": None, "barrier": None, "score": None}
    km = float(np.mean(tok["kappa"]))
    b = float(np.max(tok["surprisal"]))
    return {"kappaMean": km, "barrier": b, "score": km - b}


def rms_norm(x, w, eps):
    return w * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def lens_heights(R, positions, targets, norm_w, eps, lm_head) -> np.ndarray:
    """[L+1, K] lens heights of the output tokens at `positions` (scored by the state at p - 1)."""
    S = R[:, np.asarray(positions) - 1, :]  # [L+1, K, D]
    lp = log_softmax(rms_norm(S, norm_w, eps) @ lm_head.T)  # [L+1, K, V]
    return -np.take_along_axis(lp, np.asarray(targets)[None, :, None].repeat(lp.shape[0], 0), axis=2)[..., 0]


def f32(a):
    """Round to float32 and return float64 (the stored value, read as given)."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def expected_for(R, H, logits, targets, reasoning, answer, gamma, norm_w=None, eps=None, lm_head=None):
    nr = reasoning[1] - reasoning[0]
    tok = v2_tokens(R, reasoning, logits[:nr], targets[:nr])
    v1 = cotk_v1(R, list(range(*reasoning)), gamma)
    la = log_softmax(logits[nr:])
    ans_mlp = float(np.mean(la[np.arange(len(targets) - nr), targets[nr:]])) if len(targets) > nr else None
    tr = v2_trace(tok)
    exp = {
        "v2": {
            "tokens": {k: v.tolist() for k, v in tok.items()},
            **tr,
            # optional combination (candidate D7): score + log(answer confidence) = score + answer meanLogProb
            "scorePlusLogAnswerConfidence": (tr["score"] + ans_mlp) if (tr["score"] is not None and ans_mlp is not None) else None,
        },
        "v1": {
            "kinetic": v1["kinetic"].tolist(),
            "curvature": v1["curvature"].tolist(),
            "energy": v1["energy"].tolist(),
            "traceEnergy": v1["traceEnergy"] if nr else None,
        },
    }
    if lm_head is not None:
        pos = list(range(*reasoning)) + list(range(*answer))
        lh = lens_heights(R, pos, targets, norm_w, eps, lm_head)
        exp["lens"] = {"lensHeight": lh.tolist(), "pathMeanHeight": lh.mean(0).tolist()}
    return exp


# ------------------------------------------------------------ synthetic cases -------------------


def synthetic_case(name, seed, L, N, D, V, reasoning, answer, logit_scale=1.0, zero_step=None, gamma=0.8):
    rng = np.random.default_rng(seed)
    emb = rng.normal(0, 1, size=(V, D))
    ids = rng.integers(0, V, size=N)
    R = np.empty((L + 1, N, D))
    R[0] = emb[ids] * rng.uniform(0.5, 2.0, size=(N, 1))
    for l in range(1, L + 1):  # residual updates that grow with depth, like a real stream
        R[l] = R[l - 1] + rng.normal(0, 1, size=(N, D)) * (0.5 * 1.6 ** l) * rng.uniform(0.3, 1.5, size=(N, 1))
    if zero_step is not None:  # a layer that leaves token t unchanged: exercises the 1e-12 guard
        l, t = zero_step
        R[l, t] = R[l - 1, t]
    R = f32(R)
    norm_w = f32(rng.uniform(0.5, 1.5, size=D))
    eps = 1e-6
    lm_head = f32(rng.normal(0, logit_scale, size=(V, D)))
    H = R.copy()
    H[L] = f32(rms_norm(R[L], norm_w, eps))
    pos = list(range(*reasoning)) + list(range(*answer))
    logits = f32(rms_norm(R[L][np.asarray(pos) - 1], norm_w, eps) @ lm_head.T)
    am = logits.argmax(-1)
    targets = np.where(rng.uniform(size=len(pos)) < 0.7, am, rng.integers(0, V, size=len(pos)))
    case = {
        "name": name,
        "layers": L, "tokens": N, "dim": D, "vocab": V,
        "residual": R.ravel().tolist(), "hidden": H.ravel().tolist(),
        "reasoning": list(reasoning), "answer": list(answer),
        "targets": targets.tolist(), "logits": logits.ravel().tolist(), "gamma": gamma,
        "normWeight": norm_w.tolist(), "normEps": eps, "lmHead": lm_head.ravel().tolist(),
    }
    case["expected"] = expected_for(R, H, logits, targets, reasoning, answer, gamma, norm_w, eps, lm_head)
    return case


# ------------------------------------------------------------ real traces -----------------------


def real_trace(m: TinyReasoner, tr: dict, ref: dict | None, gamma=0.8):
    ids, P = encode_run(m.tok, tr["expr"], tr["text"])
    assert P == tr["promptTokens"]
    r0, r1 = tr["reasoning"]
    a0, a1 = tr["answer"]
    pos = np.asarray(list(range(r0, r1)) + list(range(a0, a1)))
    tg = np.asarray(ids)[pos]
    out = m.forward(ids)
    H = out["residual"].copy()
    H[-1] = out["hidden_last"]
    e64 = expected_for(out["residual"], H, out["logits"][pos - 1], tg, (r0, r1), (a0, a1), gamma,
                       m.norm_w, m.eps, m.lm_head)
    e64.pop("lens")  # keep the file small; the lens is pinned down by the synthetic cases
    rec = {
        "id": tr["id"], "expr": tr["expr"], "text": tr["text"], "correct": tr["correct"],
        "tokenIds": ids, "promptTokens": P, "reasoning": [r0, r1], "answer": [a0, a1],
        "expectedFloat64Forward": e64,
    }
    if ref is not None:
        assert ref["ids"] == ids
        shp = ref["shape"]
        Rr = np.asarray(ref["residual"], dtype=np.float64).reshape(shp)
        Hr = np.asarray(ref["hidden"], dtype=np.float64).reshape(shp)
        Lr = np.asarray(ref["logits"], dtype=np.float64).reshape(ref["logitsShape"])
        rec["expectedFromReferenceStates"] = expected_for(Rr, Hr, Lr[pos - 1], tg, (r0, r1), (a0, a1), gamma)
        rec["referenceStates"] = "reference-states.json entry with the same id (PyTorch float32 residual/logits)"
    return rec


def build(model_dir: str) -> dict:
    cases = [
        synthetic_case("case0", 101, L=4, N=9, D=16, V=23, reasoning=(3, 7), answer=(7, 9)),
        synthetic_case("case1", 202, L=6, N=12, D=10, V=31, reasoning=(2, 9), answer=(9, 12)),
        synthetic_case("case2-one-layer", 303, L=1, N=6, D=8, V=11, reasoning=(2, 5), answer=(5, 6)),
        synthetic_case("case3-zero-step-single-token-no-answer", 404, L=3, N=6, D=12, V=17,
                       reasoning=(4, 5), answer=(5, 5), zero_step=(2, 4)),
        synthetic_case("case4-large-logits", 505, L=5, N=10, D=12, V=19, reasoning=(2, 8), answer=(8, 10),
                       logit_scale=300.0),
    ]
    m = TinyReasoner.load(model_dir)
    root = os.path.dirname(os.path.abspath(model_dir))
    with open(os.path.join(root, "testbed.json")) as f:
        traces = {t["id"]: t for t in json.load(f)["traces"]}
    with open(os.path.join(root, "reference-states.json")) as f:
        refs = {r["id"]: r for r in json.load(f)}
    wrong = min(i for i, t in traces.items() if not t["correct"])
    real = [real_trace(m, traces[i], refs.get(i)) for i in (0, 1, wrong)]
    return {
        "spec": "cotk-v2 (barrier Lagrangian), research reference; v1 as in SCORING.md for cross-checking",
        "generatedBy": "scripts/reference/golden_formulation.py (float64 NumPy)",
        "layout": ("as /work/shared/golden/scoring-v1.json: residual and hidden float32 row-major "
                   "[layer 0..L][token][dim]; logits row-major [output token][vocab], one row per target "
                   "(the row that predicted it), output tokens = reasoning then answer; reasoning/answer "
                   "half-open position ranges. Extra: normWeight [dim], normEps, lmHead row-major "
                   "[vocab][dim] (logit lens only)."),
        "formula": {
            "kappa_t": "(1/L) * sum_{l=1..L} [ln(||R[l][t]-R[l-1][t]|| + 1e-12) - ln(||R[0][t]|| + 1e-12)]",
            "U_t": "logsumexp(logits[j]) - logits[j][targets[j]], j = t - r0",
            "lagrangian_t": "kappa_t - U_t",
            "kappaMean": "mean over reasoning tokens of kappa_t",
            "barrier": "max over reasoning tokens of U_t",
            "score": "kappaMean - barrier (higher = more likely correct); null when the reasoning is empty",
            "scorePlusLogAnswerConfidence": "score + mean_{answer} log p(x_t) (optional combination; null without answer)",
            "lensHeight[l][k]": "-log softmax(lmHead @ (normWeight * x / sqrt(mean(x^2)+normEps)))[targets[k]], x = R[l][p_k - 1]",
            "orientation": "higher-is-correct",
        },
        "cases": cases,
        "realTraces": real,
    }


def _close(a, b, path="", tol=1e-12, errs=None):
    errs = [] if errs is None else errs
    if isinstance(a, dict):
        for k in a:
            _close(a[k], b[k], f"{path}.{k}", tol, errs)
    elif isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]", tol, errs)
        if len(a) != len(b):
            errs.append(path)
    elif isinstance(a, float) and isinstance(b, float):
        if abs(a - b) > tol * max(1.0, abs(b)):
            errs.append(path)
    elif a != b:
        errs.append(path)
    return errs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    ap.add_argument("--out", default=os.path.join(HERE, "out", "formulation-golden.json"))
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args(argv)
    t0 = time.time()
    g = build(a.model_dir)
    if a.check:
        with open(a.out) as f:
            old = json.load(f)
        errs = _close(json.loads(json.dumps(g)), old)
        print(f"check: {len(errs)} mismatches" + (f" e.g. {errs[:5]}" if errs else ""))
        return 1 if errs else 0
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(g, f, separators=(",", ":"))
    print(f"wrote {a.out} ({os.path.getsize(a.out) / 1e6:.2f} MB) in {time.time() - t0:.1f}s")
    for c in g["cases"]:
        e = c["expected"]
        print(f"  {c['name']:42s} v2 score {e['v2']['score']:+.6f} (kappaMean {e['v2']['kappaMean']:.6f}, "
              f"barrier {e['v2']['barrier']:.3e}); v1 {e['v1']['traceEnergy']:.6f}")
    for r in g["realTraces"]:
        e = r["expectedFloat64Forward"]["v2"]
        s = f"  trace {r['id']:3d} correct={r['correct']!s:5s} v2 score {e['score']:+.6f} (kappaMean {e['kappaMean']:.6f}, barrier {e['barrier']:.3e})"
        if "expectedFromReferenceStates" in r:
            s += f"; from PyTorch states {r['expectedFromReferenceStates']['v2']['score']:+.6f}"
        print(s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
