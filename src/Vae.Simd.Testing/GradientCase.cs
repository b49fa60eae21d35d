namespace Vae.Simd.Testing;

/// <summary>
/// One gradient check: a model of <paramref name="Config"/> initialised from <paramref name="Seed"/>, <paramref name="Rows"/> rows of
/// values in [0, 1] and standard normal noise ε drawn from the same seed, and the loss weights.
/// </summary>
public sealed record GradientCase(ModelConfig Config, LossWeights Weights, int Rows, ulong Seed)
{
    /// <summary>The model to check, initialised from <see cref="Seed"/>. A learned output log-variance (which starts at 0) is set
    /// to seeded values in [−2, 2], so that the check covers variances other than 1.</summary>
    public LatentModel CreateModel()
    {
        var model = LatentModel.Create(Config, Seed);
        if (Config.Likelihood != Likelihood.GaussianLearnedVariance) return model;
        var parameters = model.GetParameters();
        int offset = 0;
        var random = new Random(unchecked((int)Seed) ^ 0x70A5);
        foreach (var (name, shape) in model.ParameterTensors)
        {
            int length = shape.Aggregate(1, (a, b) => a * b);
            if (name == "decoder_logvar")
                for (int i = 0; i < length; i++) parameters[offset + i] = (float)(4 * random.NextDouble() - 2);
            offset += length;
        }
        model.SetParameters(parameters);
        return model;
    }

    /// <summary>The rows, uniform in [0, 1] (valid targets for both likelihoods).</summary>
    public float[] Inputs()
    {
        var random = new Random(unchecked((int)Seed) ^ 0x5EED);
        return Enumerable.Range(0, Rows * Config.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
    }

    /// <summary>The noise ε, rows × latent standard normals (Box–Muller); empty for an autoencoder, which has none.</summary>
    public float[] Noise()
    {
        if (Config.Kind == ModelKind.Autoencoder) return [];
        var random = new Random(unchecked((int)Seed) ^ 0x0E95);
        return Enumerable.Range(0, Rows * Config.Latent)
            .Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Config}, {Rows} row(s), weights ({Weights.Reconstruction}, {Weights.Kl}), seed {Seed}";
}
