# Peer for the Burda et al. recipe: the same model and step in PyTorch, timed, so that Vae.Simd's samples/s on this recipe
# (batch 20, far from the canonical batch 128) can be compared side by side.
# Model: 784-200-200-(50, 50) encoder, 50-200-200-784 decoder, tanh, Bernoulli; dynamically binarized MNIST; Adam eps 1e-4.
# Objective: k = 1 the ELBO (analytic KL), k > 1 the IWAE bound over k samples.
# Needs: apt-get install -y python3-torch libopenblas0-pthread    (run with /usr/bin/python3)
# Usage: torch_burda.py MNIST_DIR [epochs=1] [k=1] [torch_threads=1] [limit=60000]
# Prints one line per epoch: "epoch E loss L seconds S samples_per_s R".
import sys, time, struct, gzip, os, math
import numpy as np, torch
from torch import nn
from torch.nn import functional as F

d = sys.argv[1]; epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
k = int(sys.argv[3]) if len(sys.argv) > 3 else 1
torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
limit = int(sys.argv[5]) if len(sys.argv) > 5 else 60000
torch.manual_seed(1)

def idx(stem):
    for name, op in ((stem, open), (stem + ".gz", gzip.open)):
        p = os.path.join(d, name)
        if os.path.exists(p):
            with op(p, "rb") as f: data = f.read()
            nd = data[3]; dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
            return np.frombuffer(data[4 + 4 * nd:], dtype=np.uint8).reshape(dims)

x = torch.from_numpy(idx("train-images-idx3-ubyte")[:limit].reshape(-1, 784).astype(np.float32) / 255)

class VAE(nn.Module):
    def __init__(s):
        super().__init__()
        s.enc = nn.Sequential(nn.Linear(784, 200), nn.Tanh(), nn.Linear(200, 200), nn.Tanh())
        s.mu = nn.Linear(200, 50); s.lv = nn.Linear(200, 50)
        s.dec = nn.Sequential(nn.Linear(50, 200), nn.Tanh(), nn.Linear(200, 200), nn.Tanh(), nn.Linear(200, 784))

def loss_fn(m, xb):
    h = m.enc(xb); mu, lv = m.mu(h), m.lv(h)
    if k == 1:
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * lv)
        rec = F.binary_cross_entropy_with_logits(m.dec(z), xb, reduction="none").sum(1)
        return (rec - 0.5 * (1 + lv - mu.pow(2) - lv.exp()).sum(1)).sum()
    eps = torch.randn(k, *mu.shape)
    z = mu + eps * torch.exp(0.5 * lv)                                  # [k, B, 50]
    rec = F.binary_cross_entropy_with_logits(m.dec(z), xb.expand(k, -1, -1), reduction="none").sum(2)
    logw = -rec - 0.5 * (z ** 2).sum(2) + 0.5 * (eps ** 2).sum(2) + 0.5 * lv.sum(1)
    return -(torch.logsumexp(logw, 0) - math.log(k)).sum()

m = VAE(); opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-4)
for ep in range(epochs):
    perm = torch.randperm(len(x)); t0 = time.perf_counter(); total = 0.0
    for i in range(0, len(x), 20):
        xb = torch.bernoulli(x[perm[i:i + 20]])                              # dynamic binarization
        opt.zero_grad(); l = loss_fn(m, xb); l.backward(); opt.step(); total += l.item()
    dt = time.perf_counter() - t0
    print(f"epoch {ep + 1} loss {total / len(x):.3f} seconds {dt:.3f} samples_per_s {len(x) / dt:.0f}", flush=True)
