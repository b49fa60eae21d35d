// Scratch: a training shard's first-layer forward (64 MNIST rows × 784 pixels, Wᵀ 784 × 400 read in place, bias), one thread,
// with and without skipping the depth steps where a whole panel of 8 rows is zero. Alternated, median of rounds.
using System.Diagnostics;
using Vae.Simd;
using Vae.Simd.Kernels;
using Vae.Simd.Tensors;
int rounds = args.Length > 0 ? int.Parse(args[0]) : 7;
var data = Dataset.LoadMnist("/work/main/data/mnist").Train;
int rows = 64, k = 784, n = 400;
var x = new float[rows * k];
var order = new Random(3);
var r = new Random(1);
var wt = Enumerable.Range(0, k * n).Select(_ => (float)(r.NextDouble() - 0.5) * 0.1f).ToArray();
var bias = Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() - 0.5) * 0.1f).ToArray();
var y = new float[rows * n];
var path = GemmPaths.Best;
double Time(bool skip)
{
    var sw = Stopwatch.StartNew(); int calls = 0; double flops = 0;
    while (sw.ElapsedMilliseconds < 400)
    {
        // A new random batch of rows each call, as in training.
        for (int i = 0; i < rows; i++) data.Rows(order.Next(data.Count), 1).CopyTo(x.AsSpan(i * k, k));
        long t0 = Stopwatch.GetTimestamp();
        GemmDriver.MultiplyBias(new ReadOnlyMatrixSpan(x, rows, k), false, new ReadOnlyMatrixSpan(wt, k, n), false, bias, new MatrixSpan(y, rows, n), path, null, skip);
        flops += Stopwatch.GetElapsedTime(t0).TotalSeconds; calls++;
    }
    return 2.0 * rows * k * n * calls / flops / 1e9;
}
Time(true); Time(false);
var dense = new List<double>(); var skipping = new List<double>();
long before = GemmDriver.SkippedSteps;
for (int i = 0; i < rounds; i++) { dense.Add(Time(false)); skipping.Add(Time(true)); }
dense.Sort(); skipping.Sort();
var ratios = dense.Zip(skipping, (d, s) => s / d).OrderBy(v => v).ToArray();
Console.WriteLine($"{path}, 64 MNIST rows x 784 -> 400, one thread, dense-equivalent GFLOP/s, median of {rounds} alternated rounds:");
Console.WriteLine($"  dense {dense[rounds / 2]:F1} (min {dense[0]:F1}, max {dense[^1]:F1}); skipping {skipping[rounds / 2]:F1} (min {skipping[0]:F1}, max {skipping[^1]:F1})");
Console.WriteLine($"  skipping/dense per round, sorted: {string.Join(", ", ratios.Select(v => v.ToString("F2")))}");
{
    long s0 = GemmDriver.SkippedSteps; int calls = 200;
    for (int c = 0; c < calls; c++)
    {
        for (int i = 0; i < rows; i++) data.Rows(order.Next(data.Count), 1).CopyTo(x.AsSpan(i * k, k));
        GemmDriver.MultiplyBias(new ReadOnlyMatrixSpan(x, rows, k), false, new ReadOnlyMatrixSpan(wt, k, n), false, bias, new MatrixSpan(y, rows, n), path, null, true);
    }
    Console.WriteLine($"  steps skipped: {(GemmDriver.SkippedSteps - s0) / (double)calls / (rows / 8 * k):P1} of all 8-row panel steps");
}
