using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Vae.Simd.Benchmarks;

/// <summary>
/// How fast data moves between the two cores. Two-thread training hands data from core to core every phase: each thread's
/// weight-gradient rows read both shards' activations, and each step's forward reads the weight rows the other thread has
/// just updated. If the host runs the two virtual CPUs on cores that share no L3 (two CCDs), every such read crosses the
/// fabric, and the step slows while the cores themselves (core-pair) and a one-thread run are as fast as ever. This measures
/// (1) the round trip of a cache line between the two threads and (2) the rate at which one thread reads a buffer that the
/// other has just written (it comes from the writer's caches), beside (3) the rate of reading it back on the writer's own core.
/// </summary>
internal static unsafe class CoreLink
{
    private const int BufferFloats = 1 << 20;   // 4 MiB: past a core's L2, within an L3

    public static void Run(int rounds)
    {
        Console.WriteLine("round  line round trip (ns)  read what the other core wrote (GB/s)  read back on the writer's core (GB/s)");
        var trips = new List<double>(); var cross = new List<double>(); var local = new List<double>();
        float* buffer = (float*)NativeMemory.AlignedAlloc(BufferFloats * sizeof(float), 64);
        long* line = (long*)NativeMemory.AlignedAlloc(128, 64);
        for (int round = 1; round <= rounds; round++)
        {
            double trip = RoundTrip(line, 200_000);
            var (there, here) = Handover(buffer, 40);
            trips.Add(trip); cross.Add(there); local.Add(here);
            Console.WriteLine($"{round,5}  {trip,21:F0}  {there,37:F1}  {here,37:F1}");
        }
        static double Median(List<double> v) { v.Sort(); return v[v.Count / 2]; }
        Console.WriteLine($"median: round trip {Median(trips):F0} ns, cross-core read {Median(cross):F1} GB/s, own-core read {Median(local):F1} GB/s");
        NativeMemory.AlignedFree(buffer);
        NativeMemory.AlignedFree(line);
    }

    /// <summary>Nanoseconds for a cache line to go to the other thread and back: each thread waits for the other's count.</summary>
    private static double RoundTrip(long* line, int trips)
    {
        Volatile.Write(ref *line, 0);
        var other = new Thread(() =>
        {
            for (long n = 1; n < 2L * trips; n += 2)
            {
                while (Volatile.Read(ref *line) != n) { }
                Volatile.Write(ref *line, n + 1);
            }
        });
        other.Start();
        var clock = Stopwatch.StartNew();
        for (long n = 0; n < 2L * trips; n += 2)
        {
            Volatile.Write(ref *line, n + 1);
            while (Volatile.Read(ref *line) != n + 2) { }
        }
        double ns = clock.Elapsed.TotalNanoseconds / trips;
        other.Join();
        return ns;
    }

    /// <summary>GB/s of a thread summing the buffer right after the other thread wrote it, and of the writer summing it again.</summary>
    private static (double Cross, double Local) Handover(float* buffer, int turns)
    {
        var span = new Span<float>(buffer, BufferFloats);
        double crossSeconds = 0, localSeconds = 0;
        int written = 0, read = 0;
        float sink = 0;
        var writer = new Thread(() =>
        {
            var mine = new Span<float>(buffer, BufferFloats);
            for (int t = 1; t <= turns; t++)
            {
                while (Volatile.Read(ref read) != t - 1) { }
                mine.Fill(t);
                var clock = Stopwatch.StartNew();
                sink += TensorPrimitives.Sum(mine);
                localSeconds += clock.Elapsed.TotalSeconds;
                mine.Fill(t + 0.5f);   // the reader's copy must come from here
                Volatile.Write(ref written, t);
            }
        });
        writer.Start();
        for (int t = 1; t <= turns; t++)
        {
            while (Volatile.Read(ref written) != t) { }
            var clock = Stopwatch.StartNew();
            sink += TensorPrimitives.Sum(span);
            crossSeconds += clock.Elapsed.TotalSeconds;
            Volatile.Write(ref read, t);
        }
        writer.Join();
        GC.KeepAlive(sink);
        double bytes = (double)BufferFloats * sizeof(float) * turns;
        return (bytes / crossSeconds / 1e9, bytes / localSeconds / 1e9);
    }
}
