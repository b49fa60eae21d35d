using FsCheck.Fluent;
using Vae.Simd.Common;
using Vae.Simd.Evaluation;
using Vae.Simd.Kernels;
using Vae.Simd.Layers;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Tests.Support;
using Vae.Simd.Training;

namespace Vae.Simd.Tests.Training;

[CollectionDefinition("allocation", DisableParallelization = true)]
public class AllocationCollection;

public class TrainerTests
{
    internal static Dataset Synthetic(int count, int side = 8, int seed = 1)
    {
        var random = new SeededRandom((ulong)seed);
        var bytes = SyntheticData.Images(count, side, random)[16..];
        var labels = SyntheticData.Labels(count)[8..].Select(b => (int)b).ToArray();
        return Dataset.FromArray(bytes.Select(b => b / 255f).ToArray(), side * side, labels, side, side);
    }

    private static (float[] Parameters, double[] Losses) Train(int threads, BinarizationMode binarize, ModelKind kind, int shardRows)
    {
        var data = Synthetic(200);
        using var model = LatentModel.Create(new ModelConfig { Kind = kind, InputSize = 64, Hidden = [24], Latent = 4 }, seed: 3);
        var options = new TrainingOptions
        {
            Epochs = 2, BatchSize = 50, LearningRate = 1e-2f, ShardRows = shardRows, Threads = threads, Seed = 5, Binarize = binarize, KlWarmupEpochs = 1,
        };
        var reports = model.Fit(data, options, validation: data);
        var losses = reports.SelectMany(r => new[] { r.Train.Total, r.Validation!.Value.Total }).ToArray();
        return (model.GetParameters(), losses);
    }

    [Theory]
    [InlineData(BinarizationMode.None, ModelKind.Variational)]
    [InlineData(BinarizationMode.Dynamic, ModelKind.Variational)]
    [InlineData(BinarizationMode.Static, ModelKind.Variational)]
    [InlineData(BinarizationMode.None, ModelKind.Autoencoder)]
    public void Results_are_bitwise_identical_for_any_thread_count_and_shard_size(BinarizationMode binarize, ModelKind kind)
    {
        var (p1, l1) = Train(1, binarize, kind, shardRows: 16);
        var (p2, l2) = Train(2, binarize, kind, shardRows: 16);
        var (p3, l3) = Train(3, binarize, kind, shardRows: 7);
        Assert.True(p1.AsSpan().SequenceEqual(p2), "1 and 2 threads differ");
        Assert.True(p1.AsSpan().SequenceEqual(p3), "1 thread with shards of 16 and 3 threads with shards of 7 differ");
        // Losses are sums of per-shard sums in double: the shard size may move their last bits, never more.
        for (int i = 0; i < l1.Length; i++) Approx.Equal(l1[i], l2[i], 1e-12, $"loss {i}, 2 threads");
        for (int i = 0; i < l1.Length; i++) Approx.Equal(l1[i], l3[i], 1e-12, $"loss {i}, 3 threads");
        // The comparison would be vacuous if nothing trained: the loss must have come down.
        Assert.True(l1[3] < l1[1], $"test loss did not improve: {l1[1]} → {l1[3]}");
    }

    // ------------------------------------------------------------------ the fused step is the reference step

    public sealed record StepCase(ModelKind Kind, int Input, int[] Hidden, int Latent, ActivationKind Activation, Likelihood Likelihood,
        float RecWeight, float KlWeight, int Rows, int Batch, int ShardRows, int Threads, OptimizerKind Optimizer, BinarizationMode Binarize, int Steps, int Seed,
        Objective Objective = Objective.Elbo, int K = 1)
    {
        public override string ToString() =>
            $"{Kind} {Input}-[{string.Join(",", Hidden)}]-{Latent} {Activation} {Likelihood} w=({RecWeight}, {KlWeight}) rows {Rows} batch {Batch} shards of {ShardRows} "
            + $"threads {Threads} {Optimizer} {Binarize} {Steps} steps seed {Seed} {Objective} k = {K}";
    }

    private static readonly FsCheck.Gen<float> Weight = Gen.Frequency(
        (1, Gen.Constant(0f)), (1, Gen.Constant(1f)), (2, Gen.Choose(1, 5000).Select(v => v / 1000f)));

