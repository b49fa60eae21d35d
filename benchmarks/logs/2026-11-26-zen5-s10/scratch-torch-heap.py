# Scratch check of PyTorch's heap faults (tenth session): batch 1 for 2,050 calls, then batch 1000 in 12 rounds of 50.
# env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 [MALLOC_TOP_PAD_=67108864] perf stat -e page-faults /usr/bin/python3 scratch-torch-heap.py
# Zen 5: 8.6-9.1 ms a call and 935k page faults without MALLOC_TOP_PAD_, 6.2-6.7 ms and 36k with it.
import time, torch, sys
from torch import nn
torch.set_num_threads(1)
enc = nn.Linear(784, 400); mu = nn.Linear(400, 20); dec1 = nn.Linear(20, 400); dec2 = nn.Linear(400, 784)
def recon(x):
    return torch.sigmoid(dec2(torch.relu(dec1(mu(torch.relu(enc(x)))))))
with torch.no_grad():
    x1 = torch.rand(1, 784)
    for _ in range(2050): recon(x1)
    x = torch.rand(1000, 784)
    out = []
    for r in range(12):
        s = time.perf_counter()
        for _ in range(50): recon(x)
        out.append((time.perf_counter() - s) / 50 * 1e3)
    print(" ".join(f"{v:.2f}" for v in out))
