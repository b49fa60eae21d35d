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
/// <remarks>
/// Between batches, and while the caller waits for the last items, threads spin for up to <see cref="SpinTicks"/> before they
/// block. A training step runs several batches a few milliseconds apart, and a thread that blocks in between must be woken
/// for the next: that took 30–60 µs on a Zen 3 virtual machine, and where waking an idle virtual CPU takes longer the woken
/// worker finds its batch half done (with 1 ms emulated, a 100 µs spin lost 40 % of two-thread training; benchmarks/RESULTS.md,
/// seventh session). A spinning thread yields its core now and then, so a thread it would otherwise keep waiting (its partner,
/// or another process's) still gets to run.
/// </remarks>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly ManualResetEventSlim _finished = new(false, spinCount: 0);
    private IParallelWork? _work;
    private int _count, _next, _pending;
    private volatile int _generation;

    /// <summary>How long a thread spins before it blocks: the gaps inside a training step (the rest of a phase after a
    /// thread's last item, the caller's work between phases) are up to about a millisecond.</summary>
    internal static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 1_000; // 1 ms
    private volatile bool _disposed;
    private Exception? _failure;
    private int _running;

    /// <summary>For tests: runs on the last worker to leave a batch, after it has counted itself out and before it wakes the
    /// caller, so a test can hold that window open.</summary>
    internal Action? BeforeWakingCaller { get; set; }

    /// <summary>Number of threads, the caller's included.</summary>
    public int Threads { get; }

    /// <summary>A pool of <paramref name="threads"/> workers (the calling thread is one of them).</summary>
    public WorkerPool(int threads)
    {
        if (threads <= 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread is needed");
        Threads = threads;
        _threads = new Thread[threads - 1];
        _start = new SemaphoreSlim[threads - 1];
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
        Volatile.Write(ref _pending, _threads.Length);
        Interlocked.Increment(ref _generation);
        // A spinning worker sees the new generation by itself; a blocked one needs its semaphore. Releasing
        // only an empty semaphore keeps at most one stale count, which costs a worker one extra look.
        foreach (var s in _start) if (s.CurrentCount == 0) s.Release();
        Drain(0);
        WaitForWorkers();
        _work = null;
        if (_failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
    }

    /// <summary>
    /// Returns when every worker has left the batch. The count of workers still in it decides; the event only wakes a caller
    /// that blocked. (A <see cref="CountdownEvent"/> did both, and was unsafe here: its count reaches zero before its event is
    /// set, so a caller that saw the zero could start the next batch and reset the event, which the late set then opened
    /// while the next batch's worker was still running.) A set left over from an earlier batch costs one more look.
    /// </summary>
    private void WaitForWorkers()
    {
        var spin = new PoliteSpin(SpinTicks);
        while (Volatile.Read(ref _pending) != 0 && spin.Next()) { }
        while (Volatile.Read(ref _pending) != 0)
        {
            _finished.Wait();
            if (Volatile.Read(ref _pending) != 0) _finished.Reset();
        }
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
            var spin = new PoliteSpin(SpinTicks);
            while (_generation == seen && !_disposed && spin.Next()) { }
            while (_generation == seen && !_disposed) start.Wait();
            if (_disposed) return;
            seen = _generation;
            // Nothing may escape a worker thread: it would take the whole process down. Failures go to the caller.
            try { Drain(worker); }
            catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
            if (Interlocked.Decrement(ref _pending) == 0)
            {
                BeforeWakingCaller?.Invoke();
                _finished.Set();
            }
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
        _finished.Dispose();
    }

    /// <summary>A bounded spin: pauses, and every sixteenth time gives the core to any thread waiting for it.</summary>
    private struct PoliteSpin(long ticks)
    {
        private readonly long _deadline = System.Diagnostics.Stopwatch.GetTimestamp() + ticks;
        private int _spins;

        /// <summary>Spins once; false once the time is up.</summary>
        public bool Next()
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() >= _deadline) return false;
            Thread.SpinWait(20);
            if ((++_spins & 15) == 0) Thread.Yield();
            return true;
        }
    }
}
