#!/usr/bin/env python3
"""Float64 NumPy reference forward pass of a `cotk synth` folder (Qwen3 / Qwen2 shapes, any dtype).

Usage:
    python3 scripts/reference/synth_model.py --model DIR [--variant fp32|fp16|q4|q4f16]
                                             --ids 1,2,3 [--ids 4,5 ...] [--out FILE]

Independent of the engine and of onnxruntime: it reads config.json, parses the ONNX ModelProto with
its own protobuf reader (stdlib only), maps the initializers' external data with np.memmap (never
the whole file), dequantises MatMulNBits / GatherBlockQuantized weights by their definition
(4-bit codes, low nibble first, zero point 8, one scale per block of 32 along K), and runs the
Hugging Face Qwen3 / Qwen2 decoder math in float64: RMSNorm, per-head q/k RMSNorm (Qwen3), q/k/v
bias (Qwen2), rotate-half RoPE from the graph's own cos/sin caches, grouped-query causal attention,
SiLU MLP, final norm, LM head. Attributes (epsilon, heads, scale) come from the graph's nodes.

Writes JSON: one case per --ids with `ids`, `residual` [L+1][N][D] (R[0] the embedding, R[l] after
layer l), `hidden` [N][D] (final norm of R[L]) and `logits` [N][V], as float64.
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import sys

import numpy as np

# ---------------------------------------------------------------- protobuf ------------------------


def _varint(b: bytes, p: int) -> tuple[int, int]:
    v = 0
    shift = 0
    while True:
        x = b[p]
        p += 1
        v |= (x & 0x7F) << shift
        if x < 0x80:
            return v, p
        shift += 7


def fields(b: bytes, start: int = 0, end: int | None = None):
    """Yields (field number, wire type, value) where value is an int or a (start, end) span."""
    p = start
    end = len(b) if end is None else end
    while p < end:
        tag, p = _varint(b, p)
        num, wire = tag >> 3, tag & 7
        if wire == 0:
            v, p = _varint(b, p)
            yield num, wire, v
        elif wire == 1:
            yield num, wire, (p, p + 8)
            p += 8
        elif wire == 5:
            yield num, wire, (p, p + 4)
            p += 4
        elif wire == 2:
            n, p = _varint(b, p)
            yield num, wire, (p, p + n)
            p += n
        else:
            raise ValueError(f"wire type {wire} at byte {p}")


def _s(b: bytes, span) -> str:
    return b[span[0] : span[1]].decode("utf-8")


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def parse_model(b: bytes) -> dict:
    """ModelProto → {'nodes': [...], 'inits': {name: {...}}} (graph 7; node 1, initializer 5)."""
    graph = next(v for n, w, v in fields(b) if n == 7)
    nodes, inits = [], {}
    for n, w, v in fields(b, *graph):
        if n == 1:
            node = {"inputs": [], "outputs": [], "name": "", "op": "", "attrs": {}}
            for fn, fw, fv in fields(b, *v):
                if fn == 1:
                    node["inputs"].append(_s(b, fv))
                elif fn == 2:
                    node["outputs"].append(_s(b, fv))
                elif fn == 3:
                    node["name"] = _s(b, fv)
                elif fn == 4:
                    node["op"] = _s(b, fv)
                elif fn == 5:
                    name, val = "", None
                    for an, aw, av in fields(b, *fv):
                        if an == 1:
                            name = _s(b, av)
                        elif an == 2:
                            val = struct.unpack("<f", b[av[0] : av[1]])[0]
                        elif an == 3:
                            val = _signed(av)
                    node["attrs"][name] = val
            nodes.append(node)
        elif n == 5:
            t = {"dims": [], "type": 0, "name": "", "ext": {}}
            for fn, fw, fv in fields(b, *v):
                if fn == 1:
                    if fw == 0:
                        t["dims"].append(fv)
                    else:
                        p = fv[0]
                        while p < fv[1]:
                            d, p = _varint(b, p)
                            t["dims"].append(d)
                elif fn == 2:
                    t["type"] = fv
                elif fn == 8:
                    t["name"] = _s(b, fv)
                elif fn == 13:
                    k = val = ""
                    for en, ew, ev in fields(b, *fv):
                        if en == 1:
                            k = _s(b, ev)
                        elif en == 2:
                            val = _s(b, ev)
                    t["ext"][k] = val
            inits[t["name"]] = t
    return {"nodes": nodes, "inits": inits}


# ---------------------------------------------------------------- weights -------------------------

_NP = {1: "<f4", 10: "<f2", 2: "u1", 7: "<i8", 6: "<i4"}
BLOCK = 32


class Weights:
    def __init__(self, onnx_dir: str, model: dict):
        self.dir = onnx_dir
        self.inits = model["inits"]

    def raw(self, name: str) -> np.ndarray:
        """The initializer as stored (memory-mapped, not copied)."""
        t = self.inits[name]
        e = t["ext"]
        dt = np.dtype(_NP[t["type"]])
        count = int(np.prod(t["dims"])) if t["dims"] else 1
        assert int(e["length"]) == count * dt.itemsize, name
        mm = np.memmap(os.path.join(self.dir, e["location"]), dtype=dt, mode="r", offset=int(e["offset"]), shape=(count,))
        return mm.reshape(t["dims"])

    def f64(self, name: str) -> np.ndarray:
        return np.asarray(self.raw(name), dtype=np.float64)

    def has(self, name: str) -> bool:
        return name in self.inits


def dequant_rows(codes: np.ndarray, scales: np.ndarray, K: int) -> np.ndarray:
    """MatMulNBits / GatherBlockQuantized rows: uint8 [n, K/2] (low nibble = even k), scales [n, K/32] → float64 [n, K]."""
    codes = np.asarray(codes, dtype=np.uint8).reshape(codes.shape[0], K // 2)
    q = np.empty((codes.shape[0], K), dtype=np.float64)
    q[:, 0::2] = codes & 0x0F
    q[:, 1::2] = codes >> 4
    s = np.repeat(np.asarray(scales, dtype=np.float64).reshape(codes.shape[0], K // BLOCK), BLOCK, axis=1)
    return (q - 8.0) * s


class Linear:
    """x @ W for W[K, N], from a float MatMul weight or MatMulNBits codes + scales."""

    def __init__(self, w: Weights, prefix: str, K: int, N: int):
        self.K, self.N = K, N
        if w.has(prefix + ".MatMul.weight"):
            self.q, self.s = None, None
            self.kn = w.raw(prefix + ".MatMul.weight")  # [K, N]
        else:
            self.kn = None
            self.q = w.raw(prefix + ".MatMul.weight_Q4").reshape(N, K // 2)
            self.s = w.raw(prefix + ".MatMul.weight_scales").reshape(N, K // BLOCK)

    def rows_nk(self, a: int, b: int) -> np.ndarray:
        """W[:, a:b].T as float64 [b - a, K]."""
        if self.kn is not None:
            return np.asarray(self.kn[:, a:b], dtype=np.float64).T
        return dequant_rows(self.q[a:b], self.s[a:b], self.K)

    def __call__(self, x: np.ndarray, chunk: int = 16384) -> np.ndarray:
        out = np.empty(x.shape[:-1] + (self.N,))
        for a in range(0, self.N, chunk):
            b = min(self.N, a + chunk)
            out[..., a:b] = x @ self.rows_nk(a, b).T
        return out


def rms_norm(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    return g * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def rotate_half(x: np.ndarray) -> np.ndarray:
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


class SynthModel:
    def __init__(self, model_dir: str, variant: str = "fp32"):
        with open(os.path.join(model_dir, "config.json")) as f:
            self.cfg = json.load(f)
        stem = "model" if variant == "fp32" else f"model_{variant}"
        path = os.path.join(model_dir, "onnx", stem + ".onnx")
        with open(path, "rb") as f:
            self.g = parse_model(f.read())
        self.w = Weights(os.path.dirname(path), self.g)
        c = self.cfg
        self.L, self.D, self.V = c["num_hidden_layers"], c["hidden_size"], c["vocab_size"]
        gqa = next(n for n in self.g["nodes"] if n["op"] == "GroupQueryAttention")
        self.nh, self.nkv = gqa["attrs"]["num_heads"], gqa["attrs"]["kv_num_heads"]
        self.scale = gqa["attrs"]["scale"]
        self.hd = c.get("head_dim") or self.D // self.nh
        assert self.nh == c["num_attention_heads"] and self.nkv == c["num_key_value_heads"]
        self.eps = next(n for n in self.g["nodes"] if n["op"] == "SimplifiedLayerNormalization")["attrs"]["epsilon"]
        self.I = c["intermediate_size"]
        self.head = Linear(self.w, "lm_head", self.D, self.V)

    def embed(self, ids: np.ndarray) -> np.ndarray:
        w = self.w
        if w.has("model.embed_tokens.weight"):
            return w.f64("model.embed_tokens.weight")[ids]
        if w.has("model.embed_tokens.weight_Q4"):
            q, s = w.raw("model.embed_tokens.weight_Q4"), w.raw("model.embed_tokens.weight_scales")
            return dequant_rows(q[ids], s[ids], self.D)
        # Tied: the LM head's rows (its [K, N] columns, or its 4-bit rows).
        return np.stack([self.head.rows_nk(int(t), int(t) + 1)[0] for t in ids])

    def forward(self, ids) -> dict:
        ids = np.asarray(ids, dtype=np.int64)
        N, D, hd, nh, nkv, eps, w = len(ids), self.D, self.hd, self.nh, self.nkv, self.eps, self.w
        cos_c, sin_c = w.f64("cos_cache")[:N], w.f64("sin_cache")[:N]
        cos = np.concatenate([cos_c, cos_c], axis=-1)[:, None, :]
        sin = np.concatenate([sin_c, sin_c], axis=-1)[:, None, :]
        mask = np.triu(np.full((N, N), -np.inf), k=1)
        x = self.embed(ids)
        R = np.empty((self.L + 1, N, D))
        R[0] = x
        qd, kvd = nh * hd, nkv * hd
        for l in range(self.L):
            p = f"model.layers.{l}."
            h = rms_norm(x, w.f64(p + "input_layernorm.weight"), eps)
            qkv = Linear(w, p + "attn.qkv_proj", D, qd + 2 * kvd)(h)
            if w.has(p + "attn.qkv_proj.Add.bias"):
                qkv = qkv + w.f64(p + "attn.qkv_proj.Add.bias")
            q = qkv[:, :qd].reshape(N, nh, hd)
            k = qkv[:, qd : qd + kvd].reshape(N, nkv, hd)
            v = qkv[:, qd + kvd :].reshape(N, nkv, hd)
            if w.has(p + "attn.q_norm.layernorm.weight"):
                q = rms_norm(q, w.f64(p + "attn.q_norm.layernorm.weight"), eps)
                k = rms_norm(k, w.f64(p + "attn.k_norm.layernorm.weight"), eps)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            rep = nh // nkv
            k = np.repeat(k, rep, axis=1)
            v = np.repeat(v, rep, axis=1)
            s = np.einsum("qhd,khd->hqk", q, k) * self.scale + mask[None]
            s = s - s.max(axis=-1, keepdims=True)
            a = np.exp(s)
            a /= a.sum(axis=-1, keepdims=True)
            o = np.einsum("hqk,khd->qhd", a, v).reshape(N, qd)
            x = x + Linear(w, p + "attn.o_proj", qd, D)(o)
            h = rms_norm(x, w.f64(p + "post_attention_layernorm.weight"), eps)
            g = Linear(w, p + "mlp.gate_proj", D, self.I)(h)
            u = Linear(w, p + "mlp.up_proj", D, self.I)(h)
            x = x + Linear(w, p + "mlp.down_proj", self.I, D)((g / (1.0 + np.exp(-g))) * u)
            R[l + 1] = x
        H = rms_norm(x, w.f64(f"model.layers.{self.L}.final_norm_layernorm.weight"), eps)
        return {"residual": R, "hidden": H, "logits": self.head(H)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--variant", default="fp32", choices=["fp32", "fp16", "q4", "q4f16"])
    ap.add_argument("--ids", action="append", required=True, help="comma-separated token ids (repeatable)")
    ap.add_argument("--out", default="-")
    a = ap.parse_args(argv)
    m = SynthModel(a.model, a.variant)
    cases = []
    for s in a.ids:
        ids = [int(t) for t in s.split(",")]
        out = m.forward(ids)
        cases.append({"ids": ids, "residual": out["residual"].tolist(), "hidden": out["hidden"].tolist(), "logits": out["logits"].tolist()})
    text = json.dumps({"model": a.model, "variant": a.variant, "layers": m.L, "cases": cases})
    if a.out == "-":
        sys.stdout.write(text)
    else:
        with open(a.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
