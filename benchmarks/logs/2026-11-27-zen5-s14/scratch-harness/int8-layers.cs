// Per-layer int8 forward, 128-row blocks as InferenceBlocks runs them, one thread: time per layer vs 256 GMAC/s.
using System.Diagnostics;
using Vae.Simd.Kernels;
using Vae.Simd.Tensors;
var rnd = new Random(5);
(string name, int k, int n, bool signed)[] layers = [("enc 784→400", 784, 400, false), ("head 400→20", 400, 20, false), ("dec 20→400", 20, 400, true), ("dec 400→784", 400, 784, false)];
int rows = 128;
double total = 0;
foreach (var (name, k, n, signed) in layers)
{
    var wt = Enumerable.Range(0, k * n).Select(_ => (float)(rnd.NextDouble() - 0.5)).ToArray();
    int qr = Int8Columns.QuadRows(k);
    var words = new uint[qr * n]; var scales = new float[n]; var sums = new int[n];
    GemvInt8.QuantizeColumns(wt, k, n, words, scales, sums);
    var w = new Int8Columns(words, scales, sums, k, n, n);
    var x = Enumerable.Range(0, rows * k).Select(_ => signed ? (float)(rnd.NextDouble() * 2 - 1) : (rnd.NextDouble() < 0.5 ? 0f : (float)rnd.NextDouble())).ToArray();
    if (k == 784) for (int i = 0; i < x.Length; i++) x[i] = (float)rnd.NextDouble();
    var bias = new float[n]; var y = new float[rows * n];
    var times = new List<double>();
    for (int round = 0; round < 15; round++)
    {
        var sw = Stopwatch.StartNew(); int calls = 0;
        while (sw.ElapsedMilliseconds < 100) { GemvInt8.Forward(new ReadOnlyMatrixSpan(x, rows, k), w, bias, new MatrixSpan(y, rows, n)); calls++; }
        times.Add(sw.Elapsed.TotalMicroseconds / calls);
    }
    times.Sort();
    double t = times[times.Count / 2], floor = (double)rows * k * n / 256e3;
    total += t;
    Console.WriteLine($"{name,-14} {t,8:F1} µs per 128 rows; at 256 GMAC/s {floor,7:F1} µs; overhead {t - floor,6:F1} µs ({(t - floor) / rows * 1000:F0} ns per row)");
}
Console.WriteLine($"total per 128 rows {total:F1} µs → per 1000 rows {total * 1000 / 128:F0} µs");
