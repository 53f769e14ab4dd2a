# Plain-torch stand-ins for DeepSeek's tilelang kernels (inference/kernel.py), semantics per
# shared/golden/README.md section 2. With these, DeepSeek's model.py run unmodified reproduces every
# stored golden tensor bit for bit (case 1 prefill, per-layer traces and decode; case 2 decode).
import torch

E4M3_TABLE = None
def _e4m3_table():
    global E4M3_TABLE
    if E4M3_TABLE is None:
        t = torch.zeros(256, dtype=torch.float32)
        for b in range(256):
            s = -1.0 if b & 0x80 else 1.0
            e = (b >> 3) & 0xF; m = b & 7
            v = (m / 8.0) * 2.0 ** -6 if e == 0 else (1 + m / 8.0) * 2.0 ** (e - 7)
            t[b] = s * v
        E4M3_TABLE = t
    return E4M3_TABLE

E2M1 = torch.tensor([0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6], dtype=torch.float32)

def e8m0(s):
    return torch.pow(2.0, s.to(torch.float32) - 127.0).float() if s.dtype != torch.float32 else s

def pow2ceil(x):
    b = x.view(torch.int32)
    e = ((b >> 23) & 0xFF) - 127 + ((b & 0x7FFFFF) != 0).int()
    return ((e + 127) << 23).view(torch.float32)

def rne_e4m3(v):
    a = v.abs()
    bits = a.view(torch.int32)
    e = ((bits >> 23) & 0xFF) - 127
    e = torch.clamp(e, min=-6)
    step = ((e - 3 + 127) << 23).view(torch.float32)
    return torch.round(v / step) * step

def rne_e2m1(v):
    a = v.abs()
    step = torch.where(a < 2, torch.tensor(0.5), torch.where(a < 4, torch.tensor(1.0), torch.tensor(2.0)))
    return torch.round(v / step) * step

def act_quant(x, block_size=128, scale_fmt=None, scale_dtype=torch.float32, inplace=False):
    shp = x.shape
    xf = x.float().reshape(-1, shp[-1] // block_size, block_size)
    amax = xf.abs().amax(-1).clamp(min=1e-4)
    s = pow2ceil(amax * torch.tensor(1.0 / 448, dtype=torch.float32))
    q = rne_e4m3(torch.clamp(xf / s.unsqueeze(-1), -448, 448))
    if inplace:
        x.copy_((q * s.unsqueeze(-1)).reshape(shp).to(x.dtype))
        return x
    return q.reshape(shp), s.reshape(*shp[:-1], shp[-1] // block_size)

def fp4_act_quant(x, block_size=32, inplace=False):
    shp = x.shape
    xf = x.float().reshape(-1, shp[-1] // block_size, block_size)
    amax = xf.abs().amax(-1).clamp(min=6 * 2.0 ** -126)
    s = pow2ceil(amax * torch.tensor(1.0 / 6, dtype=torch.float32))
    q = rne_e2m1(torch.clamp(xf / s.unsqueeze(-1), -6, 6))
    assert inplace
    x.copy_((q * s.unsqueeze(-1)).reshape(shp).to(x.dtype))
    return x

def _blocked(a, w, block):
    K = a.shape[-1]
    acc = None
    for k0 in range(0, K, block):
        p = torch.matmul(a[:, k0:k0 + block].contiguous(), w[:, k0:k0 + block].t().contiguous())
        acc = p if acc is None else acc + p
    return acc

def fp8_gemm(a, a_s, b, b_s, scale_dtype=None):
    shp = a.shape; K = shp[-1]; N = b.shape[0]
    A = (a.reshape(-1, K // 128, 128) * a_s.reshape(-1, K // 128, 1).float()).reshape(-1, K)
    W = _e4m3_table()[b.long()]
    S = e8m0(b_s)
    S = S.repeat_interleave(128, 0)[:N].repeat_interleave(128, 1)[:, :K]
    W = W * S
    return _blocked(A, W, 128).to(torch.bfloat16).reshape(*shp[:-1], N)

def fp4_gemm(a, a_s, b, b_s, scale_dtype=None):
    shp = a.shape; K = shp[-1]; N = b.shape[0]
    A = (a.reshape(-1, K // 128, 128) * a_s.reshape(-1, K // 128, 1).float()).reshape(-1, K)
    bb = b.view(torch.uint8).long()
    W = torch.stack([E2M1[bb & 0xF], E2M1[bb >> 4]], -1).reshape(N, K)
    W = W * e8m0(b_s).repeat_interleave(32, 1)
    return _blocked(A, W, 32).to(torch.bfloat16).reshape(*shp[:-1], N)

def _exp(x):
    return torch.exp(x)

def sparse_attn(q, kv, attn_sink, topk_idxs, softmax_scale):
    # q [b,s,h,d] bf16, kv [b,n,d] bf16, topk_idxs [b,s,k] int
    b, s, h, d = q.shape
    out = torch.empty_like(q)
    scale = torch.tensor(softmax_scale, dtype=torch.float32)
    for bi in range(b):
        idx = topk_idxs[bi].long()  # [s,k]
        k = idx.shape[-1]
        valid = idx >= 0
        rows = kv[bi].float()[idx.clamp(min=0)]  # [s,k,d]
        qf = q[bi].float()  # [s,h,d]
        scores = torch.matmul(qf, rows.transpose(1, 2)) * scale  # [s,h,k]
        scores = torch.where(valid[:, None, :], scores, torch.tensor(float('-inf')))
        m = torch.full((s, h), float('-inf')); l = torch.zeros(s, h); acc = torch.zeros(s, h, d)
        for b0 in range(0, k, 64):
            sc = scores[:, :, b0:b0 + 64]
            bm = torch.maximum(m, sc.amax(-1))
            live = bm != float('-inf')
            bm_safe = torch.where(live, bm, torch.zeros_like(bm))
            resc = torch.where(live, _exp(m - bm_safe), torch.ones_like(m))
            p = torch.where(live[..., None], _exp(sc - bm_safe[..., None]), torch.zeros_like(sc))
            bs = p.sum(-1)
            l = l * resc + bs
            pb = p.bfloat16().float()
            acc = acc * resc[..., None] + torch.matmul(pb, rows[:, b0:b0 + 64])
            m = torch.where(live, bm, m)
        l = l + _exp(attn_sink[None, :].float() - m)
        out[bi] = (acc / l[..., None]).bfloat16()
    return out

def hc_split_sinkhorn(mixes, hc_scale, hc_base, hc_mult=4, sinkhorn_iters=20, eps=1e-6):
    hc = hc_mult
    pre = torch.sigmoid(mixes[..., :hc] * hc_scale[0] + hc_base[:hc]) + eps
    post = 2 * torch.sigmoid(mixes[..., hc:2 * hc] * hc_scale[1] + hc_base[hc:2 * hc])
    C = mixes[..., 2 * hc:].reshape(*mixes.shape[:-1], hc, hc) * hc_scale[2] + hc_base[2 * hc:].reshape(hc, hc)
    E = torch.exp(C - C.amax(-1, keepdim=True))
    C = E / E.sum(-1, keepdim=True) + eps
    C = C / (C.sum(-2, keepdim=True) + eps)
    for _ in range(sinkhorn_iters - 1):
        C = C / (C.sum(-1, keepdim=True) + eps)
        C = C / (C.sum(-2, keepdim=True) + eps)
    return pre, post, C
