import torch
def hadamard_transform(x, scale=1.0):
    shp = x.shape; n = shp[-1]
    y = x.float().reshape(-1, n).clone()
    h = 1
    while h < n:
        y = y.reshape(-1, n // (2 * h), 2, h)
        a = y[:, :, 0, :]; b = y[:, :, 1, :]
        y = torch.stack([a + b, a - b], 2).reshape(-1, n)
        h *= 2
    return (y * torch.tensor(scale, dtype=torch.float32)).reshape(shp).to(x.dtype)
