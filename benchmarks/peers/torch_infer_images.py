# PyTorch's reconstruct of the 784-400-20 VAE shape (../shared/peers/torch_infer.py's model and call), one batch size per
# process, on the input our benchmark uses: uniform noise or MNIST's first test images (data/mnist). Prints the median and
# best of ROUNDS rounds, in µs per call. Run it at its best (benchmarks/peers/infer.sh does):
#   - OPENBLAS_NUM_THREADS sets OpenBLAS's own threads; torch.set_num_threads does not reach them, so "1 thread" with the
#     variable unset runs sgemm on every core;
#   - MALLOC_TOP_PAD_=67108864: at batch 1000 each call allocates about 6 MB of tensors, and once glibc has trimmed its heap
#     (after torch_infer.py's batch-1 loop, for one) every call faults those pages back in: 935k page faults and 8.9 ms per
#     call against 36k and 6.4 ms (Zen 5, one thread).
# Usage: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 MALLOC_TOP_PAD_=67108864 \
#          /usr/bin/python3 benchmarks/peers/torch_infer_images.py [threads=1] [uniform|mnist] [batch=1000] [rounds=7]
import gzip, os, sys, time
import numpy as np, torch
from torch import nn

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
kind = sys.argv[2] if len(sys.argv) > 2 else "uniform"
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 7
if kind not in ("uniform", "mnist"):
    sys.exit(f"the input is uniform or mnist, not {kind!r}")
torch.set_num_threads(threads); torch.manual_seed(1)
enc = nn.Linear(784, 400); mu = nn.Linear(400, 20); dec1 = nn.Linear(20, 400); dec2 = nn.Linear(400, 784)
def recon(x):
    return torch.sigmoid(dec2(torch.relu(dec1(mu(torch.relu(enc(x)))))))

if kind == "uniform":
    x = torch.rand(batch, 784)
else:
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "mnist", "t10k-images-idx3-ubyte.gz")
    pixels = np.frombuffer(gzip.decompress(open(path, "rb").read()), np.uint8, offset=16)[: batch * 784]
    x = torch.from_numpy(pixels.reshape(batch, 784).astype(np.float32) / 255)

calls = 2000 if batch == 1 else max(20, 50000 // batch)
times = []
with torch.no_grad():
    for _ in range(calls): recon(x)
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(calls): recon(x)
        times.append((time.perf_counter() - t) / calls * 1e6)
times.sort()
print(f"torch {kind} batch {batch} threads {threads} OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}: "
      f"median {times[len(times) // 2]:.1f} us, best {times[0]:.1f} us per call")
