using Vae.Simd.Common;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Models;

/// <summary>A workspace made for several threads shares a large batch among them by blocks of rows (<see cref="InferenceBlocks"/>),
/// a small one by each product's columns: either way every call must give the single-threaded result, bit for bit.</summary>
public class InferenceBlocksTests
{
    private static readonly ModelConfig Narrow = new() { InputSize = 52, Hidden = [36, 24], Latent = 5 };

    public static TheoryData<InferencePrecision, int, int, int> Cases()
    {
        var cases = new TheoryData<InferencePrecision, int, int, int>();
        foreach (var precision in new[] { InferencePrecision.Float32, InferencePrecision.BFloat16, InferencePrecision.Int8 })
        {
            // batch, threads, workspace rows: below and at the threshold (2 × 16 rows), shares that are not whole tiles, more
            // blocks than threads, blocks capped by a small workspace, three threads.
            foreach (var (batch, threads, rows) in new[] { (31, 2, 31), (32, 2, 32), (33, 2, 33), (130, 2, 130), (257, 2, 100),
                         (1000, 2, 1000), (77, 3, 77), (500, 3, 40), (90, 2, 17), (45, 3, 500) })
                cases.Add(precision, batch, threads, rows);
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_call_on_several_threads_is_bitwise_the_single_threaded_result(InferencePrecision precision, int batch, int threads, int rows)
    {
        foreach (var config in new[] { new ModelConfig(), Narrow, Narrow with { Kind = ModelKind.Autoencoder, Likelihood = Likelihood.Gaussian } })
        {
            var model = LatentNetwork.Create(config, seed: 7);
            model.SetInferencePrecision(precision);
            using var one = model.CreateWorkspace(rows);
            using var many = model.CreateWorkspace(rows, threads);
            var helpers = new EveryHelperWorks(many);
            var expected = Calls(model, batch, one);
            var actual = Calls(model, batch, many, helpers.BeginCall);
            if (many.Blocks!.Shares(batch)) Assert.True(helpers.HelperBlocks >= 4 * (threads - 1), $"the helpers ran {helpers.HelperBlocks} blocks");
            foreach (var (name, values) in expected)
                Assert.True(values.AsSpan().SequenceEqual(actual[name]), $"{name} differs ({config.Kind}, {precision}, batch {batch}, {threads} threads, {rows} rows)");
        }
    }

    [Fact]
    public void Large_batches_run_in_blocks_and_small_ones_split_columns()
    {
        var model = LatentNetwork.Create(Narrow, seed: 1);
        using var ws = model.CreateWorkspace(200, threads: 2);
        Assert.NotNull(ws.Blocks);
        Assert.False(ws.Blocks!.Shares(2 * InferenceBlocks.MinRowsPerThread - 1));
        Assert.True(ws.Blocks.Shares(2 * InferenceBlocks.MinRowsPerThread));
        using var small = model.CreateWorkspace(InferenceBlocks.MinRowsPerThread - 1, threads: 2);
        Assert.False(small.Blocks!.Shares(1000), "blocks smaller than the threshold");
        using var single = model.CreateWorkspace(200);
        Assert.False(single.Blocks.Shares(1000), "one thread shares nothing");
    }

    [Fact]
    public void A_workspace_that_asks_for_exact_weights_gets_them_in_every_block()
    {
        var model = LatentNetwork.Create(Narrow, seed: 5);
        int batch = 200, input = Narrow.InputSize;
        var x = Images(batch, input, 8);
        float[] exact = new float[batch * input], reduced = new float[batch * input], blocks = new float[batch * input];
        using (var ws = model.CreateWorkspace(batch)) model.Reconstruct(new ReadOnlyMatrixSpan(x, batch, input), new MatrixSpan(exact, batch, input), ws);
        model.SetInferencePrecision(InferencePrecision.Int8);
        using var many = model.CreateWorkspace(batch, threads: 2);
        var helpers = new EveryHelperWorks(many);
        helpers.BeginCall();
        model.Reconstruct(new ReadOnlyMatrixSpan(x, batch, input), new MatrixSpan(reduced, batch, input), many);
        Assert.False(exact.AsSpan().SequenceEqual(reduced), "int8 weights changed nothing");
        many.ExactWeights = true;
        helpers.BeginCall();
        model.Reconstruct(new ReadOnlyMatrixSpan(x, batch, input), new MatrixSpan(blocks, batch, input), many);
        Assert.Equal(exact, blocks);
        Assert.True(helpers.HelperBlocks >= 2, "the helper ran no block of a call");
    }

    [Fact]
    public void A_strided_output_keeps_the_values_between_its_rows()
    {
        var model = LatentNetwork.Create(Narrow, seed: 3);
        int batch = 150, stride = 9;
        var x = Images(batch, Narrow.InputSize, 4);
        var expected = new float[batch * Narrow.Latent];
        using (var ws = model.CreateWorkspace(batch)) model.EncodeMean(new ReadOnlyMatrixSpan(x, batch, Narrow.InputSize), new MatrixSpan(expected, batch, Narrow.Latent), ws);
        var wide = Enumerable.Repeat(-7f, batch * stride).ToArray();
        using (var ws = model.CreateWorkspace(batch, threads: 2))
            model.EncodeMean(new ReadOnlyMatrixSpan(x, batch, Narrow.InputSize), new MatrixSpan(wide, batch, Narrow.Latent, stride), ws);
        for (int r = 0; r < batch; r++)
        {
            Assert.Equal(expected.AsSpan(r * Narrow.Latent, Narrow.Latent).ToArray(), wide.AsSpan(r * stride, Narrow.Latent).ToArray());
            Assert.All(wide.AsSpan(r * stride + Narrow.Latent, stride - Narrow.Latent).ToArray(), v => Assert.Equal(-7f, v));
        }
    }

    [Fact]
    public void A_block_call_allocates_nothing_once_warm()
    {
        var model = LatentNetwork.Create(new ModelConfig(), seed: 2);
        model.SetInferencePrecision(InferencePrecision.Int8);
        int batch = 300;
        var x = Images(batch, 784, 5);
        var output = new float[batch * 784];
        using var ws = model.CreateWorkspace(batch, threads: 2);
        // Warm up with every thread in every call: each thread's int8 buffers grow to the largest block it has run (here 128
        // of 128, 128 and 44 rows), once; a helper that had only run the small block would grow its buffers in the count.
        var helpers = new EveryHelperWorks(ws);
        for (int i = 0; i < 20; i++)
        {
            helpers.BeginCall();
            model.Reconstruct(new ReadOnlyMatrixSpan(x, batch, 784), new MatrixSpan(output, batch, 784), ws);
        }
        ws.Blocks!.BeforeBlock = null;
        // Counted on the workspace's own threads: other tests allocate on theirs meanwhile.
        var probe = new ThreadAllocations(ws.Pool!.Threads);
        probe.Measure(ws.Pool);
        long before = probe.Measure(ws.Pool);
        long mine = GC.GetAllocatedBytesForCurrentThread();
        const int calls = 100;
        for (int i = 0; i < calls; i++) model.Reconstruct(new ReadOnlyMatrixSpan(x, batch, 784), new MatrixSpan(output, batch, 784), ws);
        mine = GC.GetAllocatedBytesForCurrentThread() - mine;
        long allocated = probe.Measure(ws.Pool) - before;
        // A small bound rather than zero, as for the training step: the runtime itself (tiered JIT) may allocate a little.
        Assert.True(allocated < 8 * 1024, $"{allocated} bytes allocated over {calls} calls, {mine} of them on the caller");
    }

    [Fact]
    public void A_NaN_in_a_large_batch_is_named_and_the_workspace_still_works()
    {
        var model = LatentNetwork.Create(Narrow, seed: 4);
        int batch = 100;
        var x = Images(batch, Narrow.InputSize, 6);
        var output = new float[batch * Narrow.InputSize];
        using var ws = model.CreateWorkspace(batch, threads: 2);
        x[77 * Narrow.InputSize + 3] = float.NaN;
        var error = Assert.Throws<ArgumentException>(() => model.Reconstruct(new ReadOnlyMatrixSpan(x, batch, Narrow.InputSize), new MatrixSpan(output, batch, Narrow.InputSize), ws));
        Assert.Contains("x[77, 3]", error.Message);
        x[77 * Narrow.InputSize + 3] = 0.5f;
        model.Reconstruct(new ReadOnlyMatrixSpan(x, batch, Narrow.InputSize), new MatrixSpan(output, batch, Narrow.InputSize), ws);
        Assert.All(output, p => Assert.InRange(p, 0f, 1f));
    }

    /// <summary>
    /// Makes each call of a workspace give every thread a block: each waits before its first block of a call until every
    /// thread has started one. Left alone, a thread that runs ahead may take every block while the others wake, and a fault
    /// in the helpers' own state would go unseen. <see cref="BeginCall"/> marks the start of each call; the calls tested
    /// have at least as many blocks as threads.
    /// </summary>
    private sealed class EveryHelperWorks
    {
        private readonly bool[] _started;

        /// <summary>Blocks the helpers (every thread but the caller) have run over all calls.</summary>
        public int HelperBlocks;

        public EveryHelperWorks(NetworkWorkspace ws)
        {
            _started = new bool[ws.Pool!.Threads];
            ws.Blocks!.BeforeBlock = worker =>
            {
                if (worker > 0) Interlocked.Increment(ref HelperBlocks);
                if (Volatile.Read(ref _started[worker])) return;
                Volatile.Write(ref _started[worker], true);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (!AllStarted() && clock.Elapsed.TotalSeconds < 10) Thread.Yield();
                Assert.True(AllStarted(), "a thread started no block within 10 s");
            };
        }

        private bool AllStarted()
        {
            for (int t = 0; t < _started.Length; t++)
                if (!Volatile.Read(ref _started[t])) return false;
            return true;
        }

        public void BeginCall() => Array.Clear(_started);
    }

    /// <summary>Every inference call's output on <paramref name="batch"/> rows, by name.</summary>
    private static Dictionary<string, float[]> Calls(LatentNetwork model, int batch, NetworkWorkspace ws, Action? beforeEachCall = null)
    {
        beforeEachCall ??= () => { };
        int input = model.Config.InputSize, latent = model.Latent;
        var x = Images(batch, input, 11);
        var z = Images(batch, latent, 12).Select(v => 4 * v - 2).ToArray();
        var results = new Dictionary<string, float[]>
        {
            ["encode-mean"] = new float[batch * latent], ["decode"] = new float[batch * input],
            ["reconstruct"] = new float[batch * input], ["sample"] = new float[batch * input],
        };
        beforeEachCall();
        model.EncodeMean(new ReadOnlyMatrixSpan(x, batch, input), new MatrixSpan(results["encode-mean"], batch, latent), ws);
        beforeEachCall();
        model.Decode(new ReadOnlyMatrixSpan(z, batch, latent), new MatrixSpan(results["decode"], batch, input), ws);
        beforeEachCall();
        model.Reconstruct(new ReadOnlyMatrixSpan(x, batch, input), new MatrixSpan(results["reconstruct"], batch, input), ws);
        beforeEachCall();
        model.Sample(new MatrixSpan(results["sample"], batch, input), new NoiseSource(13), ws, firstSample: 1000);
        if (model is VariationalNetwork vae)
        {
            float[] mu = new float[batch * latent], logVar = new float[batch * latent];
            beforeEachCall();
            vae.Encode(new ReadOnlyMatrixSpan(x, batch, input), new MatrixSpan(mu, batch, latent), new MatrixSpan(logVar, batch, latent), ws);
            (results["mu"], results["log-variance"]) = (mu, logVar);
        }
        return results;
    }

    private static float[] Images(int rows, int columns, ulong seed)
    {
        var random = new SeededRandom(seed);
        // Zeros as well as values, so the int8 kernels' skipped quads are exercised as on real images.
        return Enumerable.Range(0, rows * columns).Select(_ => random.NextSingle() is var u && u < 0.4f ? 0f : u).ToArray();
    }
}
