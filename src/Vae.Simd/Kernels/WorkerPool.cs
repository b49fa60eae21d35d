namespace Vae.Simd.Kernels;

/// <summary>A batch of independent work items; <c>worker</c> tells which thread runs item <c>item</c>.</summary>
internal interface IParallelWork
{
    /// <summary>Does item <paramref name="item"/> on worker <paramref name="worker"/> (0 = the calling thread).</summary>
    void Execute(int item, int worker);
}

/// <summary>
/// A fixed set of threads that take work items from a shared counter. The caller's thread works
/// too. Running a batch allocates nothing. Results must not depend on which worker ran an item:
/// callers write each item's output to that item's own place and combine them in item order.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done;
    private IParallelWork? _work;
    private int _count, _next;
    private volatile int _generation;

    // Workers spin this long for the next batch before they block: a training step or a batch-1
    // inference hands out several batches in quick succession, and waking a blocked thread costs
    // more than the work of a small batch.
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 10_000; // 100 µs
    private volatile bool _disposed;
    private Exception? _failure;
    private int _running;

    /// <summary>Number of threads, the caller's included.</summary>
    public int Threads { get; }

    /// <summary>A pool of <paramref name="threads"/> workers (the calling thread is one of them).</summary>
    public WorkerPool(int threads)
    {
        if (threads <= 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread is needed");
        Threads = threads;
        _threads = new Thread[threads - 1];
        _start = new SemaphoreSlim[threads - 1];
        _done = new CountdownEvent(1);
        for (int t = 0; t < _threads.Length; t++)
        {
            int worker = t + 1;
            _start[t] = new SemaphoreSlim(0);
            _threads[t] = new Thread(() => Loop(worker)) { IsBackground = true, Name = $"vae-worker-{worker}" };
            _threads[t].Start();
        }
    }

    /// <summary>Runs items 0 … count − 1 and returns when all are done; rethrows the first failure.</summary>
    public void Run(IParallelWork work, int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count <= 0) return;
        // One batch at a time: a second caller (another thread, or a work item calling back in) would corrupt the
        // counters the workers share. It gets an exception on its own thread instead.
        if (Interlocked.Exchange(ref _running, 1) != 0)
            throw new InvalidOperationException("this worker pool is already running a batch; a pool serves one caller at a time");
        try { RunBatch(work, count); }
        finally { Volatile.Write(ref _running, 0); }
    }

    private void RunBatch(IParallelWork work, int count)
    {
        _failure = null;
        if (_threads.Length == 0 || count == 1)
        {
            for (int i = 0; i < count; i++) work.Execute(i, 0);
            return;
        }
        _work = work;
        _count = count;
        _next = -1;
        _done.Reset(_threads.Length);
        Interlocked.Increment(ref _generation);
        // A spinning worker sees the new generation by itself; a blocked one needs its semaphore. Releasing
        // only an empty semaphore keeps at most one stale count, which costs a worker one extra look.
        foreach (var s in _start) if (s.CurrentCount == 0) s.Release();
        Drain(0);
        _done.Wait();
        _work = null;
        if (_failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
    }

    private void Drain(int worker)
    {
        var work = _work!;
        int item;
        while ((item = Interlocked.Increment(ref _next)) < _count)
        {
            try { work.Execute(item, worker); }
            catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
        }
    }

    private void Loop(int worker)
    {
        var start = _start[worker - 1];
        int seen = 0;
        while (true)
        {
            long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
            while (_generation == seen && !_disposed && System.Diagnostics.Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(20);
            while (_generation == seen && !_disposed) start.Wait();
            if (_disposed) return;
            seen = _generation;
            // Nothing may escape a worker thread: it would take the whole process down. Failures go to the caller.
            try { Drain(worker); }
            catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
            _done.Signal();
        }
    }

    /// <summary>Stops the threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var s in _start) s.Release();
        foreach (var t in _threads) t.Join();
        foreach (var s in _start) s.Dispose();
        _done.Dispose();
    }
}
