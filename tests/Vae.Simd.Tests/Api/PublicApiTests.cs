using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Serialization;
using Vae.Simd.Tensors;
using Vae.Simd.Tests.Support;
using Vae.Simd.Tests.Training;

namespace Vae.Simd.Tests.Api;

/// <summary>The public surface as an app meets it: safe defaults, clear errors, threads.</summary>
public sealed class PublicApiTests : IDisposable
{
    private static readonly ModelConfig Small = new() { InputSize = 64, Hidden = [24], Latent = 4 };
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static float[] Rows(int count, int width, ulong seed)
    {
        var random = new SeededRandom(seed);
        return Enumerable.Range(0, count * width).Select(_ => random.NextSingle()).ToArray();
    }

    // ------------------------------------------------------------------ no default that silently trains nothing

    [Fact]
    public void Default_loss_weights_are_the_ELBO_and_a_loss_that_is_identically_zero_is_refused()
    {
        Assert.Equal((1f, 1f), (new LossWeights().Reconstruction, new LossWeights().Kl));
        Assert.Equal((1f, 1f), (new TrainingOptions().Weights.Reconstruction, new TrainingOptions().Weights.Kl));
        var data = TrainerTests.Synthetic(100);
        using var vae = new VariationalAutoencoder(Small);
        var before = vae.GetParameters();
        vae.Fit(data, new TrainingOptions { Epochs = 1, Weights = new() });
        Assert.NotEqual(before, vae.GetParameters());

        var zero = Assert.Throws<ArgumentException>(() => vae.Fit(data, new TrainingOptions { Weights = new LossWeights(0, 0) }));
        Assert.Contains("both loss weights are 0", zero.Message);
        using var ae = new Autoencoder(Small);
        Assert.Contains("autoencoder has no KL", Assert.Throws<ArgumentException>(() => ae.Fit(data, new TrainingOptions { Weights = new LossWeights(0, 1) })).Message);
        Assert.Contains("both loss weights are 0", Assert.Throws<ArgumentException>(() => vae.Evaluate(data, new LossWeights(0, 0))).Message);
        Assert.Equal("Kl", Assert.Throws<ArgumentOutOfRangeException>(() => new LossWeights(1, float.NaN)).ParamName);
        Assert.Equal("Reconstruction", Assert.Throws<ArgumentOutOfRangeException>(() => new LossWeights(-1, 1)).ParamName);
        Assert.Equal("Reconstruction", Assert.Throws<ArgumentOutOfRangeException>(() => new LossWeights() with { Reconstruction = -2 }).ParamName);
    }

    [Fact]
    public void Parameters_set_between_fits_are_the_ones_every_later_call_uses()
    {
        var data = TrainerTests.Synthetic(120);
        using var fresh = new VariationalAutoencoder(Small, seed: 9);
        var p0 = fresh.GetParameters();
        using var model = new VariationalAutoencoder(Small, seed: 1);
        model.Fit(data, new TrainingOptions { Epochs = 1, Threads = 2 });
        model.SetParameters(p0);
        // Training reads a transposed copy of the weights: it must follow SetParameters with no help from the caller.
        Assert.Equal(fresh.Evaluate(data).Total, model.Evaluate(data).Total);
        Assert.Equal(fresh.Reconstruct(data.Rows(0, 5)), model.Reconstruct(data.Rows(0, 5)));
        var eps = Rows(5, 4, 2);
        Assert.Equal(fresh.ComputeLoss(data.Rows(0, 5), eps), model.ComputeLoss(data.Rows(0, 5), eps));
        Assert.Contains("values[3]", Assert.Throws<ArgumentException>(() => model.SetParameters(p0.Select((v, i) => i == 3 ? float.NaN : v).ToArray())).Message);
        Assert.Contains("length", Assert.Throws<ArgumentException>(() => model.SetParameters(new float[5])).Message);
    }

    // ------------------------------------------------------------------ threads

