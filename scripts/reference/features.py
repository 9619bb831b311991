#!/usr/bin/env python3
"""Cache the per-token features of all testbed traces that the CoT-Kinetics candidates need.

Usage:
    python3 scripts/reference/features.py [--model-dir DIR] [--testbed FILE] [--out FILE]

    --model-dir  tiny-reasoner HF folder (default /work/shared/fixtures/tiny-reasoner/hf)
    --testbed    testbed.json (default <model-dir>/../testbed.json)
    --out        cache file (default /tmp/cotk-features/features.npz; never inside the repo)

For every trace it runs the float64 forward pass of tiny_reasoner.py on the chat-templated prompt +
trace text, and keeps the OUTPUT REGION, positions P-1 .. N-1 (P = promptTokens; P-1 is the last
prompt token, whose logits row predicts <think>). Arrays are concatenated over traces; trace i owns
rows off[i] .. off[i+1]-1 and its local row j is absolute position P_i - 1 + j.

  R        [T, L+1, D] float64  residual stream R[0..L] (R[L] before the final norm)
  HL       [T, D]      float64  H[L] = final_norm(R[L])
  ids      [T]         int64    token id at that position
  nxt      [T]         int64    token id at the next position (-1 at the last position)
  lens_lp  [T, L+1, V] float64  logit-lens log-probs: log_softmax(lm_head(final_norm(R[l]))); l = L
                                 is the model's own output distribution (the logits row)
  lens_nll [T, L+1]    float64  -log p_l(next token)            (nan at the last position)
  lens_ent [T, L+1]    float64  entropy of p_l
  lens_kl  [T, L+1]    float64  KL(p_L || p_l)  (pull toward the final prediction; 0 at l = L)
  per trace: off, id, correct, hard, steps, P, N, r0, r1, a0, a1 (absolute positions, as testbed.json),
  and the testbed's reference scores ref_<name> (cotkEnergy, coeR, coeC, perplexity, meanEntropy,
  maxProb, selfCertainty, answerConfidence) for baselines.
Deterministic; about 30 s and ~0.9 GB on disk.
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

from tiny_reasoner import DEFAULT_MODEL_DIR, TinyReasoner, encode_run, log_softmax  # noqa: E402

DEFAULT_OUT = "/tmp/cotk-features/features.npz"
REF_KEYS = ["cotkEnergy", "coeR", "coeC", "perplexity", "meanEntropy", "maxProb", "selfCertainty",
            "answerConfidence"]


def lens(model: TinyReasoner, R: np.ndarray) -> np.ndarray:
    """Logit-lens log-probs for states R [..., D]: log_softmax(W_E · final_norm(R))."""
    return log_softmax(model.final_norm(R) @ model.lm_head.T)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    ap.add_argument("--testbed", default=None)
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    testbed = args.testbed or os.path.join(os.path.dirname(os.path.abspath(args.model_dir)), "testbed.json")
    t0 = time.time()
    m = TinyReasoner.load(args.model_dir)
    with open(testbed) as f:
        traces = json.load(f)["traces"]

    cols = {k: [] for k in ["R", "HL", "ids", "nxt", "lens_lp"]}
    meta = {k: [] for k in ["id", "correct", "hard", "steps", "P", "N", "r0", "r1", "a0", "a1"]}
    refs = {k: [] for k in REF_KEYS}
    off = [0]
    for tr in traces:
        ids, P = encode_run(m.tok, tr["expr"], tr["text"])
        assert P == tr["promptTokens"], tr["id"]
        N = len(ids)
        out = m.forward(ids)
        sl = slice(P - 1, N)
        Rt = np.transpose(out["residual"][:, sl, :], (1, 0, 2))  # [T, L+1, D]
        lp = lens(m, Rt)  # [T, L+1, V]
        # the lens at l = L is the model's own distribution: check it equals log_softmax(logits)
        assert np.allclose(lp[:, -1, :], log_softmax(out["logits"][sl]), atol=1e-12)
        ida = np.asarray(ids)
        cols["R"].append(Rt)
        cols["HL"].append(out["hidden_last"][sl])
        cols["ids"].append(ida[sl])
        cols["nxt"].append(np.concatenate([ida[P:], [-1]]))
        cols["lens_lp"].append(lp)
        off.append(off[-1] + (N - P + 1))
        meta["id"].append(tr["id"])
        meta["correct"].append(int(tr["correct"]))
        meta["hard"].append(int(tr["hard"] not in (False, None)))
        meta["steps"].append(tr["steps"])
        meta["P"].append(P)
        meta["N"].append(N)
        meta["r0"].append(tr["reasoning"][0])
        meta["r1"].append(tr["reasoning"][1])
        meta["a0"].append(tr["answer"][0])
        meta["a1"].append(tr["answer"][1])
        refs["cotkEnergy"].append(tr["cotkEnergy"])
        refs["coeR"].append(tr["coe"]["coeR"])
        refs["coeC"].append(tr["coe"]["coeC"])
        for k in ["perplexity", "meanEntropy", "maxProb", "selfCertainty"]:
            refs[k].append(tr["output"][k])
        refs["answerConfidence"].append(tr["answerConfidence"])

    arr = {k: np.concatenate(v, axis=0) for k, v in cols.items()}
    lp = arr["lens_lp"]
    nxt = arr["nxt"]
    has = nxt >= 0
    nll = np.full(lp.shape[:2], np.nan)
    nll[has] = -np.take_along_axis(lp[has], nxt[has][:, None, None].repeat(lp.shape[1], 1), axis=2)[..., 0]
    p = np.exp(lp)
    ent = -(p * lp).sum(-1)
    pL = p[:, -1:, :]
    kl = (pL * (lp[:, -1:, :] - lp)).sum(-1)
    arr.update(lens_nll=nll, lens_ent=ent, lens_kl=kl, off=np.asarray(off))
    arr.update({k: np.asarray(v) for k, v in meta.items()})
    arr.update({"ref_" + k: np.asarray(v, dtype=np.float64) for k, v in refs.items()})
    arr["lm_head"] = m.lm_head
    arr["norm_w"] = m.norm_w
    arr["eps"] = np.asarray(m.eps)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    np.savez(args.out, **arr)
    print(f"{len(traces)} traces, {off[-1]} output-region positions, R {arr['R'].shape}, "
          f"lens {lp.shape} -> {args.out} ({os.path.getsize(args.out) / 1e6:.0f} MB) in {time.time() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
