using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Data;

/// <summary>Per-feature scaling: what it fits, that it inverts, that the model keeps it in its checkpoint and applies it, and that a
/// damaged scaling in a file is refused.</summary>
public sealed class FeatureScalingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));

    public FeatureScalingTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Three features: spread 2 around 10, a constant 7, and −1e6 ± 1.
    private static readonly Dataset Table = Dataset.FromArray([8, 7, -1e6f - 1, 12, 7, -1e6f + 1, 10, 7, -1e6f], 3);

    [Fact]
    public void Standardize_gives_mean_0_and_spread_1_and_leaves_constant_features_unscaled()
    {
        var s = FeatureScaling.Standardize(Table);
        Assert.Equal([10f, 7f, -1e6f], s.Offsets.ToArray());
        Approx.Equal(Math.Sqrt(8.0 / 3), s.Scales[0], 1e-6, "spread of feature 0");
        Assert.Equal(1f, s.Scales[1]);
        Approx.Equal(Math.Sqrt(2.0 / 3), s.Scales[2], 1e-3, "spread of feature 2");
        var scaled = s.Apply(Table);
        for (int j = 0; j < 3; j++)
            Approx.Equal(0, Enumerable.Range(0, 3).Average(i => scaled.Row(i)[j]), 1e-4, $"mean of feature {j}");
        Assert.Equal(0f, scaled.Row(2)[1]);
        Assert.Equal(8f, Table.Row(0)[0]);   // the input is untouched
    }

    [Fact]
    public void MinMax_maps_the_training_data_onto_the_unit_range_and_restore_inverts_it()
    {
        var s = FeatureScaling.MinMax(Table);
        var scaled = s.Apply(Table);
        Assert.Equal([0f, 0f, 0f], scaled.Row(0).ToArray());
        Assert.Equal([1f, 0f, 1f], scaled.Row(1).ToArray());
        var rows = scaled.Rows(0, 3).ToArray();
        s.Restore(rows);
        Assert.Equal(Table.Rows(0, 3).ToArray(), rows);
        Assert.Equal([8f, 7f, -1e6f - 1], FeatureScaling.Fit(Table, ScalingKind.None).Apply(Table).Row(0).ToArray());
    }

    [Fact]
    public void Nonsense_is_refused_with_the_reason()
    {
        Assert.Contains("scale 1 is 0", Assert.Throws<ArgumentException>(() => new FeatureScaling([0, 0], [1, 0])).Message);
        Assert.Contains("offset 0 is NaN", Assert.Throws<ArgumentException>(() => new FeatureScaling([float.NaN], [1])).Message);
        Assert.Contains("2 offsets but 1 scales", Assert.Throws<ArgumentException>(() => new FeatureScaling([0, 0], [1])).Message);
        var s = FeatureScaling.Standardize(Table);
        Assert.Contains("fitted on 3", Assert.Throws<ArgumentException>(() => s.Apply(Dataset.FromArray([1, 2], 2))).Message);
        using var model = new VariationalAutoencoder(new ModelConfig { InputSize = 4, Hidden = [], Latent = 1 });
        Assert.Contains("fitted on 3", Assert.Throws<ArgumentException>(() => model.Scaling = s).Message);
    }

    [Fact]
    public void A_column_wider_than_float32_is_refused_when_fitted_not_turned_into_infinities()
    {
        // x − offset is a float32 subtraction: ±3e38 around 0 spans 6e38, beyond float32's 3.4e38.
        var wide = Dataset.FromArray([1, 3e38f, 2, -3e38f, 3, 3e38f, 4, -3e38f], 2);
        var minMax = Assert.Throws<ArgumentException>(() => FeatureScaling.MinMax(wide));
        Assert.Contains("feature 1 cannot be scaled", minMax.Message);
        Assert.Contains("spans -3E+38 to 3E+38", minMax.Message);
        Assert.Contains("feature 1 cannot be scaled", Assert.Throws<ArgumentException>(() => FeatureScaling.Standardize(Dataset.FromArray([0, 3e38f, 0, -3e38f, 0, -3e38f], 2))).Message);
        // Up to float32's range the scaled values stay finite.
        var apart = Dataset.FromArray([0, 1.5e38f, 0, -1.5e38f], 2);
        Assert.All(FeatureScaling.MinMax(apart).Apply(apart).Values.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void A_scaling_with_the_callers_own_offsets_and_scales_is_saved_and_loaded_as_given()
    {
        using var model = new VariationalAutoencoder(new ModelConfig { InputSize = 3, Hidden = [5], Latent = 2, Likelihood = Likelihood.GaussianLearnedVariance });
        model.Scaling = new FeatureScaling([1f, -2f, 3.5f], [0.5f, 2f, 10f]);
        string path = Path.Combine(_dir, "custom.safetensors");
        model.Save(path);
        using var loaded = LatentModel.Load(path);
        Assert.Equal(ScalingKind.Custom, loaded.Scaling!.Kind);
        Assert.Equal([1f, -2f, 3.5f], loaded.Scaling.Offsets.ToArray());
        Assert.Equal([0.5f, 2f, 10f], loaded.Scaling.Scales.ToArray());
        Assert.Equal(model.EncodeDataset(Table), loaded.EncodeDataset(Table));
    }

    private static VariationalAutoencoder Scaled(out FeatureScaling scaling)
    {
        var model = new VariationalAutoencoder(new ModelConfig { InputSize = 3, Hidden = [5], Latent = 2, Likelihood = Likelihood.GaussianLearnedVariance });
        scaling = FeatureScaling.Standardize(Table);
        model.Scaling = scaling;
        return model;
    }

    [Fact]
    public void The_model_saves_its_scaling_and_applies_it_to_datasets_after_loading()
    {
        using var model = Scaled(out var scaling);
        model.Fit(Table, new TrainingOptions { Epochs = 2, BatchSize = 2, Threads = 1 });
        string path = Path.Combine(_dir, "m.safetensors");
        model.Save(path);
        using var loaded = LatentModel.Load(path);
        Assert.NotNull(loaded.Scaling);
        Assert.Equal(ScalingKind.Standardize, loaded.Scaling!.Kind);
        Assert.Equal(scaling.Offsets.ToArray(), loaded.Scaling.Offsets.ToArray());
        Assert.Equal(scaling.Scales.ToArray(), loaded.Scaling.Scales.ToArray());
        // Datasets go in in their own units; spans in the network's units. Both routes give the same codes.
        Assert.Equal(loaded.EncodeMean(scaling.Apply(Table).Rows(0, 3)), loaded.EncodeDataset(Table));
        Assert.Equal(model.Score(Table).NegativeElbo, loaded.Score(Table).NegativeElbo);
        // Without the scaling, raw values of −1e6 would give a very different score.
        Assert.NotEqual(loaded.Score(Table).NegativeElbo[0], loaded.NegativeElbo(Table.Rows(0, 3))[0]);
    }

    [Theory]
    [InlineData("scaling.scale", "incomplete feature scaling")]
    [InlineData("kind", "unknown scaling kind")]
    [InlineData("zero", "scales must be positive")]
    [InlineData("short", "2 offsets")]
    public void A_damaged_scaling_in_a_checkpoint_is_refused_and_names_the_file(string damage, string expected)
    {
        using var model = Scaled(out _);
        string path = Path.Combine(_dir, "m.safetensors");
        model.Save(path);
        var (tensors, metadata) = Vae.Simd.Serialization.SafeTensors.Read(path);
        var list = tensors.ToList();
        var meta = metadata.ToDictionary(p => p.Key, p => p.Value);
        switch (damage)
        {
            case "scaling.scale": list.RemoveAll(t => t.Name == damage); break;
            case "kind": meta["scaling"] = "3"; break;
            case "zero":
                int i = list.FindIndex(t => t.Name == "scaling.scale");
                list[i] = list[i] with { Data = [1, 0, 1] };
                break;
            case "short":
                int o = list.FindIndex(t => t.Name == "scaling.offset");
                list[o] = list[o] with { Shape = [2], Data = [1, 2] };
                break;
        }
        string damaged = Path.Combine(_dir, "damaged.safetensors");
        Vae.Simd.Serialization.SafeTensors.Write(damaged, list, meta);
        var e = Assert.Throws<CheckpointException>(() => LatentModel.Load(damaged));
        Assert.Contains(damaged, e.Message);
        Assert.Contains(expected, e.Message);
    }
}
