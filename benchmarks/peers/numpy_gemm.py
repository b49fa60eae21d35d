# GFLOP/s of numpy (OpenBLAS) sgemm on the shapes training uses, in the three forms of a linear layer.
# Threads come from OPENBLAS_NUM_THREADS. Prints "name gflops" lines; best of several timed repeats.
import time
import numpy as np

def best(f, flops, reps=7):
    f()
    times = []
    for _ in range(reps):
        n = 0; t0 = time.perf_counter()
        while True:
            f(); n += 1
            dt = time.perf_counter() - t0
            if dt > 0.05: break
        times.append(dt / n)
    return flops / min(times) / 1e9

rng = np.random.default_rng(1)
for name, batch, fan_in, fan_out in [("784x400", 128, 784, 400), ("400x784", 128, 400, 784), ("400x40", 128, 400, 40), ("20x400", 128, 20, 400), ("1024x1024", 1024, 1024, 1024)]:
    x = rng.standard_normal((batch, fan_in), dtype=np.float32)
    w = rng.standard_normal((fan_out, fan_in), dtype=np.float32)
    dy = rng.standard_normal((batch, fan_out), dtype=np.float32)
    flops = 2.0 * batch * fan_in * fan_out
    y = np.empty((batch, fan_out), np.float32); dx = np.empty((batch, fan_in), np.float32); dw = np.empty((fan_out, fan_in), np.float32)
    print(f"{name}/forward {best(lambda: np.matmul(x, w.T, out=y), flops):.1f}")
    print(f"{name}/backward_input {best(lambda: np.matmul(dy, w, out=dx), flops):.1f}")
    print(f"{name}/backward_weight {best(lambda: np.matmul(dy.T, x, out=dw), flops):.1f}")
