#!/usr/bin/env python3
"""Float64 NumPy reference forward pass of the tiny-reasoner (Qwen3 architecture).

Usage:
    python3 scripts/reference/tiny_reasoner.py [--model-dir DIR] [--testbed FILE]
                                               [--states FILE] [--sample N]

    --model-dir  Hugging Face folder with config.json and model.safetensors
                 (default: /work/shared/fixtures/tiny-reasoner/hf)
    --testbed    testbed.json (default: <model-dir>/../testbed.json)
    --states     reference-states.json (default: <model-dir>/../reference-states.json)
    --sample N   number of testbed traces re-scored for the check (default 40: every 20th trace)

Run as a script it verifies the forward pass: (1) against the PyTorch float32 states in
reference-states.json (residual R[0..L], hidden H, logits) and (2) by recomputing the testbed's
scoring-v1 reference scores (cotkEnergy, CoE, output.perplexity, answerConfidence) from its own
states on a deterministic sample of traces. Prints max abs / max rel errors. Stdlib + NumPy only.

As a module:
    m = TinyReasoner.load(model_dir)
    ids = encode_run(expr, text)                 # chat-templated prompt + assistant text
    out = m.forward(ids)                         # dict: residual [L+1,N,D], hidden_last [N,D], logits [N,V]
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import sys
import time

import numpy as np

DEFAULT_MODEL_DIR = "/work/shared/fixtures/tiny-reasoner/hf"

# ---------------------------------------------------------------- safetensors ---------------------

_DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "BF16": None, "I64": "<i8", "I32": "<i4"}


def load_safetensors(path: str) -> dict[str, np.ndarray]:
    """Parse a .safetensors file by hand: u64 LE header length, JSON header, raw LE tensors."""
    with open(path, "rb") as f:
        blob = f.read()
    (hlen,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + hlen].decode("utf-8"))
    base = 8 + hlen
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt = info["dtype"]
        start, end = info["data_offsets"]
        raw = blob[base + start : base + end]
        if dt == "BF16":
            u16 = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u16.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=_DTYPES[dt])
        out[name] = arr.reshape(info["shape"]).astype(np.float64)
    return out


# ---------------------------------------------------------------- tokenizer -----------------------

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>", "<unk>"]


class CharTokenizer:
    """The tiny-reasoner tokenizer: special tokens, then one token per character (BPE, no merges)."""

    def __init__(self, tokenizer_json: str):
        with open(tokenizer_json) as f:
            tj = json.load(f)
        self.vocab: dict[str, int] = dict(tj["model"]["vocab"])
        for at in tj.get("added_tokens", []):
            self.vocab[at["content"]] = at["id"]
        self.specials = sorted((a["content"] for a in tj.get("added_tokens", [])), key=len, reverse=True)
        self.inv = {v: k for k, v in self.vocab.items()}
        self.unk = self.vocab.get("<unk>", 5)

    def encode(self, s: str) -> list[int]:
        ids, i = [], 0
        while i < len(s):
            for sp in self.specials:
                if s.startswith(sp, i):
                    ids.append(self.vocab[sp])
                    i += len(sp)
                    break
            else:
                ids.append(self.vocab.get(s[i], self.unk))
                i += 1
        return ids

    def decode(self, ids) -> str:
        return "".join(self.inv[int(i)] for i in ids)


def chat_prompt(expr: str) -> str:
    """The tokenizer_config chat template with add_generation_prompt, for the user message expr + '=?'."""
    return "<|im_start|>user\n" + expr + "=?<|im_end|>\n<|im_start|>assistant\n"


# ---------------------------------------------------------------- model ---------------------------


def rms_norm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    """Qwen3RMSNorm: w * x / sqrt(mean(x^2) + eps) over the last axis."""
    return w * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


class TinyReasoner:
    def __init__(self, cfg: dict, W: dict[str, np.ndarray], tok: CharTokenizer):
        self.cfg = cfg
        self.W = W
        self.tok = tok
        self.L = cfg["num_hidden_layers"]
        self.D = cfg["hidden_size"]
        self.nh = cfg["num_attention_heads"]
        self.nkv = cfg["num_key_value_heads"]
        self.hd = cfg.get("head_dim") or self.D // self.nh
        self.eps = cfg["rms_norm_eps"]
        rp = cfg.get("rope_parameters") or {}
        self.theta = rp.get("rope_theta", cfg.get("rope_theta", 10000.0))
        assert rp.get("rope_type", "default") == "default", rp
        self.embed = W["model.embed_tokens.weight"]  # [V, D]
        # tied LM head: no lm_head.weight tensor in the file
        self.lm_head = W.get("lm_head.weight", self.embed) if not cfg.get("tie_word_embeddings") else self.embed
        self.norm_w = W["model.norm.weight"]
        self.V = self.embed.shape[0]

    @classmethod
    def load(cls, model_dir: str = DEFAULT_MODEL_DIR) -> "TinyReasoner":
        with open(os.path.join(model_dir, "config.json")) as f:
            cfg = json.load(f)
        W = load_safetensors(os.path.join(model_dir, "model.safetensors"))
        if cfg.get("tie_word_embeddings"):
            assert "lm_head.weight" not in W
        tok = CharTokenizer(os.path.join(model_dir, "tokenizer.json"))
        return cls(cfg, W, tok)

    def _rope(self, N: int):
        inv_freq = 1.0 / (self.theta ** (np.arange(0, self.hd, 2, dtype=np.float64) / self.hd))
        ang = np.arange(N, dtype=np.float64)[:, None] * inv_freq[None, :]  # [N, hd/2]
        emb = np.concatenate([ang, ang], axis=-1)  # [N, hd]
        return np.cos(emb), np.sin(emb)

    @staticmethod
    def _rotate_half(x):
        h = x.shape[-1] // 2
        return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)

    def final_norm(self, x: np.ndarray) -> np.ndarray:
        return rms_norm(x, self.norm_w, self.eps)

    def forward(self, ids) -> dict:
        """Full causal forward pass of one sequence (positions 0..N-1), float64.

        Returns residual [L+1, N, D] (R[0] = embedding, R[l] = after layer l, R[L] before the
        final norm), hidden_last [N, D] (= final_norm(R[L]) = H[L]) and logits [N, V] (row t predicts
        token t+1)."""
        ids = np.asarray(ids, dtype=np.int64)
        N = ids.shape[0]
        W, hd, nh, nkv, eps = self.W, self.hd, self.nh, self.nkv, self.eps
        cos, sin = self._rope(N)
        mask = np.triu(np.full((N, N), -np.inf), k=1)
        x = self.embed[ids].copy()
        R = np.empty((self.L + 1, N, self.D))
        R[0] = x
        for l in range(self.L):
            p = f"model.layers.{l}."
            h = rms_norm(x, W[p + "input_layernorm.weight"], eps)
            q = (h @ W[p + "self_attn.q_proj.weight"].T).reshape(N, nh, hd)
            k = (h @ W[p + "self_attn.k_proj.weight"].T).reshape(N, nkv, hd)
            v = (h @ W[p + "self_attn.v_proj.weight"].T).reshape(N, nkv, hd)
            q = rms_norm(q, W[p + "self_attn.q_norm.weight"], eps)  # per-head RMSNorm (Qwen3)
            k = rms_norm(k, W[p + "self_attn.k_norm.weight"], eps)
            q = q * cos[:, None, :] + self._rotate_half(q) * sin[:, None, :]
            k = k * cos[:, None, :] + self._rotate_half(k) * sin[:, None, :]
            rep = nh // nkv  # GQA: each KV head serves `rep` query heads
            k = np.repeat(k, rep, axis=1)
            v = np.repeat(v, rep, axis=1)
            s = np.einsum("qhd,khd->hqk", q, k) / np.sqrt(hd) + mask[None]
            s = s - s.max(axis=-1, keepdims=True)
            a = np.exp(s)
            a /= a.sum(axis=-1, keepdims=True)
            o = np.einsum("hqk,khd->qhd", a, v).reshape(N, nh * hd)
            x = x + o @ W[p + "self_attn.o_proj.weight"].T
            h = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
            g = h @ W[p + "mlp.gate_proj.weight"].T
            u = h @ W[p + "mlp.up_proj.weight"].T
            x = x + ((g / (1.0 + np.exp(-g))) * u) @ W[p + "mlp.down_proj.weight"].T
            R[l + 1] = x
        Hl = self.final_norm(x)
        logits = Hl @ self.lm_head.T
        return {"residual": R, "hidden_last": Hl, "logits": logits}


def encode_run(tok: CharTokenizer, expr: str, text: str) -> tuple[list[int], int]:
    """Token ids of chat prompt + assistant text, and the prompt length."""
    p = tok.encode(chat_prompt(expr))
    return p + tok.encode(text), len(p)


# ---------------------------------------------------------------- scoring-v1 (float64) ------------


def log_softmax(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def logit_stats(rows: np.ndarray, targets: np.ndarray) -> dict:
    """SCORING.md single-pass baselines over the given predicting rows."""
    lp = log_softmax(rows)
    p = np.exp(lp)
    tlp = lp[np.arange(len(targets)), targets]
    ent = -(p * lp).sum(-1)
    V = rows.shape[-1]
    mlp = float(tlp.mean())
    return {
        "meanLogProb": mlp,
        "perplexity": float(np.exp(-mlp)),
        "geoMeanProb": float(np.exp(mlp)),
        "meanEntropy": float(ent.mean()),
        "selfCertainty": float((-np.log(V) - lp.mean(-1)).mean()),
        "maxProb": float(p.max(-1).mean()),
        "tokenLogProb": tlp,
        "tokenEntropy": ent,
    }


def cotk_v1(R: np.ndarray, positions, gamma: float = 0.8) -> dict:
    """SCORING.md v1 CoT-Kinetics energy over the residual stream R [L+1, N, D] at `positions`."""
    X = R[:, positions, :]  # [L+1, T, D]
    L = X.shape[0] - 1
    v = X[1:] - X[:-1]  # [L, T, D]
    vn = np.linalg.norm(v, axis=-1)  # [L, T]
    Dp = np.linalg.norm(X[-1] - X[0], axis=-1) + 1e-12
    K = 0.5 * np.mean((L * vn / Dp) ** 2, axis=0)
    if L > 1:
        c = (v[:-1] * v[1:]).sum(-1) / (vn[:-1] * vn[1:] + 1e-12)
        P = np.mean(np.arccos(np.clip(c, -1, 1)) / np.pi, axis=0)
    else:
        P = np.zeros_like(K)
    E = gamma * K + (1 - gamma) * P
    return {"kinetic": K, "curvature": P, "energy": E, "traceEnergy": float(E.mean())}


def coe(Hstack: np.ndarray, positions) -> dict:
    """Chain-of-Embedding over output positions; Hstack is H [L+1, N, D] (HF hidden states)."""
    h = Hstack[:, positions, :].mean(axis=1)  # [L+1, D]

    def cos(a, b):
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    L = h.shape[0] - 1
    M = np.array([np.linalg.norm(h[l + 1] - h[l]) for l in range(L)])
    A = np.array([np.arccos(min(1.0, cos(h[l + 1], h[l]))) for l in range(L)])
    ZM = np.linalg.norm(h[L] - h[0])
    ZA = np.arccos(np.clip(cos(h[L], h[0]), -1, 1))
    m, a = M / ZM, A / ZA
    return {
        "mag": float(m.mean()),
        "ang": float(a.mean()),
        "coeR": float(m.mean() - a.mean()),
        "coeC": float(abs(np.mean(m * np.exp(1j * a)))),
    }


def score_trace(model: TinyReasoner, tr: dict, out: dict | None = None, gamma: float = 0.8) -> dict:
    """scoring-v1 reference scores of one testbed trace from this forward pass."""
    ids, P = encode_run(model.tok, tr["expr"], tr["text"])
    if out is None:
        out = model.forward(ids)
    R, logits = out["residual"], out["logits"]
    r0, r1 = tr["reasoning"]
    a0, a1 = tr["answer"]
    outpos = list(range(r0, r1)) + list(range(a0, a1))
    ids = np.asarray(ids)
    H = R.copy()
    H[-1] = out["hidden_last"]
    o = logit_stats(logits[np.asarray(outpos) - 1], ids[outpos])
    a = logit_stats(logits[np.arange(a0, a1) - 1], ids[a0:a1])
    return {
        "promptTokens": P,
        "cotkEnergy": cotk_v1(R, list(range(r0, r1)), gamma)["traceEnergy"],
        "coe": coe(H, outpos),
        "output": {k: v for k, v in o.items() if not k.startswith("token")},
        "answerConfidence": a["geoMeanProb"],
    }


# ---------------------------------------------------------------- verification --------------------


def _rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b))), float(np.max(np.abs(a - b)) / (np.max(np.abs(b)) + 1e-300))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    ap.add_argument("--testbed", default=None)
    ap.add_argument("--states", default=None)
    ap.add_argument("--sample", type=int, default=40)
    args = ap.parse_args(argv)
    root = os.path.dirname(os.path.abspath(args.model_dir))
    testbed = args.testbed or os.path.join(root, "testbed.json")
    states = args.states or os.path.join(root, "reference-states.json")

    t0 = time.time()
    m = TinyReasoner.load(args.model_dir)
    print(f"loaded: L={m.L} D={m.D} V={m.V} heads={m.nh}/{m.nkv} head_dim={m.hd} theta={m.theta} eps={m.eps}")

    ok = True
    print("\n[1] against reference-states.json (PyTorch float32). rel = max|err| / max|ref| per tensor")
    with open(states) as f:
        refs = json.load(f)
    for ref in refs:
        out = m.forward(ref["ids"])
        shp = ref["shape"]
        Rr = np.array(ref["residual"]).reshape(shp)
        Hr = np.array(ref["hidden"]).reshape(shp)
        Lr = np.array(ref["logits"]).reshape(ref["logitsShape"])
        H = out["residual"].copy()
        H[-1] = out["hidden_last"]
        worst_layer_rel = max(_rel(out["residual"][l], Rr[l])[1] for l in range(shp[0]))
        ra, rr = _rel(out["residual"], Rr)
        ha, hr = _rel(H, Hr)
        la, lr = _rel(out["logits"], Lr)
        # elementwise relative error where the reference is not tiny
        big = np.abs(Lr) > 1e-2
        el = float(np.max(np.abs(out["logits"][big] - Lr[big]) / np.abs(Lr[big])))
        print(f"  trace {ref['id']} ({len(ref['ids'])} tok): residual abs {ra:.2e} rel {rr:.2e} "
              f"(worst layer rel {worst_layer_rel:.2e}); hidden abs {ha:.2e} rel {hr:.2e}; "
              f"logits abs {la:.2e} rel {lr:.2e} (elementwise rel, |ref|>1e-2: {el:.2e}); "
              f"argmax agree {np.mean(out['logits'].argmax(-1) == Lr.argmax(-1)):.3f}")
        ok &= rr < 1e-4 and hr < 1e-4 and lr < 1e-4

    print(f"\n[2] scoring-v1 reference scores in testbed.json, {args.sample} traces (every k-th)")
    with open(testbed) as f:
        tb = json.load(f)["traces"]
    step = max(1, len(tb) // max(1, args.sample))
    errs: dict[str, list] = {}
    greedy_ok = 0
    n = 0
    for tr in tb[::step][: args.sample]:
        ids, P = encode_run(m.tok, tr["expr"], tr["text"])
        out = m.forward(ids)
        s = score_trace(m, tr, out)
        assert P == tr["promptTokens"], (tr["id"], P, tr["promptTokens"])
        pred = out["logits"][P - 1 : len(ids) - 1].argmax(-1)
        greedy_ok += int(np.all(pred == np.asarray(ids[P:])))
        n += 1
        pairs = {
            "cotkEnergy": (s["cotkEnergy"], tr["cotkEnergy"]),
            "coeR": (s["coe"]["coeR"], tr["coe"]["coeR"]),
            "coeC": (s["coe"]["coeC"], tr["coe"]["coeC"]),
            "perplexity": (s["output"]["perplexity"], tr["output"]["perplexity"]),
            "meanEntropy": (s["output"]["meanEntropy"], tr["output"]["meanEntropy"]),
            "maxProb": (s["output"]["maxProb"], tr["output"]["maxProb"]),
            "selfCertainty": (s["output"]["selfCertainty"], tr["output"]["selfCertainty"]),
            "meanLogProb": (s["output"]["meanLogProb"], tr["output"]["meanLogProb"]),
            "answerConfidence": (s["answerConfidence"], tr["answerConfidence"]),
        }
        for k, (a, b) in pairs.items():
            errs.setdefault(k, []).append((abs(a - b), abs(a - b) / (abs(b) + 1e-300)))
    print(f"  promptTokens match on all {n}; greedy re-decode reproduces the whole output on {greedy_ok}/{n}")
    for k, e in errs.items():
        e = np.array(e)
        print(f"  {k:16s} max abs {e[:, 0].max():.2e}  max rel {e[:, 1].max():.2e}")
    # the -logp of near-certain tokens (meanLogProb ~ -1e-6) is dominated by float32 rounding in the
    # reference, so its relative error is large while perplexity itself agrees to ~1e-6.
    ok &= max(np.array(errs["perplexity"])[:, 1]) < 1e-4
    print(f"\nverification {'PASSED' if ok else 'FAILED'} in {time.time() - t0:.1f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
