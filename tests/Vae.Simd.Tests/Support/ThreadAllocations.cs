using Vae.Simd.Kernels;

namespace Vae.Simd.Tests.Support;

/// <summary>
/// Sums what each thread of a pool has allocated so far. A barrier holds every thread to exactly one item, so each
/// thread reports once; the barrier's own allocations come after the reading.
/// </summary>
internal sealed class ThreadAllocations(int threads) : IParallelWork
{
    private readonly Barrier _barrier = new(threads);
    private long _total;

    public long Measure(WorkerPool pool)
    {
        _total = 0;
        pool.Run(this, threads);
        return _total;
    }

    public void Execute(int item, int worker)
    {
        Interlocked.Add(ref _total, GC.GetAllocatedBytesForCurrentThread());
        _barrier.SignalAndWait();
    }
}
