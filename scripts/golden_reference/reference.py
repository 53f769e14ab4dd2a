#!/usr/bin/python3
"""Runs DeepSeek's reference forward pass (inference/model.py of DeepSeek-V4-Flash, unmodified,
not shipped here: pass its directory) on the golden v4-tiny checkpoint with the plain-torch kernels
of kernel.py, teacher-forced on a golden case, and compares with the stored logits.

Needs Debian 12's python3-torch (1.13, the build the golden data came from). Run with
ONEDNN_MAX_CPU_ISA=AVX512_CORE on CPUs with AMX/AVX512-BF16: the golden machine had neither, and
oneDNN's bf16 products with many rows round differently on those kernels.

  ONEDNN_MAX_CPU_ISA=AVX512_CORE scripts/golden_reference/reference.py MODEL_PY_DIR case2 [--steps N]
  ... MODEL_PY_DIR case2 --prefill-gap   # the reference's own decode-vs-one-shot-prefill gap
"""
import argparse, json, os, sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, '..', '..', '..', 'shared', 'golden', 'v4-tiny')
CASES = {'case1': 'case1_prefill_decode.safetensors',
         'case2': 'case2_short_prompt_long_decode.safetensors'}


def load_model(model_py_dir, golden):
    # torch 1.13 has no float8/float4 dtypes: parameters hold the raw checkpoint bytes.
    torch.float8_e4m3fn = torch.uint8
    torch.float8_e8m0fnu = torch.uint8
    torch.float4_e2m1fn_x2 = torch.int8
    parameter = torch.nn.Parameter

    def integer_friendly_parameter(data=None, requires_grad=True):
        if data is not None and not data.is_floating_point():
            requires_grad = False
        return parameter(data, requires_grad)

    torch.nn.Parameter = integer_friendly_parameter
    sys.path[:0] = [HERE, model_py_dir]
    import model as M
    import kernel
    import st
    torch.set_num_threads(2)
    torch.set_default_dtype(torch.bfloat16)
    cfg = json.load(open(os.path.join(golden, 'inference_config.json')))
    model = M.Transformer(M.ModelArgs(**cfg, max_batch_size=1, max_seq_len=512))
    ckpt = st.load(os.path.join(golden, 'model.safetensors'))
    with torch.no_grad():
        for name, p in model.state_dict().items():
            src = name.replace('mtp.0.embed.', 'embed.').replace('mtp.0.head.', 'head.')
            _, t = ckpt[src]
            if name.endswith('wo_a.weight'):  # dequantised once to bf16, as convert.py does
                s = kernel.e8m0(ckpt[src[:-len('weight')] + 'scale'][1])
                n, k = t.shape
                w = kernel._e4m3_table()[t.long()]
                w = w * s.repeat_interleave(128, 0)[:n].repeat_interleave(128, 1)[:, :k]
                p.copy_(w.to(p.dtype))
            elif p.dtype in (torch.uint8, torch.int8, torch.int32, torch.int64):
                p.copy_(t.view(p.dtype) if t.element_size() == p.element_size() else t.to(p.dtype))
            else:
                p.copy_(t.to(p.dtype))
    for layer in model.layers:  # torch 1.13's gather needs int64 indices
        if layer.ffn.gate.hash:
            layer.ffn.gate.tid2eid = torch.nn.Parameter(layer.ffn.gate.tid2eid.data.long(),
                                                        requires_grad=False)
    return M, model


def rms_rel(a, b):
    return ((a - b).pow(2).mean().sqrt() / b.pow(2).mean().sqrt()).item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('model_py_dir')
    ap.add_argument('case', choices=sorted(CASES))
    ap.add_argument('--steps', type=int, default=None)
    ap.add_argument('--prefill-gap', action='store_true')
    ap.add_argument('--golden', default=GOLDEN)
    a = ap.parse_args()
    M, model = load_model(a.model_py_dir, a.golden)
    import st
    c = st.load(os.path.join(a.golden, CASES[a.case]))
    prompt = c['prompt_tokens'][1].long()
    toks = c['decode_tokens'][1].long()
    pos = c['decode_positions'][1].long()
    expected = c['decode_logits'][1]
    if a.prefill_gap:
        M.ParallelHead.get_logits = lambda self, x: torch.nn.functional.linear(x.float(), self.weight)
        logits = model(torch.cat([prompt, toks])[None], 0)[0]
        n = len(prompt)
        gaps = [rms_rel(logits[n + i], expected[i]) for i in range(len(toks) - 1)]
        worst_abs = max((logits[n + i] - expected[i]).abs().max().item() for i in range(len(toks) - 1))
        print(f'reference decode vs one-shot prefill: worst rms_rel {max(gaps):.3g}, '
              f'mean {sum(gaps) / len(gaps):.3g}, worst max|diff| {worst_abs:.3g}')
        return
    logits = model(prompt[None], 0)[0]
    print('prefill last position max|diff|',
          (logits - c['prefill_logits_last'][1]).abs().max().item())
    steps = len(toks) if a.steps is None else a.steps
    worst = 0.0
    for i in range(steps):
        logits = model(toks[i][None, None], int(pos[i]))[0]
        worst = max(worst, rms_rel(logits, expected[i]))
    print(f'{steps} teacher-forced decode steps: worst rms_rel {worst:.3g}')


if __name__ == '__main__':
    main()
