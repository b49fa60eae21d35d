using System.Buffers.Binary;
using System.Text;
using Vae.Simd.Models;
using Vae.Simd.Serialization;
using Vae.Simd.Tests.Training;

namespace Vae.Simd.Tests.Api;

/// <summary>Files and arguments that are wrong in ways a reader of the code could miss: each gets a clear error of the
/// documented kind, and nothing that already exists is lost.</summary>
public sealed class CheckpointContractTests : IDisposable
{
    private static readonly ModelConfig Small = new() { InputSize = 16, Hidden = [8], Latent = 2 };
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));

    public CheckpointContractTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A checkpoint with Adam's state, after one epoch on a few rows.</summary>
    private string TrainedCheckpoint()
    {
        using var model = new VariationalAutoencoder(Small, seed: 3);
        model.Fit(TrainerTests.Synthetic(64, side: 4), new TrainingOptions { Epochs = 1, BatchSize = 16 });
        string path = Path.Combine(_folder, "trained.safetensors");
        model.Save(path, includeTrainingState: true);
        return path;
    }

    /// <summary>The checkpoint at <paramref name="path"/> rewritten with its tensors and metadata changed.</summary>
    private string Rewritten(string path, Func<IReadOnlyList<SafeTensor>, IEnumerable<SafeTensor>> tensors,
        Action<Dictionary<string, string>>? metadata = null, string name = "changed.safetensors")
    {
        var (all, meta) = SafeTensors.Read(path);
        var changed = new Dictionary<string, string>(meta);
        metadata?.Invoke(changed);
        string target = Path.Combine(_folder, name);
        SafeTensors.Write(target, tensors(all).ToList(), changed);
        return target;
    }

    private static SafeTensor WithValue(SafeTensor t, int index, float value)
    {
        var data = (float[])t.Data.Clone();
        data[index] = value;
        return t with { Data = data };
    }

    [Fact]
    public void A_model_whose_parameters_are_not_finite_is_not_saved_over_a_good_file()
    {
        using var model = new VariationalAutoencoder(Small, seed: 2);
        string path = Path.Combine(_folder, "model.safetensors");
        model.Save(path);
        byte[] before = File.ReadAllBytes(path);
        // What a diverged step leaves behind: the loss that detected it came one step after the update that overflowed.
        model.Network.Parameters[5] = float.NegativeInfinity;
        var ex = Assert.Throws<InvalidOperationException>(() => model.Save(path));
        Assert.Contains("encoder.0.weight", ex.Message);
        Assert.Contains("-∞", ex.Message.Replace("-Infinity", "-∞"));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Theory]
    [InlineData("optimizer.adam.v", float.NaN)]
    [InlineData("optimizer.adam.m", float.PositiveInfinity)]
    [InlineData("optimizer.adam.v", -1f)]
    public void A_checkpoint_with_a_corrupt_optimizer_state_is_refused_when_loaded_not_when_training_diverges(string tensor, float value)
    {
        string path = Rewritten(TrainedCheckpoint(), all => all.Select(t => t.Name == tensor ? WithValue(t, 7, value) : t));
        var ex = Assert.Throws<CheckpointException>(() => LatentModel.Load(path));
        Assert.Contains(tensor, ex.Message);
        Assert.Contains("index 7", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void Optimizer_state_of_another_optimizer_is_refused()
    {
        string path = Rewritten(TrainedCheckpoint(), all => all.Append(new SafeTensor("optimizer.sgd.velocity", [3], [0f, 0f, 0f])));
        Assert.Contains("'optimizer.sgd.velocity' does not belong", Assert.Throws<CheckpointException>(() => LatentModel.Load(path)).Message);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"optimizer\":5}")]
    [InlineData("{\"optimizer\":\"adam\",\"adam_beta1\":\"0.9\"}")]
    public void A_training_state_of_the_wrong_JSON_kinds_is_a_checkpoint_error_naming_the_file(string description)
    {
        string path = Rewritten(TrainedCheckpoint(), all => all, m => m["training_state"] = description);
        var ex = Assert.Throws<CheckpointException>(() => LatentModel.Load(path));
        Assert.Contains("invalid training state", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("five")]
    [InlineData("2147483648")]
    public void An_epoch_count_that_is_not_a_count_is_refused(string epochs)
    {
        string path = Rewritten(TrainedCheckpoint(), all => all, m => m["epochs_trained"] = epochs);
        Assert.Contains($"invalid epochs_trained '{epochs}'", Assert.Throws<CheckpointException>(() => LatentModel.Load(path)).Message);
    }

    [Fact]
    public void Epochs_that_would_count_past_int_max_are_refused_and_a_huge_count_allocates_nothing_up_front()
    {
        string path = Rewritten(TrainedCheckpoint(), all => all, m => m["epochs_trained"] = int.MaxValue.ToString());
        using var model = LatentModel.Load(path);
        Assert.Equal(int.MaxValue, model.EpochsTrained);
        var data = TrainerTests.Synthetic(32, side: 4);
        float[] parameters = model.GetParameters();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(data, new TrainingOptions { Epochs = 1 }));
        Assert.Contains("count past", ex.Message);
        Assert.Equal(parameters, model.GetParameters());

        // "Train until cancelled": a count of int.MaxValue stops at the token instead of reserving a report for every epoch.
        using var fresh = new VariationalAutoencoder(Small);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => fresh.Fit(data, new TrainingOptions { Epochs = int.MaxValue }, cancellationToken: cancelled.Token));
    }

    [Fact]
    public void A_configuration_whose_parameter_count_overflows_64_bits_is_refused_by_name()
    {
        var huge = new ModelConfig { InputSize = 16, Hidden = [1_600_000_000, 1_600_000_000, 1_600_000_000], Latent = 2 };
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => huge.Validate());
        Assert.Equal("Hidden", ex.ParamName);
        Assert.Contains("more than", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new VariationalAutoencoder(huge));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatentModel.Create(Small with { Kind = (ModelKind)7 }));
    }

    [Fact]
    public void A_state_dict_holding_one_tensor_under_both_naming_schemes_is_a_checkpoint_error()
    {
        using var model = new VariationalAutoencoder(Small);
        var values = model.GetParameters();
        var tensors = new List<SafeTensor>();
        int offset = 0;
        foreach (var (name, shape) in model.ParameterTensors)
        {
            int length = shape.Aggregate(1, (a, b) => a * b);
            string layer = name[..name.LastIndexOf('.')];
            // fc4.weight is stored as ours (decoder.2.weight) beside fc1.weight given twice, once as encoder.0.weight: the count matches.
            string stored = name == "decoder.2.weight" ? "encoder.0.weight" : PublicApiTests.TorchNames[layer] + name[name.LastIndexOf('.')..];
            tensors.Add(new SafeTensor(stored, name == "decoder.2.weight" ? [8, 16] : shape, values.AsSpan(offset, length).ToArray()));
            offset += length;
        }
        string path = Path.Combine(_folder, "both.safetensors");
        SafeTensors.Write(path, tensors);
        var ex = Assert.Throws<CheckpointException>(() => LatentModel.LoadStateDict(path, Small));
        Assert.Contains("'fc1.weight' and 'encoder.0.weight'", ex.Message.Replace("'encoder.0.weight' and 'fc1.weight'", "'fc1.weight' and 'encoder.0.weight'"));
    }

    [Fact]
    public void Data_offsets_that_are_not_numbers_are_called_invalid_offsets()
    {
        byte[] header = Encoding.UTF8.GetBytes("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",\"8\"]}}");
        var bytes = new byte[8 + header.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        var ex = Assert.Throws<CheckpointException>(() => SafeTensors.Parse(bytes, "probe"));
        Assert.Contains("tensor 'x' has invalid data_offsets", ex.Message);
    }

    [Fact]
    public void Noise_that_is_not_finite_is_refused_by_name()
    {
        using var model = new VariationalAutoencoder(Small);
        var x = new float[2 * 16];
        var epsilon = new float[2 * 2];
        epsilon[3] = float.NaN;
        Assert.Contains("epsilon[1, 1]", Assert.Throws<ArgumentException>(() => model.ComputeLoss(x, epsilon)).Message);
        Assert.Contains("epsilon[1, 1]", Assert.Throws<ArgumentException>(() => model.ComputeLossAndGradients(x, epsilon, new float[model.ParameterCount])).Message);
        Assert.Contains("epsilon[1, 1]", Assert.Throws<ArgumentException>(() => model.CheckGradients(x, epsilon, new float[model.ParameterCount])).Message);
    }

    [Fact]
    public void Saving_to_a_path_that_names_a_folder_creates_nothing()
    {
        using var model = new VariationalAutoencoder(Small);
        string folder = Path.Combine(_folder, "not-yet") + Path.DirectorySeparatorChar;
        Assert.Contains("is a directory", Assert.ThrowsAny<IOException>(() => model.Save(folder)).Message);
        Assert.False(Directory.Exists(folder));
    }
}
