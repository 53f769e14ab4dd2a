#!/usr/bin/env python3
"""Measures the fp32 summation order of torch 1.13's multi-row bf16 einsum (oneDNN 2.6).

Inputs whose two K halves nearly cancel make the order visible in the bf16 result. For each
row count and K, prints how many outputs each candidate order gets wrong; the reference's order
is the candidate at 0. Candidates: K blocks of width kb, each summed from zero and then added in
order; within a block either plain K order ("seq") or pairs (2i, 2i+1) with the odd product
first ("pair", oneDNN's emulated vdpbf16ps). Products of bf16 values are exact in fp32.

Run as the reference does:
  ONEDNN_MAX_CPU_ISA=AVX512_CORE python3 onednn_order.py [ROWS,... [K,...]]
Measured (2026-11): rows >= 2 and K 512..1536: two halves, pairs (K 256: one block, pairs);
K 2048: none of these. One row (oneDNN's gemv path) is none of these either; it matched (K 256..2048)
16-element chunks alternating between two 8-lane accumulators, lane j adding the products 2j+1
then 2j of the chunk, then the accumulators added and the 8 lanes reduced in adjacent pairs.
"""
import sys

import numpy as np
import torch


def blocked_sum(a, b, kb, pair):
    """a [G, S, K], b [G, R, K] fp32 arrays -> [G, S, R] in the candidate order."""
    G, S, K = a.shape
    out = np.zeros((G, S, b.shape[1]), np.float32)
    for k0 in range(0, K, kb):
        ks = list(range(k0, min(k0 + kb, K)))
        if pair:
            ks = [k for i in range(0, len(ks), 2) for k in reversed(ks[i:i + 2])]
        acc = np.zeros_like(out)
        for k in ks:
            acc += a[:, :, k, None] * b[:, None, :, k]
        out = out + acc
    return out


def measure(rows, K, trials=2):
    torch.manual_seed(3)
    half = K // 2
    candidates = sorted({K, half, 512, 256})
    wrong = {}
    for _ in range(trials):
        o = torch.randn((1, rows, 2, K))
        w = torch.randn((2, 128, K))
        perm = torch.randperm(K)
        o[..., perm[half:2 * half]] = o[..., perm[:half]]
        w[..., perm[half:2 * half]] = -w[..., perm[:half]] * (1 + 0.01 * torch.randn((2, 128, half)))
        o, w = o.bfloat16(), w.bfloat16()
        want = torch.einsum("bsgd,grd->bsgr", o, w)
        a = o[0].permute(1, 0, 2).float().numpy()
        b = w.float().numpy()
        for kb in candidates:
            for pair in (False, True):
                got = torch.from_numpy(blocked_sum(a, b, kb, pair)).bfloat16().permute(1, 0, 2)[None]
                key = f"kb{kb}{'pair' if pair else 'seq'}"
                wrong[key] = wrong.get(key, 0) + int((got != want).sum())
    print(f"rows {rows} K {K}:", " ".join(f"{k}={v}" for k, v in wrong.items()), flush=True)


if __name__ == "__main__":
    torch.set_num_threads(2)
    rows = [int(v) for v in (sys.argv[1] if len(sys.argv) > 1 else "1,6,370").split(",")]
    ks = [int(v) for v in (sys.argv[2] if len(sys.argv) > 2 else "1024").split(",")]
    for K in ks:
        for r in rows:
            measure(r, K)
