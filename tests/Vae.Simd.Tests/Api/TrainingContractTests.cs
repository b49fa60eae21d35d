using Vae.Simd.Models;
using Vae.Simd.Tests.Training;

namespace Vae.Simd.Tests.Api;

/// <summary>What Fit promises when it fails: a diverged epoch is undone whole, a refused call changes nothing, and the small
/// contracts of the scoring calls hold at their edges.</summary>
public sealed class TrainingContractTests
{
    private static readonly ModelConfig Small = new() { InputSize = 16, Hidden = [8], Latent = 2 };
    private static readonly TrainingOptions Adam = new() { Epochs = 1, BatchSize = 16, Threads = 1 };

    [Theory]
    [InlineData(37, InferencePrecision.Float32)]    // one step per epoch: the overflowing update is the epoch's last
    [InlineData(37, InferencePrecision.Int8)]       // the int8 copy must not be requantized from infinities
    [InlineData(200, InferencePrecision.Float32)]   // the next step's loss sees it
    public void A_diverged_epoch_is_undone_whole_and_reported_as_divergence(int rows, InferencePrecision precision)
    {
        var data = TrainerTests.Synthetic(rows, side: 4);
        using var model = new VariationalAutoencoder(Small, seed: 5);
        model.InferencePrecision = precision;
        model.Fit(data, Adam);
        float[] after = model.GetParameters();
        var codes = model.EncodeMean(data.Rows(0, 4).ToArray());
        var huge = new TrainingOptions { Epochs = 2, BatchSize = 16, Threads = 1, Optimizer = OptimizerKind.Sgd, LearningRate = 1e38f, Momentum = 0 };
        var ex = Assert.Throws<TrainingDivergedException>(() => model.Fit(data, huge));
        Assert.Contains("epoch 2", ex.Message);
        Assert.Equal(after, model.GetParameters());
        Assert.Equal(1, model.EpochsTrained);
        Assert.Equal(codes, model.EncodeMean(data.Rows(0, 4).ToArray()));   // the inference copy matches the parameters
        model.Save(Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"), "model.safetensors"));
    }

    [Fact]
    public void After_a_diverged_epoch_training_goes_on_as_if_it_had_not_run()
    {
        var data = TrainerTests.Synthetic(64, side: 4);
        using var straight = new VariationalAutoencoder(Small, seed: 6);
        straight.Fit(data, Adam with { Epochs = 2 });
        using var model = new VariationalAutoencoder(Small, seed: 6);
        model.Fit(data, Adam);
        // Adam's moments and step count move during the failed epoch; they must come back with the parameters.
        Assert.Throws<TrainingDivergedException>(() => model.Fit(data, Adam with { LearningRate = 1e38f }));
        model.Fit(data, Adam);
        Assert.Equal(straight.GetParameters(), model.GetParameters());
    }

    [Fact]
    public void A_refused_call_leaves_the_optimizer_as_it_was()
    {
        var data = TrainerTests.Synthetic(64, side: 4);
        var outside = Dataset.FromArray(Enumerable.Repeat(2f, 16).ToArray(), 16);
        // Real-valued rows are the learned-variance Gaussian's to take; only binarization needs [0, 1].
        var config = Small with { Likelihood = Likelihood.GaussianLearnedVariance };
        using var straight = new VariationalAutoencoder(config, seed: 7);
        straight.Fit(data, Adam with { Epochs = 4 });
        using var model = new VariationalAutoencoder(config, seed: 7);
        model.Fit(data, Adam with { Epochs = 2 });
        // Another optimizer, refused for its validation rows: before, the Adam state was already swapped for SGD's.
        var refused = Assert.Throws<ArgumentException>(() => model.Fit(data, Adam with { Optimizer = OptimizerKind.Sgd, Binarize = BinarizationMode.Dynamic }, outside));
        Assert.Contains("validation rows", refused.Message);
        Assert.Contains("no rows", Assert.Throws<ArgumentException>(() => model.Fit(data, Adam with { Optimizer = OptimizerKind.Sgd }, Dataset.FromArray([], 16))).Message);
        model.Fit(data, Adam with { Epochs = 2 });
        Assert.Equal(straight.GetParameters(), model.GetParameters());
    }

    [Fact]
    public void Scores_are_read_by_valid_rows_and_their_arrays_agree()
    {
        var scores = new RowScores([1, 2], [0.5, 1], [0.5, 1], null);
        Assert.Equal(2, scores.AnomalyScore(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => scores.AnomalyScore(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => scores.AnomalyScore(-1));
        Assert.Contains("one score per row", Assert.Throws<ArgumentException>(() => new RowScores([1, 2], [0.5, 1], [0.5, 1], [-3])).Message);

        using var model = new VariationalAutoencoder(Small);
        var data = TrainerTests.Synthetic(8, side: 4);
        Assert.Equal("threads", Assert.Throws<ArgumentOutOfRangeException>(() => model.Score(data, threads: -1)).ParamName);
        Assert.Equal("firstSample", Assert.Throws<ArgumentOutOfRangeException>(() => model.Sample(new float[2 * 16], 1, long.MaxValue)).ParamName);
        Assert.Contains("Int8", Assert.Throws<ArgumentOutOfRangeException>(() => model.InferencePrecision = (InferencePrecision)9).Message);
    }
}