    public static readonly FsCheck.Gen<StepCase> StepCases =
        from kind in Gen.Elements(ModelKind.Variational, ModelKind.Autoencoder)
        from input in Properties.Size(40)
        from depth in Gen.Choose(0, 2)
        from hidden in Gen.ArrayOf(Properties.Size(40), depth)
        from latent in Gen.Choose(1, 8)
        from activation in Gen.Elements(Enum.GetValues<ActivationKind>())
        from likelihood in Gen.Elements(Enum.GetValues<Likelihood>())
        from wr in Weight
        from wk in Weight
        from batch in Gen.Choose(1, 70)
        from shardRows in Gen.Choose(1, 40)
        from threads in Gen.Choose(1, 3)
        from optimizer in Gen.Elements(OptimizerKind.Adam, OptimizerKind.Sgd)
        from binarize in Gen.Elements(BinarizationMode.None, BinarizationMode.Dynamic)
        from steps in Gen.Choose(2, 5)
        from seed in Properties.Seed
        from objective in Gen.Elements(Objective.Elbo, Objective.Elbo, Objective.Iwae)
        from k in Gen.Frequency((2, Gen.Constant(1)), (1, Gen.Choose(2, 4)))
        // Enough rows that the last batch of the epoch is a remainder, and a loss that is not identically 0 (an autoencoder has no KL).
        // The importance-weighted bound is a VAE's, with weights (1, 1).
        let iwae = objective == Objective.Iwae && kind == ModelKind.Variational
        select new StepCase(kind, input, hidden, latent, activation, likelihood,
            iwae ? 1 : wr == 0 && (wk == 0 || kind == ModelKind.Autoencoder) ? 1 : wr, iwae ? 1 : wk, batch * steps - batch / 2, batch,
            shardRows, threads, optimizer, binarize, steps, seed, iwae ? Objective.Iwae : Objective.Elbo, k);

    private static Optimizer NewOptimizer(OptimizerKind kind, int count)
        => kind == OptimizerKind.Adam ? new Adam(count, 1e-2f) : new Sgd(count, 1e-2f, momentum: 0.9f);

    /// <summary>Runs <paramref name="steps"/> steps of epoch 0 with one runner; returns the losses (NaN from a step that diverged on).</summary>
    private static double[] RunSteps(IStepRunner runner, int rows, int batch, int steps, ulong seed, LossScale weights)
    {
        int[] order = MinibatchTrainer.EpochOrder(rows, 0, seed);
        var losses = new double[steps];
        Array.Fill(losses, double.NaN);
        try
        {
            for (int s = 0, start = 0; s < steps; s++, start += batch)
                losses[s] = runner.Step(new BatchContext(order, start, Math.Min(batch, rows - start), 0, weights)).Total;
        }
        catch (TrainingDivergedException) { }   // a random case may diverge; then both steps must diverge at the same step
        return losses;
    }

