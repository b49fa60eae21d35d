using System.Diagnostics;
using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Tensors;
public static class Big
{
    public static void Run(int n, double seconds, string form)
    {
        var r = new SeededRandom(1);
        float[] Fill(int len) => Enumerable.Range(0, len).Select(_ => r.NextUniform(-1, 1)).ToArray();
        float[] x = Fill(n * n), w = Fill(n * n), dy = Fill(n * n), b = Fill(n), y = new float[n * n], dx = new float[n * n], dw = new float[n * n], wt = Fill(n * n);
        Action f = form switch
        {
            "fwd" => () => Gemm.LinearForwardTransposed(new ReadOnlyMatrixSpan(x, n, n), new ReadOnlyMatrixSpan(wt, n, n), b, new MatrixSpan(y, n, n), null),
            "dx" => () => Gemm.LinearBackwardInput(new ReadOnlyMatrixSpan(dy, n, n), new ReadOnlyMatrixSpan(w, n, n), new MatrixSpan(dx, n, n), null),
            _ => () => Gemm.LinearBackwardWeight(new ReadOnlyMatrixSpan(dy, n, n), new ReadOnlyMatrixSpan(x, n, n), new MatrixSpan(dw, n, n), null),
        };
        var sw = Stopwatch.StartNew(); int calls = 0; var lap = Stopwatch.StartNew(); int lapCalls = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            f(); calls++; lapCalls++;
            if (lap.Elapsed.TotalSeconds > 1) { Console.WriteLine($"{form} {n}: {2.0 * n * n * n * lapCalls / lap.Elapsed.TotalSeconds / 1e9:F1} GFLOP/s"); lap.Restart(); lapCalls = 0; }
        }
    }
}
