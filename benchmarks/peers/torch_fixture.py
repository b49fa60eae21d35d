# Writes the PyTorch fixture that tests/Vae.Simd.Tests/Fixtures uses: a small VAE in the exact shape of the PyTorch VAE
# example (fc1, fc21, fc22, fc3, fc4; ReLU; sigmoid output), trained briefly with PyTorch on MNIST, saved as a bare
# safetensors state dict (no metadata, PyTorch's names), with the outputs PyTorch computes for the first 100 test images.
# The tests need neither PyTorch nor this script; run it again only to remake the fixture:
#   apt-get install -y python3-torch libopenblas0-pthread
#   /usr/bin/python3 benchmarks/peers/torch_fixture.py data/mnist tests/Vae.Simd.Tests/Fixtures
# safetensors is written by hand (an 8-byte header length, a JSON header, raw little-endian F32): the format is that small,
# and Debian's PyTorch comes without the safetensors package.
import sys, os, json, struct, gzip
import numpy as np, torch
from torch import nn
from torch.nn import functional as F

data_dir, out_dir = sys.argv[1], sys.argv[2]
H, L, TRAIN, EPOCHS, TEST = 32, 4, 6000, 3, 100

def idx(stem):
    for name, op in ((stem, open), (stem + ".gz", gzip.open)):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            with op(path, "rb") as f: data = f.read()
            nd = data[3]; dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
            return np.frombuffer(data[4 + 4 * nd:], dtype=np.uint8).reshape(dims)
    raise FileNotFoundError(stem)

xtr = torch.from_numpy(idx("train-images-idx3-ubyte")[:TRAIN].reshape(-1, 784).astype(np.float32) / 255)
xte = torch.from_numpy(idx("t10k-images-idx3-ubyte")[:TEST].reshape(-1, 784).astype(np.float32) / 255)

class VAE(nn.Module):
    def __init__(s):
        super().__init__(); s.fc1 = nn.Linear(784, H); s.fc21 = nn.Linear(H, L); s.fc22 = nn.Linear(H, L)
        s.fc3 = nn.Linear(L, H); s.fc4 = nn.Linear(H, 784)
    def encode(s, x): h = F.relu(s.fc1(x)); return s.fc21(h), s.fc22(h)
    def decode(s, z): return torch.sigmoid(s.fc4(F.relu(s.fc3(z))))

torch.manual_seed(1)
m = VAE(); opt = torch.optim.Adam(m.parameters(), lr=1e-3)
for epoch in range(EPOCHS):
    perm = torch.randperm(TRAIN)
    for i in range(0, TRAIN, 128):
        x = xtr[perm[i:i + 128]]; mu, lv = m.encode(x)
        xr = m.decode(mu + torch.randn_like(mu) * torch.exp(0.5 * lv))
        loss = F.binary_cross_entropy(xr, x, reduction="sum") - 0.5 * torch.sum(1 + lv - mu.pow(2) - lv.exp())
        opt.zero_grad(); loss.backward(); opt.step()

with torch.no_grad():
    mu, lv = m.encode(xte); xr = m.decode(mu)
    bce = F.binary_cross_entropy(xr.double(), xte.double(), reduction="none").sum(1)
    mse = ((xr.double() - xte.double()) ** 2).mean()

def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b); offset += len(b)
    h = json.dumps(header).encode(); h += b" " * (-len(h) % 8)
    with open(path, "wb") as f: f.write(struct.pack("<Q", len(h))); f.write(h); [f.write(b) for b in blobs]

os.makedirs(out_dir, exist_ok=True)
save_safetensors(os.path.join(out_dir, "torch-example-vae.safetensors"), m.state_dict())
with open(os.path.join(out_dir, "torch-example-vae.expected.json"), "w") as f:
    json.dump({
        "made_by": "benchmarks/peers/torch_fixture.py with torch " + torch.__version__,
        "architecture": {"input": 784, "hidden": [H], "latent": L, "activation": "relu", "likelihood": "bernoulli"},
        "test_images": TEST,
        "mu_first_5": mu[:5].tolist(),
        "logvar_first_5": lv[:5].tolist(),
        "reconstruction_first_image": xr[0].tolist(),
        "bce_per_image_of_mean_reconstruction": bce.tolist(),
        "mean_bce_of_mean_reconstruction": bce.mean().item(),
        "mse_per_pixel_of_mean_reconstruction": mse.item(),
    }, f, indent=1)
print("wrote", out_dir, "mean BCE", bce.mean().item(), "MSE", mse.item())
