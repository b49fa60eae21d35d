"""The training step's ceiling from its pieces' measured rates (eleventh session, RESULTS.md).
Usage: python3 step-ceiling.py shapes-m64.txt ADAM_AND_REFRESH_NS_PER_PARAMETER
shapes-m64.txt is the scratch harness's `shapes` output: each layer's forward, dX and dW at 64 rows (a shard), one thread.
Every GEMM of the step at that rate, plus the optimizer and the Wt refresh at step-pieces' rate, and nothing else:
the one-thread ceiling; twice it, the two-thread ceiling with perfect scaling."""
import re, sys, statistics as st, collections
rates = collections.defaultdict(list)
for line in open(sys.argv[1]):
    m = re.match(r"(\d+)->(\d+) m=64: forward (\d+)\s+dX (\d+)\s+dW\(\d+ rows\) (\d+)", line)
    if m:
        fin, fout, f, x, w = map(int, m.groups())
        rates[(fin, fout)].append((f, x, w))
params = 652_824
adam_ns = float(sys.argv[2])
ns = 0.0
for (fin, fout), v in rates.items():
    f, x, w = (st.median(r[i] for r in v) for i in range(3))
    flops = 2.0 * fin * fout
    pieces = [f, w] if fin == 784 else [f, x, w]   # the input layer needs no dX
    t = sum(flops / r for r in pieces)             # GFLOP/s = flop per ns
    print(f"{fin}->{fout}: forward {f:.0f}, dX {x:.0f}, dW {w:.0f} GFLOP/s -> {t:.0f} ns per sample")
    ns += t
opt = params * adam_ns / 128
print(f"GEMMs {ns:.0f} ns per sample; optimizer and refresh {opt:.0f} ns per sample ({adam_ns} ns per parameter, batch 128)")
one = 1e9 / (ns + opt)
print(f"ceiling: one thread {one:,.0f} samples/s = {one * 3.279e6 / 1e9:.0f} GFLOP/s; two threads at 2x {2 * one:,.0f} samples/s = {2 * one * 3.279e6 / 1e9:.0f} GFLOP/s")