    [Fact]
    public void One_model_used_from_eight_threads_gives_the_single_threaded_results_bit_for_bit()
    {
        using var model = new VariationalAutoencoder(new ModelConfig { InputSize = 100, Hidden = [70, 40], Latent = 6 }, seed: 4);
        model.Fit(Dataset.FromArray(Rows(200, 100, 1), 100), new TrainingOptions { Epochs = 1 });
        int[] sizes = [1, 3, 4, 5, 257, 600];
        var inputs = sizes.Select((n, i) => Rows(n, 100, (ulong)(10 + i))).ToArray();
        var expected = inputs.Select(x => (Codes: model.EncodeMean(x), Images: model.Reconstruct(x), Scores: model.NegativeElbo(x, 3),
            Decoded: model.Decode(model.EncodeMean(x)), Samples: model.Sample(x.Length / 100, 5))).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            for (int round = 0; round < 20; round++)
            {
                int i = (t + round) % sizes.Length;
                var x = inputs[i];
                if (!model.EncodeMean(x).AsSpan().SequenceEqual(expected[i].Codes)) failures.Add($"codes of batch {sizes[i]}");
                if (!model.Reconstruct(x).AsSpan().SequenceEqual(expected[i].Images)) failures.Add($"reconstructions of batch {sizes[i]}");
                if (!model.NegativeElbo(x, 3).AsSpan().SequenceEqual(expected[i].Scores)) failures.Add($"scores of batch {sizes[i]}");
                if (!model.Decode(expected[i].Codes).AsSpan().SequenceEqual(expected[i].Decoded)) failures.Add($"decodes of batch {sizes[i]}");
                if (!model.Sample(sizes[i], 5).AsSpan().SequenceEqual(expected[i].Samples)) failures.Add($"samples of batch {sizes[i]}");
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(failures);
    }

    [Fact]
    public void A_rows_result_does_not_depend_on_the_rows_computed_with_it()
    {
        using var model = new Autoencoder(new ModelConfig { InputSize = 90, Hidden = [50], Latent = 5, Activation = ActivationKind.Tanh }, seed: 2);
        var x = Rows(300, 90, 3);
        var together = model.Reconstruct(x);
        var alone = new float[together.Length];
        for (int r = 0; r < 300; r++) model.Reconstruct(x.AsSpan(r * 90, 90), alone.AsSpan(r * 90, 90));
        Assert.Equal(together, alone);
        var codes = model.EncodeMean(x);
        for (int r = 0; r < 300; r += 37) Assert.Equal(codes.AsSpan(r * 5, 5).ToArray(), model.EncodeMean(x.AsSpan(r * 90, 3 * 90))[..5]);
    }

    [Fact]
    public void A_workspace_claimed_by_one_call_refuses_a_second_instead_of_returning_wrong_numbers()
    {
        var network = LatentNetwork.Create(Small, 1);
        using var ws = network.CreateWorkspace(8);
        var x = Rows(4, 64, 1);
        var codes = new float[4 * 4];
        using (ws.Enter())
        {
            var ex = Assert.Throws<InvalidOperationException>(() => network.EncodeMean(new ReadOnlyMatrixSpan(x, 4, 64), new MatrixSpan(codes, 4, 4), ws));
            Assert.Contains("one call at a time", ex.Message);
        }
        network.EncodeMean(new ReadOnlyMatrixSpan(x, 4, 64), new MatrixSpan(codes, 4, 4), ws);   // free again
    }

    private sealed class CountingWork : IParallelWork
    {
        public int Done;
        public void Execute(int item, int worker)
        {
            Thread.SpinWait(2000);
            Interlocked.Increment(ref Done);
        }
    }

    [Fact]
    public void A_worker_pool_shared_by_eight_threads_refuses_callers_on_their_own_thread_and_never_fails_on_a_worker()
    {
        using var pool = new WorkerPool(2);
        int refused = 0, completed = 0;
        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            for (int round = 0; round < 50; round++)
            {
                var work = new CountingWork();
                try
                {
                    pool.Run(work, 16);
                    Assert.Equal(16, work.Done);
                    Interlocked.Increment(ref completed);
                }
                catch (InvalidOperationException e) when (e.Message.Contains("one caller at a time")) { Interlocked.Increment(ref refused); }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(400, refused + completed);
        Assert.True(completed > 0);
        // A worker that throws reports to the caller, and the pool goes on working.
        var failing = new ThrowingWork();
        Assert.Equal("boom", Assert.Throws<InvalidOperationException>(() => pool.Run(failing, 8)).Message);
        var after = new CountingWork();
        pool.Run(after, 8);
        Assert.Equal(8, after.Done);
    }

    private sealed class ThrowingWork : IParallelWork
    {
        public void Execute(int item, int worker) => throw new InvalidOperationException("boom");
    }

    private sealed class InlineProgress(Action<EpochReport> action) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => action(value);
    }

    [Fact]
    public void Inference_while_the_model_trains_is_refused_rather_than_reading_half_updated_weights()
    {
        var data = TrainerTests.Synthetic(64);
        using var model = new VariationalAutoencoder(Small);
        Exception? seen = null;
        model.Fit(data, new TrainingOptions { Epochs = 1 }, progress: new InlineProgress(_ => seen = Record.Exception(() => model.EncodeMean(data.Row(0)))));
        var ex = Assert.IsType<InvalidOperationException>(seen);
        Assert.Contains("Fit or SetParameters", ex.Message);
        Assert.Single(model.EncodeMean(data.Row(0)).Take(1));   // and served again once Fit has returned
    }

    [Fact]
    public void Fit_stops_between_steps_when_cancelled()
    {
        var data = TrainerTests.Synthetic(300);
        using var model = new VariationalAutoencoder(Small);
        using var cancel = new CancellationTokenSource();
        model.Fit(data, new TrainingOptions { Epochs = 1 }, progress: new InlineProgress(_ => cancel.Cancel()));
        Assert.Throws<OperationCanceledException>(() => model.Fit(data, new TrainingOptions { Epochs = 3 }, cancellationToken: cancel.Token));
        Assert.Equal(1, model.EpochsTrained);
        Assert.All(model.GetParameters(), p => Assert.True(float.IsFinite(p)));
    }

    // ------------------------------------------------------------------ misuse gets a message that names the problem

    [Fact]
    public void Use_after_dispose_says_so()
    {
        var model = new VariationalAutoencoder(Small);
        model.Dispose();
        var ex = Assert.Throws<ObjectDisposedException>(() => model.EncodeMean(new float[64]));
        Assert.Contains("disposed", ex.Message);
        Assert.Throws<ObjectDisposedException>(() => model.Fit(TrainerTests.Synthetic(10)));
        model.Dispose();   // twice is fine
    }

    [Fact]
    public void Saving_creates_missing_folders_and_errors_name_the_file_asked_for()
    {
        using var model = new VariationalAutoencoder(Small);
        string path = Path.Combine(_folder, "a", "b", "model.safetensors");
        model.Save(path);
        Assert.True(File.Exists(path));
        File.WriteAllText(Path.Combine(_folder, "file"), "x");
        var ex = Assert.ThrowsAny<IOException>(() => model.Save(Path.Combine(_folder, "file", "model.safetensors")));
        Assert.Contains("is a file", ex.Message);
        var dir = Assert.ThrowsAny<IOException>(() => model.Save(Path.Combine(_folder, "a")));
        Assert.Contains("is a directory", dir.Message);
        Assert.DoesNotContain(".tmp", dir.Message);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Loading_names_directories_other_kinds_of_model_and_missing_files()
    {
        Directory.CreateDirectory(_folder);
        using (var ae = new Autoencoder(Small)) ae.Save(Path.Combine(_folder, "model.safetensors"));
        using (var loaded = LatentModel.Load(_folder)) Assert.IsType<Autoencoder>(loaded);   // a run folder means its model.safetensors
        var kind = Assert.Throws<CheckpointException>(() => VariationalAutoencoder.Load(_folder));
        Assert.Contains("holds an autoencoder", kind.Message);
        Assert.Contains("Autoencoder.Load", kind.Message);
        string empty = Path.Combine(_folder, "empty");
        Directory.CreateDirectory(empty);
        Assert.Contains("is a directory", Assert.Throws<CheckpointException>(() => LatentModel.Load(empty)).Message);
        Assert.Contains("file not found", Assert.Throws<CheckpointException>(() => LatentModel.Load(Path.Combine(_folder, "nope.safetensors"))).Message);
    }

    [Theory]
    [InlineData(2f)]
    [InlineData(-5f)]
    [InlineData(1e30f)]
    public void The_Bernoulli_likelihood_refuses_targets_outside_zero_one(float value)
    {
        var values = Rows(10, 64, 1);
        values[3 * 64 + 7] = value;
        var data = Dataset.FromArray(values, 64);
        using var model = new VariationalAutoencoder(Small);
        var fit = Assert.Throws<ArgumentException>(() => model.Fit(data));
        Assert.Contains("row 3, column 7", fit.Message);
        Assert.Contains("[0, 1]", fit.Message);
        var score = Assert.Throws<ArgumentException>(() => model.NegativeElbo(values));
        Assert.Contains("x[3, 7]", score.Message);
        // Real values are the Gaussian likelihood's business; a square error of 1e60 then ends training with its own message.
        using var gaussian = new VariationalAutoencoder(Small with { Likelihood = Likelihood.Gaussian });
        if (value < 1e10f) gaussian.Fit(data, new TrainingOptions { Epochs = 1 });
        else Assert.Contains("diverged", Assert.Throws<TrainingDivergedException>(() => gaussian.Fit(data, new TrainingOptions { Epochs = 1 })).Message);
    }

    [Fact]
    public void Shapes_and_values_are_checked_before_any_work()
    {
        using var model = new VariationalAutoencoder(Small);
        Assert.Contains("not a whole number of rows of 64", Assert.Throws<ArgumentException>(() => model.EncodeMean(new float[100])).Message);
        Assert.Equal("codes", Assert.Throws<ArgumentException>(() => model.EncodeMean(new float[128], new float[7])).ParamName);
        Assert.Equal("epsilon", Assert.Throws<ArgumentException>(() => model.ComputeLoss(new float[128], new float[4])).ParamName);
        Assert.Equal("gradients", Assert.Throws<ArgumentException>(() => model.ComputeLossAndGradients(new float[64], new float[4], new float[3])).ParamName);
        var nan = new float[128];
        nan[70] = float.NaN;
        Assert.Contains("x[1, 6]", Assert.Throws<ArgumentException>(() => model.Reconstruct(nan)).Message);
        Assert.Contains("takes 64", Assert.Throws<ArgumentException>(() => model.Fit(Dataset.FromArray(new float[30], 3))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Sample(-1));
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => Dataset.FromArray([1f, float.NaN], 2)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelConfig { Latent = 0 }.Validate());
        Assert.Contains("parameters", Assert.Throws<ArgumentOutOfRangeException>(() => new ModelConfig { Hidden = [1_000_000, 1_000_000] }.Validate()).Message);
    }

    // ------------------------------------------------------------------ weights from PyTorch

    /// <summary>Our layer names → the PyTorch VAE example's.</summary>
    internal static readonly IReadOnlyDictionary<string, string> TorchNames = new Dictionary<string, string>
    {
        ["encoder.0"] = "fc1", ["encoder_mu"] = "fc21", ["encoder_logvar"] = "fc22", ["decoder.0"] = "fc3", ["decoder.2"] = "fc4",
    };

    [Fact]
    public void A_state_dict_without_metadata_loads_under_our_names_or_the_PyTorch_examples()
    {
        var config = new ModelConfig { InputSize = 64, Hidden = [24], Latent = 4 };
        using var model = new VariationalAutoencoder(config, seed: 6);
        var tensors = model.ParameterTensors;
        var values = model.GetParameters();
        var ours = new List<SafeTensor>();
        int offset = 0;
        foreach (var (name, shape) in tensors)
        {
            int length = shape.Aggregate(1, (a, b) => a * b);
            ours.Add(new SafeTensor(name, shape, values.AsSpan(offset, length).ToArray()));
            offset += length;
        }
        Directory.CreateDirectory(_folder);
        string bare = Path.Combine(_folder, "bare.safetensors");
        SafeTensors.Write(bare, ours);   // no metadata at all
        using (var loaded = LatentModel.LoadStateDict(bare, config)) Assert.Equal(values, loaded.GetParameters());

        var torch = ours.Select(t => t with { Name = TorchNames[t.Name[..t.Name.LastIndexOf('.')]] + t.Name[t.Name.LastIndexOf('.')..] }).Reverse().ToList();
        string torchPath = Path.Combine(_folder, "torch.safetensors");
        SafeTensors.Write(torchPath, torch);
        using (var loaded = LatentModel.LoadStateDict(torchPath, config)) Assert.Equal(values, loaded.GetParameters());

        var wrong = Assert.Throws<CheckpointException>(() => LatentModel.LoadStateDict(torchPath, config with { Hidden = [25] }));
        Assert.Contains("parameters", wrong.Message);
        var twoLayers = Assert.Throws<ArgumentException>(() => LatentModel.LoadStateDict(torchPath, config with { Hidden = [12, 12] }, StateDictNames.PyTorchExample));
        Assert.Contains("one hidden layer", twoLayers.Message);
        var noConfig = Assert.Throws<CheckpointException>(() => LatentModel.Load(torchPath));
        Assert.Contains("LoadStateDict", noConfig.Message);
    }
}
