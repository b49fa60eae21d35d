using System.Diagnostics;
using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Tensors;
public static class Shapes
{
    public static void Run()
    {
        var r = new SeededRandom(1);
        float[] F(int len) => Enumerable.Range(0, len).Select(_ => r.NextUniform(-1, 1)).ToArray();
        foreach (var (fin, fout) in new[] { (784, 400), (400, 40), (20, 400), (400, 784) })
        {
            int m = 64;
            float[] x = F(m * fin), wt = F(fin * fout), w = F(fout * fin), b = F(fout), y = new float[m * fout], dy = F(m * fout), dx = new float[m * fin];
            double fl = 2.0 * m * fin * fout;
            double fwd = Rate(() => Gemm.LinearForwardTransposed(new ReadOnlyMatrixSpan(x, m, fin), new ReadOnlyMatrixSpan(wt, fin, fout), b, new MatrixSpan(y, m, fout), null), fl);
            double bx = Rate(() => Gemm.LinearBackwardInput(new ReadOnlyMatrixSpan(dy, m, fout), new ReadOnlyMatrixSpan(w, fout, fin), new MatrixSpan(dx, m, fin), null), fl);
            int rows = Math.Min(96, fout);
            float[] dw = new float[rows * fin];
            double flw = 2.0 * m * fin * rows;
            double bw = Rate(() => Gemm.LinearBackwardWeight(new ReadOnlyMatrixSpan(dy, m, fout).SliceColumns(0, rows), new ReadOnlyMatrixSpan(x, m, fin), new MatrixSpan(dw, rows, fin), null), flw);
            Console.WriteLine($"{fin}->{fout} m=64: forward {fwd:F0}  dX {bx:F0}  dW({rows} rows) {bw:F0} GFLOP/s");
        }
    }
    static double Rate(Action f, double flops)
    {
        for (int i = 0; i < 200; i++) f();
        double best = 0;
        for (int rep = 0; rep < 7; rep++) { var sw = Stopwatch.StartNew(); int n = 0; do { f(); n++; } while (sw.Elapsed.TotalSeconds < 0.1); best = Math.Max(best, flops * n / sw.Elapsed.TotalSeconds / 1e9); }
        return best;
    }
}
