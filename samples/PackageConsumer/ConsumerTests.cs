using Vae.Simd;
using Vae.Simd.Testing;

namespace PackageConsumer;

/// <summary>What a user of the two packages writes: a model trained on their own rows, and the one-line gradient property.</summary>
public class ConsumerTests
{
    [Fact]
    public void My_configuration_has_correct_gradients() => GradientProperty.Check(new ModelConfig { InputSize = 24, Hidden = [32, 16], Latent = 4 }, cases: 10);

    [Fact]
    public void A_model_trains_on_my_rows_and_scores_them()
    {
        var random = new Random(1);
        var rows = new float[500 * 24];
        for (int i = 0; i < rows.Length; i++) rows[i] = (i / 24 % 2 == 0) == (i % 24 < 12) ? 0.9f : 0.1f + 0.05f * (float)random.NextDouble();
        var data = Dataset.FromArray(rows, features: 24);
        using var model = new VariationalAutoencoder(new ModelConfig { InputSize = 24, Hidden = [16], Latent = 2 });
        var history = model.Fit(data, new TrainingOptions { Epochs = 20, BatchSize = 50, LearningRate = 1e-2f });
        Assert.True(history[^1].Train.TotalPerSample < history[0].Train.TotalPerSample);
        Assert.Equal(500, model.NegativeElbo(data.Rows(0, 500)).Length);
    }
}
