using Vae.Simd.Common;
using System.Diagnostics;
using Vae.Simd;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Benchmarks;

/// <summary>`peer-gemm THREADS`: the same shapes and timing method as benchmarks/peers/numpy_gemm.py,
/// printing "name gflops" lines, for the side-by-side comparison with numpy/OpenBLAS.</summary>
public static class PeerGemm
{
    public static void Run(int threads)
    {
        using var pool = threads > 1 ? new WorkerPool(threads) : null;
        var r = new SeededRandom(1);
        foreach (var (name, batch, fanIn, fanOut) in new[] { ("784x400", 128, 784, 400), ("400x784", 128, 400, 784), ("400x40", 128, 400, 40), ("20x400", 128, 20, 400), ("1024x1024", 1024, 1024, 1024) })
        {
            float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => r.NextUniform(-1, 1)).ToArray();
            float[] x = Fill(batch * fanIn), w = Fill(fanOut * fanIn), dy = Fill(batch * fanOut), b = Fill(fanOut);
            float[] y = new float[batch * fanOut], dx = new float[batch * fanIn], dw = new float[fanOut * fanIn];
            double flops = 2.0 * batch * fanIn * fanOut;
            // The forward as training and inference run it, from the layer's cached Wᵀ; forward_packing packs Wᵀ on every call.
            float[] wt = new float[fanIn * fanOut];
            Transpose.Rows(new ReadOnlyMatrixSpan(w, fanOut, fanIn), new MatrixSpan(wt, fanIn, fanOut), 0, fanOut);
            Console.WriteLine($"{name}/forward {Best(() => Gemm.LinearForwardTransposed(new ReadOnlyMatrixSpan(x, batch, fanIn), new ReadOnlyMatrixSpan(wt, fanIn, fanOut), b, new MatrixSpan(y, batch, fanOut), pool), flops):F1}");
            Console.WriteLine($"{name}/forward_packing {Best(() => Gemm.LinearForward(new ReadOnlyMatrixSpan(x, batch, fanIn), new ReadOnlyMatrixSpan(w, fanOut, fanIn), b, new MatrixSpan(y, batch, fanOut), pool), flops):F1}");
            Console.WriteLine($"{name}/backward_input {Best(() => Gemm.LinearBackwardInput(new ReadOnlyMatrixSpan(dy, batch, fanOut), new ReadOnlyMatrixSpan(w, fanOut, fanIn), new MatrixSpan(dx, batch, fanIn), pool), flops):F1}");
            // dW = dyᵀ·x written over dW, as numpy's matmul(dy.T, x, out=dw) and the training step's first shard do;
            // backward_weight_accumulate (dW += dyᵀ·x, the second shard's form, which also reads dW) has no numpy line.
            Console.WriteLine($"{name}/backward_weight {Best(() => Gemm.LinearWeightGradient(new ReadOnlyMatrixSpan(dy, batch, fanOut), new ReadOnlyMatrixSpan(x, batch, fanIn), new MatrixSpan(dw, fanOut, fanIn), pool), flops):F1}");
            Console.WriteLine($"{name}/backward_weight_accumulate {Best(() => Gemm.LinearBackwardWeight(new ReadOnlyMatrixSpan(dy, batch, fanOut), new ReadOnlyMatrixSpan(x, batch, fanIn), new MatrixSpan(dw, fanOut, fanIn), pool), flops):F1}");
        }
    }

    private static double Best(Action f, double flops, int repeats = 7)
    {
        for (int i = 0; i < 20; i++) f(); // warm-up, JIT
        double best = double.MaxValue;
        for (int rep = 0; rep < repeats; rep++)
        {
            var clock = Stopwatch.StartNew();
            int n = 0;
            do { f(); n++; } while (clock.Elapsed.TotalSeconds < 0.05);
            best = Math.Min(best, clock.Elapsed.TotalSeconds / n);
        }
        return flops / best / 1e9;
    }
}
