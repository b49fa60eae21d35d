using System.Diagnostics;
using Vae.Simd;
using Vae.Simd.Kernels;
using Vae.Simd.Tensors;
int rounds = 7;
var data = Dataset.LoadMnist("/work/main/data/mnist").Train;
int rows = 64, k = 784, m = 96;
var x = new float[rows * k];
var order = new Random(3); var r = new Random(1);
var dy = Enumerable.Range(0, rows * 400).Select(_ => (float)(r.NextDouble() - 0.5)).ToArray();
var c = new float[m * k];
var path = GemmPaths.Best;
double Time(bool skip)
{
    var sw = Stopwatch.StartNew(); int calls = 0; double t = 0;
    while (sw.ElapsedMilliseconds < 400)
    {
        for (int i = 0; i < rows; i++) data.Rows(order.Next(data.Count), 1).CopyTo(x.AsSpan(i * k, k));
        long t0 = Stopwatch.GetTimestamp();
        var dyRows = new ReadOnlyMatrixSpan(dy, rows, 400).SliceColumns(96, m);
        GemmDriver.MultiplyAdd(dyRows, true, new ReadOnlyMatrixSpan(x, rows, k), false, new MatrixSpan(c, m, k), true, path, null, skipZeroRowsOfB: skip);
        t += Stopwatch.GetElapsedTime(t0).TotalSeconds; calls++;
    }
    return 2.0 * rows * k * m * calls / t / 1e9;
}
Time(true); Time(false);
var dense = new List<double>(); var skipping = new List<double>();
for (int i = 0; i < rounds; i++) { dense.Add(Time(false)); skipping.Add(Time(true)); }
dense.Sort(); skipping.Sort();
Console.WriteLine($"dW block 96 x 784 over 64 MNIST rows: dense {dense[rounds/2]:F1}, skipping rows of X {skipping[rounds/2]:F1} GFLOP/s (dense-equivalent)");
