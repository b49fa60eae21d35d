using System.Diagnostics;
using Vae.Simd.Kernels;

namespace Vae.Simd.Tests.Kernels;

public class WorkerPoolTests
{
    /// <summary>Counts the items that have finished. A worker's item takes longer than the caller's, so the caller waits for
    /// it; a long one outlasts the caller's spin, so the caller blocks.</summary>
    private sealed class FinishCounter(bool longWorkerItems) : IParallelWork
    {
        public int Finished;

        public void Execute(int item, int worker)
        {
            if (worker == 0) Thread.SpinWait(10);
            else if (!longWorkerItems) Thread.SpinWait(200);
            else Wait(2 * WorkerPool.SpinTicks);
            Interlocked.Increment(ref Finished);
        }
    }

    /// <summary>Keeps every core busy, so the pool's threads are preempted at any point, also between the steps of their
    /// hand-over (a worker that has left its batch but not yet woken the caller is the case that once went wrong).</summary>
    private static void WithBusyCores(Action action)
    {
        bool stop = false;
        var busy = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() => { while (!Volatile.Read(ref stop)) Thread.SpinWait(100); }) { IsBackground = true }).ToList();
        busy.ForEach(t => t.Start());
        try { action(); }
        finally
        {
            Volatile.Write(ref stop, true);
            busy.ForEach(t => t.Join());
        }
    }

    /// <summary>A pool that loses a wake-up hangs rather than fails: this turns the hang into a failure.</summary>
    private static void FinishesWithinAMinute(Action test)
    {
        var run = Task.Run(test);
        if (Task.WaitAny([run], TimeSpan.FromMinutes(1)) < 0) Assert.Fail("the pool did not finish its batches within a minute");
        run.GetAwaiter().GetResult();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_batch_returns_only_after_every_item_has_finished_even_on_preempted_threads(int threads) => FinishesWithinAMinute(() =>
    {
        using var pool = new WorkerPool(threads);
        int batches = 0;
        WithBusyCores(() =>
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(1.5) || batches < 200)
            {
                var work = new FinishCounter(longWorkerItems: batches % 4 == 3);
                int count = 2 + batches % 3;
                pool.Run(work, count);
                int finished = Volatile.Read(ref work.Finished);
                if (finished != count) Assert.Fail($"batch {batches} returned with {finished} of {count} items finished");
                batches++;
            }
        });
        Assert.True(batches >= 200);
    });

    /// <summary>Item 0 holds its thread until item 1 has started, so item 1 runs on another thread, and item 1 outlasts the
    /// caller's spin many times over. Both wait politely, in case the two threads share a core.</summary>
    private sealed class HandOver : IParallelWork
    {
        public int Started, Finished;

        public void Execute(int item, int worker)
        {
            if (item == 0) { while (Volatile.Read(ref Started) == 0) Thread.Yield(); }
            else
            {
                Interlocked.Increment(ref Started);
                long end = Stopwatch.GetTimestamp() + 20 * WorkerPool.SpinTicks;
                while (Stopwatch.GetTimestamp() < end) Thread.Yield();
            }
            Interlocked.Increment(ref Finished);
        }
    }

    private static void Wait(long ticks)
    {
        long end = Stopwatch.GetTimestamp() + ticks;
        while (Stopwatch.GetTimestamp() < end) Thread.SpinWait(50);
    }

    [Fact]
    public void The_caller_waits_for_the_workers_even_when_a_wake_up_from_the_last_batch_arrives_late() => FinishesWithinAMinute(() =>
    {
        // The worker counts itself out of batch A, and wakes the caller only after the caller has returned from A, so the
        // wake-up of A is still set when the caller blocks in batch B, while B's worker is running item 1. The caller must
        // go back to waiting, not return. With one worker the hook runs once per batch, so
        // its odd calls are batch A's. (If the caller happened to block in A, it needs that wake-up to return: the hook
        // then gives up after 50 ms, and the round does not count.)
        using var pool = new WorkerPool(2);
        int calls = 0, lateWakeUps = 0;
        bool returnedFromA = false;
        pool.BeforeWakingCaller = () =>
        {
            if (Interlocked.Increment(ref calls) % 2 == 0) return;
            var clock = Stopwatch.StartNew();
            while (!Volatile.Read(ref returnedFromA) && clock.ElapsedMilliseconds < 50) Thread.Yield();
            if (Volatile.Read(ref returnedFromA)) Interlocked.Increment(ref lateWakeUps);
        };
        for (int round = 0; round < 10; round++)
        {
            Volatile.Write(ref returnedFromA, false);
            var a = new FinishCounter(longWorkerItems: false);
            pool.Run(a, 2);
            Volatile.Write(ref returnedFromA, true);
            Assert.Equal(2, a.Finished);
            var b = new HandOver();
            pool.Run(b, 2);
            Assert.Equal(2, Volatile.Read(ref b.Finished));
        }
        Assert.True(lateWakeUps > 0, "no round held the wake-up back past the caller's return");
    });

    /// <summary>A worker item longer than the spin, so the caller blocks, then pauses longer than the spin, so the workers block.</summary>
    private sealed class SlowWorkerItems(TimeSpan workerItem) : IParallelWork
    {
        public int Finished;

        public void Execute(int item, int worker)
        {
            // The caller's items take a while too, so that a blocked worker is awake in time to take one.
            var length = worker != 0 ? workerItem : TimeSpan.FromMilliseconds(0.2);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < length) Thread.SpinWait(50);
            Interlocked.Increment(ref Finished);
        }
    }

    [Fact]
    public void Threads_that_waited_longer_than_the_spin_and_blocked_are_woken_for_the_next_batch() => FinishesWithinAMinute(() =>
    {
        using var pool = new WorkerPool(2);
        var spin = TimeSpan.FromSeconds((double)WorkerPool.SpinTicks / Stopwatch.Frequency);
        for (int batch = 0; batch < 10; batch++)
        {
            var work = new SlowWorkerItems(batch % 2 == 0 ? 3 * spin : TimeSpan.Zero);
            pool.Run(work, 4);
            Assert.Equal(4, work.Finished);
            Thread.Sleep(3 * spin);
        }
    });
}
