using Vae.Simd.Common;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tests.Support;
using Vae.Simd.Training;

namespace Vae.Simd.Tests.Training;

[CollectionDefinition("allocation", DisableParallelization = true)]
public class AllocationCollection;

public class TrainerTests
{
    private static ImageDataset Synthetic(int count, int side = 8, int seed = 1)
    {
        var random = new SeededRandom((ulong)seed);
        var bytes = SyntheticData.Images(count, side, random)[16..];
        return new ImageDataset(bytes.Select(b => b / 255f).ToArray(), SyntheticData.Labels(count)[8..], side, side);
    }

    private static (float[] Parameters, double[] Losses) Train(int threads, BinarizationMode binarize, ModelKind kind = ModelKind.Variational, int shardRows = 16)
    {
        var data = Synthetic(200);
        var model = LatentNetwork.Create(new ModelConfig { Kind = kind, InputSize = 64, Hidden = [24], Latent = 4 }, seed: 3);
        var options = new TrainerOptions { BatchSize = 50, ShardRows = shardRows, Threads = threads, Seed = 5, Binarize = binarize, KlWarmupEpochs = 1 };
        using var trainer = new Trainer(model, new Adam(model.Parameters.Length, 1e-2f), options);
        var losses = new List<double>();
        for (int e = 0; e < 2; e++)
        {
            losses.Add(trainer.TrainEpoch(data, e).Train.Total);
            losses.Add(trainer.Evaluate(data).Total);
        }
        return (model.Parameters, losses.ToArray());
    }

    [Theory]
    [InlineData(BinarizationMode.None, ModelKind.Variational)]
    [InlineData(BinarizationMode.Dynamic, ModelKind.Variational)]
    [InlineData(BinarizationMode.None, ModelKind.Autoencoder)]
    public void Results_are_bitwise_identical_for_any_thread_count(BinarizationMode binarize, ModelKind kind)
    {
        var (p1, l1) = Train(1, binarize, kind);
        var (p2, l2) = Train(2, binarize, kind);
        var (p3, l3) = Train(3, binarize, kind);
        Assert.Equal(l1, l2);
        Assert.Equal(l1, l3);
        Assert.True(p1.AsSpan().SequenceEqual(p2), "1 and 2 threads differ");
        Assert.True(p1.AsSpan().SequenceEqual(p3), "1 and 3 threads differ");
        // The comparison would be vacuous if nothing trained: the loss must have come down.
        Assert.True(l1[3] < l1[1], $"test loss did not improve: {l1[1]} → {l1[3]}");
    }

    [Fact]
    public void Training_on_a_learnable_dataset_reduces_the_loss_substantially()
    {
        var data = Synthetic(500);
        var model = LatentNetwork.Create(new ModelConfig { InputSize = 64, Hidden = [32], Latent = 4 }, seed: 1);
        using var trainer = new Trainer(model, new Adam(model.Parameters.Length, 3e-3f), new TrainerOptions { BatchSize = 32, Threads = 2 });
        double before = trainer.Evaluate(data).Total;
        for (int e = 0; e < 8; e++) trainer.TrainEpoch(data, e);
        double after = trainer.Evaluate(data).Total;
        Assert.True(after < 0.8 * before, $"loss {before} → {after}");
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
        var model = LatentNetwork.Create(new ModelConfig { InputSize = 64, Hidden = [8], Latent = 2 });
        using var trainer = new Trainer(model, new Adam(model.Parameters.Length), new TrainerOptions { BatchSize = 50, Threads = 1, KlWarmupEpochs = 2, Weights = new(1f, 0.5f) });
        Assert.Equal(0.5f * 1 / 8, trainer.CurrentKlWeight(stepsPerEpoch: 4), 6);
        var data = Synthetic(200);
        trainer.TrainEpoch(data, 0);
        Assert.Equal(0.5f * 5 / 8, trainer.CurrentKlWeight(stepsPerEpoch: 4), 6);
        trainer.TrainEpoch(data, 1);
        Assert.Equal(0.5f, trainer.CurrentKlWeight(stepsPerEpoch: 4));
    }

    [Fact]
    public void Nonsense_options_and_a_diverging_run_get_clear_errors()
    {
        var model = LatentNetwork.Create(new ModelConfig { InputSize = 64, Hidden = [8], Latent = 2 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(model, new Adam(model.Parameters.Length), new TrainerOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(10, learningRate: -1f));
        Assert.Throws<ArgumentException>(() => new Trainer(model, new Adam(5), new TrainerOptions()));

        var data = Synthetic(100);
        using var trainer = new Trainer(model, new Sgd(model.Parameters.Length, 1e6f), new TrainerOptions { BatchSize = 100, Threads = 1 });
        var before = model.Parameters.ToArray();
        var ex = Record.Exception(() => { for (int e = 0; e < 50; e++) trainer.TrainEpoch(data, e); });
        var diverged = Assert.IsType<TrainingDivergedException>(ex);
        Assert.Contains("learning rate", diverged.Message);
        Assert.All(model.Parameters, p => Assert.True(float.IsFinite(p)));
    }
}

[Collection("allocation")]
public class TrainerAllocationTests
{
    [Fact]
    public void A_steady_state_training_step_allocates_nothing()
    {
        var random = new SeededRandom(1);
        var data = new ImageDataset(Enumerable.Range(0, 512 * 784).Select(_ => random.NextSingle()).ToArray(), new byte[512], 28, 28);
        var model = LatentNetwork.Create(new ModelConfig(), seed: 1);
        using var trainer = new Trainer(model, new Adam(model.Parameters.Length), new TrainerOptions { Threads = 2, Binarize = BinarizationMode.Dynamic });
        int[] order = trainer.EpochOrder(data.Count, 0);
        for (int i = 0; i < 100; i++) trainer.Step(data, order, (i % 4) * 128, 128, 0, 1f); // warm up: tiered JIT, per-thread packing buffers
        long before = GC.GetTotalAllocatedBytes(precise: true);
        const int steps = 40;
        for (int i = 0; i < steps; i++) trainer.Step(data, order, (i % 4) * 128, 128, 0, 1f);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        // A small bound rather than zero: the runtime itself (tiered JIT, thread-pool bookkeeping) may allocate a little.
        Assert.True(allocated < 8 * 1024, $"{allocated} bytes allocated over {steps} steps");
    }
}
