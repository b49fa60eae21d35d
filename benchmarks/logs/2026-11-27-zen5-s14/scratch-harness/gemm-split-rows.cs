// Two-thread GEMM split A/B in one process: mode 0 (columns, the rule) vs mode 1 (rows), alternated rep by rep.
// Needs a static int GemmDriver.s_rows that Run reads: 1 = share by rows wherever it would share columns and m >= 2 MR.
using System.Diagnostics;
using Vae.Simd.Kernels;
using Vae.Simd.Tensors;
using Vae.Simd.Common;
int reps = args.Length > 0 ? int.Parse(args[0]) : 15;
int threads = args.Length > 1 ? int.Parse(args[1]) : 2;
using var pool = threads > 1 ? new WorkerPool(threads) : null;
var r = new SeededRandom(1);
foreach (var (name, batch, fanIn, fanOut) in new[] { ("784x400", 128, 784, 400), ("400x784", 128, 400, 784), ("1024x1024", 1024, 1024, 1024) })
{
    float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => r.NextUniform(-1, 1)).ToArray();
    float[] x = Fill(batch * fanIn), w = Fill(fanOut * fanIn), dy = Fill(batch * fanOut), b = Fill(fanOut);
    float[] y = new float[batch * fanOut], dx = new float[batch * fanIn], dw = new float[fanOut * fanIn];
    float[] wt = new float[fanIn * fanOut];
    Transpose.Rows(new ReadOnlyMatrixSpan(w, fanOut, fanIn), new MatrixSpan(wt, fanIn, fanOut), 0, fanOut);
    double flops = 2.0 * batch * fanIn * fanOut;
    var forms = new (string, Action)[] {
        ("forward", () => Gemm.LinearForwardTransposed(new ReadOnlyMatrixSpan(x, batch, fanIn), new ReadOnlyMatrixSpan(wt, fanIn, fanOut), b, new MatrixSpan(y, batch, fanOut), pool)),
        ("backward_input", () => Gemm.LinearBackwardInput(new ReadOnlyMatrixSpan(dy, batch, fanOut), new ReadOnlyMatrixSpan(w, fanOut, fanIn), new MatrixSpan(dx, batch, fanIn), pool)),
        ("backward_weight", () => Gemm.LinearWeightGradient(new ReadOnlyMatrixSpan(dy, batch, fanOut), new ReadOnlyMatrixSpan(x, batch, fanIn), new MatrixSpan(dw, fanOut, fanIn), pool)) };
    foreach (var (form, f) in forms)
    {
        var t = new List<double>[] { new(), new() };
        for (int i = 0; i < 20; i++) { GemmDriver.s_rows = i & 1; f(); }
        for (int rep = 0; rep < reps; rep++)
            for (int mode = 0; mode < 2; mode++)
            {
                GemmDriver.s_rows = mode;
                var clock = Stopwatch.StartNew(); int n = 0;
                do { f(); n++; } while (clock.Elapsed.TotalSeconds < 0.03);
                t[mode].Add(flops * n / clock.Elapsed.TotalSeconds / 1e9);
            }
        var ratios = t[1].Zip(t[0], (a, c) => a / c).Order().ToArray();
        Console.WriteLine($"{name}/{form,-16} columns {t[0].Order().ElementAt(reps / 2),6:F1}  rows {t[1].Order().ElementAt(reps / 2),6:F1}  rows/columns per rep: median {ratios[reps / 2]:F3} ({ratios[0]:F2}-{ratios[^1]:F2})");
    }
}
