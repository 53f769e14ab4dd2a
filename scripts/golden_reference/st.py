import json, struct, numpy as np, torch
def load(path):
    with open(path, 'rb') as f: buf = f.read()
    n = struct.unpack('<Q', buf[:8])[0]
    hdr = json.loads(buf[8:8 + n]); base = 8 + n; out = {}
    for k, v in hdr.items():
        if k == '__metadata__': continue
        b, e = v['data_offsets']; raw = buf[base + b: base + e]; dt = v['dtype']; shp = v['shape']
        if dt == 'BF16':
            a = np.frombuffer(raw, np.uint16).astype(np.uint32) << 16
            t = torch.from_numpy(a.view(np.float32).copy()).reshape(shp)
            out[k] = ('BF16', t)
        else:
            npdt = {'F32': np.float32, 'F8_E4M3': np.uint8, 'F8_E8M0': np.uint8, 'I8': np.int8, 'I64': np.int64, 'I32': np.int32}[dt]
            out[k] = (dt, torch.from_numpy(np.frombuffer(raw, npdt).copy()).reshape(shp))
    return out
