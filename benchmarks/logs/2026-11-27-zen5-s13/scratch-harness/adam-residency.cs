// Scratch: the library's Adam update over the canonical VAE's 652,824 parameters, in three settings, one or two threads
// (each thread its own half): "warm" = the calls back to back (the state stays in L3), "evicted" = 48 MB of other memory
// read and written between calls (the state comes from memory), as in a training step where ~20 MB of other data pass.
using System.Diagnostics;
using Vae.Simd.Training;
int n = 652_824, rounds = args.Length > 0 ? int.Parse(args[0]) : 5;
var adam = new Adam(n); adam.BeginStep();
float[] p = new float[n], g = new float[n];
var r = new Random(1);
for (int i = 0; i < n; i++) { p[i] = r.NextSingle(); g[i] = r.NextSingle() - 0.5f; }
int junkMb = 24; byte[][] junk = [new byte[64 << 20], new byte[64 << 20]];
void Evict(int t) { var j = junk[t]; int len = junkMb << 20; for (int i = 0; i < len; i += 64) j[i]++; }
float sink = 0; bool readAll = false; Barrier? bar = null;
void Barrier2(int threads) { if (threads > 1) bar!.SignalAndWait(); }
double Run(int threads, bool evict, int calls)
{
    var times = new double[threads]; bar = new Barrier(threads);
    var ts = Enumerable.Range(0, threads).Select(t => new Thread(() =>
    {
        int half = n / threads, start = t * half, len = t == threads - 1 ? n - start : half;
        double total = 0;
        for (int c = 0; c < calls; c++)
        {
            if (evict) Evict(t);
            if (readAll) { float acc = 0; for (int i = 0; i < n; i += 16) acc += p[i]; sink += acc; Barrier2(threads); }
            long t0 = Stopwatch.GetTimestamp();

            adam.Update(start, p.AsSpan(start, len), g.AsSpan(start, len));
            total += Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        times[t] = total / calls / len * 1e9;
    })).ToArray();
    foreach (var th in ts) th.Start();
    foreach (var th in ts) th.Join();
    return times.Average();
}
Console.WriteLine($"Adam.Update, {n:N0} parameters, ns per parameter per thread (median of {rounds} rounds of 200 calls)");
foreach (int threads in new[] { 1, 2 })
    foreach (int mb in new[] { 0, 2, 4, 8, 12, 16, 24 })
    {
        bool evict = mb > 0; junkMb = mb / threads;
        var v = Enumerable.Range(0, rounds).Select(_ => Run(threads, evict, 200)).OrderBy(x => x).ToArray();
        Console.WriteLine($"  {threads} thread(s), {mb,2} MB of other data read and written between calls: median {v[rounds / 2]:F3} (min {v[0]:F3}, max {v[^1]:F3})");
    }

readAll = true;
foreach (int threads in new[] { 1, 2 })
{
    junkMb = 0;
    var v = Enumerable.Range(0, rounds).Select(_ => Run(threads, false, 200)).OrderBy(x => x).ToArray();
    Console.WriteLine($"  {threads} thread(s), every thread reads all 2.6 MB of the parameters before each call: median {v[rounds / 2]:F3} (min {v[0]:F3}, max {v[^1]:F3})");
}