    private static void AssertSameNetworks(Network expected, Network actual, string what)
    {
        for (int i = 0; i < expected.Parameters.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected.Parameters[i]) != BitConverter.SingleToInt32Bits(actual.Parameters[i]))
                throw new Xunit.Sdk.XunitException($"{what}: parameter {i} is {actual.Parameters[i]:R} after the fused steps and {expected.Parameters[i]:R} after the reference steps");
        // The fused step refreshes Wᵀ block by block; it must end where a full refresh would.
        foreach (var layer in actual.Linears)
        {
            var wT = actual.Transposed.For(layer);
            var w = layer.WeightSpan((ReadOnlySpan<float>)actual.Parameters);
            for (int o = 0; o < layer.OutputSize; o++)
                for (int i = 0; i < layer.InputSize; i++)
                    // Bits, not values: a step that diverged leaves NaN weights, and NaN ≠ NaN.
                    if (BitConverter.SingleToInt32Bits(wT[i, o]) != BitConverter.SingleToInt32Bits(w[o, i]))
                        throw new Xunit.Sdk.XunitException($"{what}: the transposed copy of {layer.Weight.Name} is stale at [{o}, {i}] ({wT[i, o]:R} vs {w[o, i]:R})");
        }
    }

    /// <summary>
    /// The property behind the fast path: several fused steps (shards on a pool, per-block gradients fused with the optimizer and the
    /// Wᵀ refresh) leave exactly the parameters of the reference steps (whole batch, one gradient buffer, optimizer, refresh). The
    /// tolerance is zero: both compute each gradient element as one fused multiply-add chain over the batch rows in order, which the
    /// fused step continues from shard to shard, and the optimizer's update of an element depends only on that element. Only the
    /// reported losses may differ, in the last bits of a double sum taken shard by shard.
    /// </summary>
    [Fact]
    public void Fused_steps_leave_exactly_the_parameters_of_the_reference_steps()
        => Properties.Check(StepCases, FusedEqualsReference, maxTest: 100);

    /// <summary>A case the property found on the scalar path: SGD diverges at the last step and leaves NaN weights, whose
    /// transposed copy the check once called stale (NaN ≠ NaN).</summary>
    [Fact]
    public void A_diverging_case_leaves_the_same_weights_and_transposed_copy_in_both_steps()
        => FusedEqualsReference(new StepCase(ModelKind.Variational, 6, [24], 8, ActivationKind.Identity, Likelihood.Gaussian, 1f, 4.77f, 113, 45, 33, 3,
            OptimizerKind.Sgd, BinarizationMode.Dynamic, 3, 264176165));

    /// <summary>The random cases' layers are narrower than one update block; these are several blocks tall, with a ragged last
    /// block, so phase 2's blocks are proven on layers they split, on one thread and on two.</summary>
    [Theory]
    [InlineData(1, OptimizerKind.Adam)]
    [InlineData(2, OptimizerKind.Adam)]
    [InlineData(2, OptimizerKind.Sgd)]
    public void Fused_steps_equal_the_reference_on_layers_split_into_several_update_blocks(int threads, OptimizerKind optimizer)
    {
        int input = 2 * FusedStep.BlockRows(150) + 7, hidden = FusedStep.BlockRows(input) + 5;
        FusedEqualsReference(new StepCase(ModelKind.Variational, input, [hidden], 4, ActivationKind.ReLU, Likelihood.Bernoulli, 1f, 1f,
            90, 40, 16, threads, optimizer, BinarizationMode.None, 3, 11));
    }

    [Fact]
    public void Update_blocks_cover_every_parameter_once_in_full_tiles_and_whole_cache_lines_longest_first()
    {
        var network = LatentNetwork.Create(new ModelConfig { InputSize = 300, Hidden = [250, 130], Latent = 7 }, 1);
        var plan = FusedStep.PlanUpdateBlocks(network);
        var seen = new int[network.Parameters.Length];
        foreach (var block in plan)
        {
            int length = FusedStep.BlockLength(network, block);
            int offset;
            if (block.Layer >= network.Linears.Count) offset = network.Vectors[block.Layer - network.Linears.Count].Offset;
            else
            {
                var layer = network.Linears[block.Layer];
                offset = block.Rows == 0 ? layer.Bias.Offset : layer.Weight.Offset + block.RowStart * layer.InputSize;
                if (block.Rows > 0)
                {
                    Assert.Equal(0, block.RowStart % GemmPaths.BestRowTile);
                    Assert.Equal(0, block.RowStart % 16);
                    Assert.True(block.Rows == FusedStep.BlockRows(layer.InputSize) || block.RowStart + block.Rows == layer.OutputSize,
                        $"{layer.Weight.Name}: a block of {block.Rows} rows at {block.RowStart} that is neither full nor the last");
                }
            }
            for (int i = offset; i < offset + length; i++) seen[i]++;
        }
        Assert.All(seen, count => Assert.Equal(1, count));
        // Longest first, so that the phase ends on short items.
        var lengths = plan.Select(block => FusedStep.BlockLength(network, block)).ToArray();
        Assert.Equal(lengths.OrderByDescending(length => length), lengths);
        // A layer too wide for the target height gets shorter blocks, down to one multiple of the tile and the line; wider
        // still, whole tiles only, so a worker's gradient buffer never grows past the cap by more than one tile of rows.
        int tile = GemmPaths.BestRowTile, multiple = Enumerable.Range(1, 16).Select(i => i * 16).First(m => m % tile == 0);
        Assert.Equal(tile, FusedStep.BlockRows(1_000_000));
        foreach (int inputs in new[] { 1, 20, 400, 784, 2_000, 5_000, 20_000, 100_000 })
        {
            int rows = FusedStep.BlockRows(inputs);
            Assert.Equal(0, rows % tile);
            Assert.True(rows == tile || (long)rows * inputs <= FusedStep.MaxBlockFloats, $"{inputs} inputs: {rows} rows");
            if ((long)multiple * inputs <= FusedStep.MaxBlockFloats) Assert.Equal(0, rows % 16);
        }
    }

    private static void FusedEqualsReference(StepCase c)
    {
        var config = new ModelConfig { Kind = c.Kind, InputSize = c.Input, Hidden = c.Hidden, Latent = c.Latent, Activation = c.Activation, Likelihood = c.Likelihood };
        var random = new SeededRandom((ulong)c.Seed + 7);
        var data = Dataset.FromArray(Enumerable.Range(0, c.Rows * c.Input).Select(_ => random.NextSingle()).ToArray(), c.Input);
        var reference = LatentNetwork.Create(config, (ulong)c.Seed);
        var fused = LatentNetwork.Create(config, (ulong)c.Seed);
        var weights = new LossScale(c.RecWeight, c.KlWeight);
        double[] expected, actual;
        using (var step = new ReferenceStep(new LatentProblem(reference, data, 3, c.Binarize, c.Objective, c.K), NewOptimizer(c.Optimizer, reference.Parameters.Length), c.Batch))
            expected = RunSteps(step, c.Rows, c.Batch, c.Steps, 3, weights);
        using (var pool = new WorkerPool(c.Threads))
        using (var step = new FusedStep(new LatentProblem(fused, data, 3, c.Binarize, c.Objective, c.K), NewOptimizer(c.Optimizer, fused.Parameters.Length), c.Batch, c.ShardRows, pool))
            actual = RunSteps(step, c.Rows, c.Batch, c.Steps, 3, weights);
        AssertSameNetworks(reference, fused, c.ToString());
        for (int s = 0; s < c.Steps; s++)
            if (double.IsNaN(expected[s]) != double.IsNaN(actual[s]) || (!double.IsNaN(expected[s]) && Math.Abs(expected[s] - actual[s]) > 1e-12 * (1 + Math.Abs(expected[s]))))
                throw new Xunit.Sdk.XunitException($"{c}: loss of step {s} is {actual[s]:R} fused, {expected[s]:R} reference");
        Assert.False(reference.Parameters.AsSpan().SequenceEqual(LatentNetwork.Create(config, (ulong)c.Seed).Parameters), $"{c}: nothing trained");
    }

    [Fact]
    public void The_judge_classifier_trains_on_the_same_steps_and_they_agree_too()
    {
        var data = Synthetic(150);
        var options = new ClassifierTrainingOptions { BatchSize = 45, MaxShift = 1, Seed = 2 };
        var reference = new Classifier([64, 12, 10], seed: 5);
        var fused = new Classifier([64, 12, 10], seed: 5);
        using (var step = new ReferenceStep(new ClassifierProblem(reference, data, options), new Adam(reference.Parameters.Length, 1e-2f), 45))
            RunSteps(step, data.Count, 45, 4, 2, new LossScale(1, 1));
        using (var pool = new WorkerPool(2))
        using (var step = new FusedStep(new ClassifierProblem(fused, data, options), new Adam(fused.Parameters.Length, 1e-2f), 45, 16, pool))
            RunSteps(step, data.Count, 45, 4, 2, new LossScale(1, 1));
        AssertSameNetworks(reference, fused, "classifier");
    }

    /// <summary>A problem whose shards after the first gather the first shard's rows again: an indexing slip in the fused path.</summary>
    private sealed class RowsOfShardZero(ITrainingProblem inner) : ITrainingProblem
    {
        public Network Network => inner.Network;
        public int Rows => inner.Rows;
        public IShard CreateShard(int maxRows) => new Shard(inner.CreateShard(maxRows));

        private sealed class Shard(IShard inner) : IShard
        {
            public LossBreakdown Run(in BatchContext batch, int first, int rows) => inner.Run(batch, 0, rows);
            public ReadOnlyMatrixSpan LayerInput(int layer) => inner.LayerInput(layer);
            public ReadOnlyMatrixSpan LayerDelta(int layer) => inner.LayerDelta(layer);
            public void Dispose() => inner.Dispose();
        }
    }

    [Fact]
    public void The_equality_check_catches_a_fused_step_that_gathers_the_wrong_rows()
    {
        var config = new ModelConfig { InputSize = 64, Hidden = [16], Latent = 3 };
        var data = Synthetic(120);
        var reference = LatentNetwork.Create(config, 1);
        var fused = LatentNetwork.Create(config, 1);
        using (var step = new ReferenceStep(new LatentProblem(reference, data, 3, BinarizationMode.None), new Adam(reference.Parameters.Length), 40))
            RunSteps(step, 120, 40, 3, 3, new LossScale(1, 1));
        using (var pool = new WorkerPool(2))
        using (var step = new FusedStep(new RowsOfShardZero(new LatentProblem(fused, data, 3, BinarizationMode.None)), new Adam(fused.Parameters.Length), 40, 16, pool))
            RunSteps(step, 120, 40, 3, 3, new LossScale(1, 1));
        var ex = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertSameNetworks(reference, fused, "planted"));
        Assert.Contains("after the fused steps", ex.Message);
    }

    // ------------------------------------------------------------------ Fit

    [Fact]
    public void Fit_in_parts_trains_exactly_as_one_call()
    {
        var data = Synthetic(120);
        var config = new ModelConfig { InputSize = 64, Hidden = [16], Latent = 3 };
        var options = new TrainingOptions { BatchSize = 32, LearningRate = 3e-3f, Threads = 2, KlWarmupEpochs = 2, Binarize = BinarizationMode.Dynamic };
        using var whole = new VariationalAutoencoder(config, seed: 2);
        whole.Fit(data, options with { Epochs = 5 });
        using var parts = new VariationalAutoencoder(config, seed: 2);
        parts.Fit(data, options with { Epochs = 2 });
        var second = parts.Fit(data, options with { Epochs = 3 });
        Assert.Equal(5, parts.EpochsTrained);
        Assert.Equal([3, 4, 5], second.Select(r => r.Epoch));
        Assert.Equal(whole.GetParameters(), parts.GetParameters());
    }

    [Fact]
    public void Training_on_a_learnable_dataset_reduces_the_loss_substantially()
    {
        var data = Synthetic(500);
        using var model = new VariationalAutoencoder(new ModelConfig { InputSize = 64, Hidden = [32], Latent = 4 }, seed: 1);
        double before = model.Evaluate(data).Total;
        var reports = model.Fit(data, new TrainingOptions { Epochs = 8, BatchSize = 32, LearningRate = 3e-3f, Threads = 2 });
        double after = model.Evaluate(data).Total;
        Assert.True(after < 0.8 * before, $"loss {before} → {after}");
        Assert.Equal(8, reports.Count);
        Assert.All(reports, r => Assert.True(r.SamplesPerSecond > 0));
    }

    [Fact]
    public void Adam_matches_the_PyTorch_update_computed_in_double()
    {
        var adam = new Adam(3, learningRate: 0.1f);
        float[] p = [1f, -2f, 0.5f];
        double[] pd = [1, -2, 0.5], m = new double[3], v = new double[3];
        for (int t = 1; t <= 5; t++)
        {
            float[] g = [0.3f * t, -1f, 1e-4f];
            adam.Step(p, g);
            for (int i = 0; i < 3; i++)
            {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                double mHat = m[i] / (1 - Math.Pow(0.9, t)), vHat = v[i] / (1 - Math.Pow(0.999, t));
                pd[i] -= 0.1 * mHat / (Math.Sqrt(vHat) + 1e-8);
            }
        }
        for (int i = 0; i < 3; i++) Approx.Equal(pd[i], p[i], 1e-5, $"p[{i}]");
    }

    [Fact]
    public void Sgd_with_momentum_matches_its_definition()
    {
        var sgd = new Sgd(2, 0.5f, momentum: 0.9f);
        float[] p = [1f, 1f];
        sgd.Step(p, [1f, -1f]);   // b = g → p = 1 ∓ 0.5
        sgd.Step(p, [1f, -1f]);   // b = 0.9·g + g = 1.9·g → p = 0.5 − 0.95
        Assert.Equal(-0.45f, p[0], 1e-6f);
        Assert.Equal(2.45f, p[1], 1e-6f);
    }

    [Fact]
    public void Kl_warm_up_rises_linearly_to_the_configured_weight()
    {
        // 200 rows in batches of 50: 4 steps per epoch, warm-up over 2 epochs = 8 steps.
        var trainer = new MinibatchTrainer(null!, rows: 200, batchSize: 50, seed: 1, new LossWeights(1f, 0.5f), klWarmupEpochs: 2);
        Assert.Equal(0.5f * 1 / 8, trainer.KlWeight(0, 0), 6);
        Assert.Equal(0.5f * 5 / 8, trainer.KlWeight(1, 0), 6);
        Assert.Equal(0.5f, trainer.KlWeight(1, 3), 6);
        Assert.Equal(0.5f, trainer.KlWeight(5, 2));
    }

    [Fact]
    public void Nonsense_options_and_a_diverging_run_get_clear_errors()
    {
        var data = Synthetic(100);
        using var model = new VariationalAutoencoder(new ModelConfig { InputSize = 64, Hidden = [8], Latent = 2 });
        Assert.Equal("BatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(data, new TrainingOptions { BatchSize = 0 })).ParamName);
        Assert.Equal("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(data, new TrainingOptions { LearningRate = -1 })).ParamName);
        Assert.Equal("Threads", Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(data, new TrainingOptions { Threads = 100_000 })).ParamName);
        Assert.Equal("AdamEpsilon", Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(data, new TrainingOptions { AdamEpsilon = 0 })).ParamName);
        Assert.Contains("784", Assert.Throws<ArgumentException>(() => new VariationalAutoencoder().Fit(data)).Message);

        var before = model.GetParameters();
        var ex = Record.Exception(() => model.Fit(data, new TrainingOptions { Epochs = 50, BatchSize = 100, Threads = 1, Optimizer = OptimizerKind.Sgd, LearningRate = 1e6f }));
        var diverged = Assert.IsType<TrainingDivergedException>(ex);
        Assert.Contains("learning rate", diverged.Message);
        Assert.All(model.GetParameters(), p => Assert.True(float.IsFinite(p)));
        Assert.NotEqual(before, model.GetParameters());
    }
}

[Collection("allocation")]
public class TrainerAllocationTests
{
    [Fact]
    public void A_steady_state_training_step_allocates_nothing()
    {
        var random = new SeededRandom(1);
        var data = Dataset.FromArray(Enumerable.Range(0, 512 * 784).Select(_ => random.NextSingle()).ToArray(), 784, imageHeight: 28, imageWidth: 28);
        var network = LatentNetwork.Create(new ModelConfig(), seed: 1);
        using var pool = new WorkerPool(2);
        using var step = new FusedStep(new LatentProblem(network, data, 1, BinarizationMode.Dynamic), new Adam(network.Parameters.Length), 128, 64, pool);
        int[] order = MinibatchTrainer.EpochOrder(data.Count, 0, 1);
        var weights = new LossScale(1, 1);
        for (int i = 0; i < 100; i++) step.Step(new BatchContext(order, (i % 4) * 128, 128, 0, weights)); // warm up: tiered JIT, per-thread packing buffers
        // Counted on the pool's own threads, not process-wide: the test host's timers allocate on other threads, and
        // they allocate more the longer a step takes (it takes long on the narrow paths CI also runs).
        var probe = new ThreadAllocations(pool.Threads);
        probe.Measure(pool);
        long before = probe.Measure(pool);
        const int steps = 40;
        for (int i = 0; i < steps; i++) step.Step(new BatchContext(order, (i % 4) * 128, 128, 0, weights));
        long allocated = probe.Measure(pool) - before;
        // A small bound rather than zero: the runtime itself (tiered JIT) may allocate a little on these threads.
        Assert.True(allocated < 8 * 1024, $"{allocated} bytes allocated over {steps} steps");
    }
}
