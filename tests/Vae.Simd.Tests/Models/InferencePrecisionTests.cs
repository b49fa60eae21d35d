using Vae.Cli;
using Vae.Simd.Common;
using Vae.Simd.Kernels;

namespace Vae.Simd.Tests.Models;

public class InferencePrecisionTests
{
    private static readonly ModelConfig Config = new() { InputSize = 37, Hidden = [51], Latent = 5 };

    private static float[] Rows(int count, int features, ulong seed)
    {
        var random = new SeededRandom(seed);
        return Enumerable.Range(0, count * features).Select(_ => random.NextSingle()).ToArray();
    }

    /// <summary>The same model with every weight (not the biases) rounded to bfloat16, at float32 precision: what the bfloat16
    /// inference must compute, bit for bit.</summary>
    private static VariationalAutoencoder RoundedTwin(LatentModel model)
    {
        var twin = new VariationalAutoencoder(model.Config);
        var values = model.GetParameters();
        int offset = 0;
        foreach (var (name, shape) in model.ParameterTensors)
        {
            int length = shape.Aggregate(1, (a, b) => a * b);
            if (name.EndsWith(".weight", StringComparison.Ordinal))
                for (int i = offset; i < offset + length; i++) values[i] = BFloat16.Round(values[i]);
            offset += length;
        }
        twin.SetParameters(values);
        return twin;
    }

    [Fact]
    public void Bfloat16_inference_computes_exactly_what_float32_computes_on_the_rounded_weights_at_any_batch()
    {
        using var model = new VariationalAutoencoder(Config, seed: 5);
        using var twin = RoundedTwin(model);
        model.InferencePrecision = InferencePrecision.BFloat16;
        Assert.Equal(InferencePrecision.BFloat16, model.InferencePrecision);
        float[] x = Rows(300, 37, 7), z = Rows(300, 5, 8);

        Assert.Equal(twin.Reconstruct(x), model.Reconstruct(x));
        Assert.Equal(twin.EncodeMean(x), model.EncodeMean(x));
        Assert.Equal(twin.Decode(z), model.Decode(z));
        Assert.Equal(twin.Encode(x).LogVariance, model.Encode(x).LogVariance);
        Assert.Equal(twin.Sample(20, seed: 3), model.Sample(20, seed: 3));
        Assert.Equal(twin.NegativeElbo(x), model.NegativeElbo(x));
        var data = Dataset.FromArray(x, 37);
        Assert.Equal(twin.Evaluate(data).Total, model.Evaluate(data).Total);
        Assert.Equal(twin.ImportanceWeightedLogLikelihood(x.AsSpan(0, 3 * 37), 50), model.ImportanceWeightedLogLikelihood(x.AsSpan(0, 3 * 37), 50));
        // One row at a time runs the bfloat16 GEMV; 300 rows run the blocked GEMM on the rounded float32 copy.
        var all = model.Reconstruct(x);
        for (int r = 0; r < 300; r += 37)
            Assert.Equal(all.AsSpan(r * 37, 37).ToArray(), model.Reconstruct(x.AsSpan(r * 37, 37)));
        // The rounding is real.
        using var exact = new VariationalAutoencoder(Config, seed: 5);
        Assert.NotEqual(exact.Reconstruct(x), model.Reconstruct(x));
    }

    [Fact]
    public void Training_losses_and_gradients_keep_float32_and_the_rounded_copy_follows_every_change()
    {
        float[] x = Rows(200, 37, 9), eps = Rows(200, 5, 10);
        var data = Dataset.FromArray(x, 37);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 32, Threads = 2, Seed = 4 };
        using var plain = new VariationalAutoencoder(Config, seed: 5);
        using var reduced = new VariationalAutoencoder(Config, seed: 5) { InferencePrecision = InferencePrecision.BFloat16 };

        // ComputeLoss is the loss of ComputeLossAndGradients: float32, whatever the inference precision.
        Assert.Equal(plain.ComputeLoss(x, eps).Total, reduced.ComputeLoss(x, eps).Total);
        var g1 = new float[plain.ParameterCount];
        var g2 = new float[plain.ParameterCount];
        plain.ComputeLossAndGradients(x, eps, g1);
        reduced.ComputeLossAndGradients(x, eps, g2);
        Assert.Equal(g1, g2);

        // Training reads float32 weights (validation included): the same run, step for step.
        var r1 = plain.Fit(data, options, validation: data);
        var r2 = reduced.Fit(data, options, validation: data);
        Assert.Equal(plain.GetParameters(), reduced.GetParameters());
        Assert.Equal(r1.Select(r => r.Validation!.Value.Total), r2.Select(r => r.Validation!.Value.Total));
        using (var twin = RoundedTwin(plain)) Assert.Equal(twin.Reconstruct(x), reduced.Reconstruct(x));

        // SetParameters, and back to float32.
        var shifted = plain.GetParameters().Select(v => v * 0.9f).ToArray();
        plain.SetParameters(shifted);
        reduced.SetParameters(shifted);
        using (var twin = RoundedTwin(plain)) Assert.Equal(twin.Reconstruct(x), reduced.Reconstruct(x));
        reduced.InferencePrecision = InferencePrecision.Float32;
        Assert.Equal(plain.Reconstruct(x), reduced.Reconstruct(x));
    }

    [Fact]
    public void Int8_inference_gives_each_row_the_same_bits_at_any_batch_and_stays_near_float32()
    {
        using var exact = new VariationalAutoencoder(Config, seed: 5);
        using var model = new VariationalAutoencoder(Config, seed: 5) { InferencePrecision = InferencePrecision.Int8 };
        Assert.Equal(InferencePrecision.Int8, model.InferencePrecision);
        float[] x = Rows(300, 37, 7), z = Rows(300, 5, 8);
        var all = model.Reconstruct(x);
        var mu = model.EncodeMean(x);
        for (int r = 0; r < 300; r += 37)
        {
            Assert.Equal(all.AsSpan(r * 37, 37).ToArray(), model.Reconstruct(x.AsSpan(r * 37, 37)));
            Assert.Equal(mu.AsSpan(r * 5, 5).ToArray(), model.EncodeMean(x.AsSpan(r * 37, 37)));
        }
        // μ alone (half the head) is the μ of the whole head.
        Assert.Equal(mu, model.Encode(x).Mean);
        // Quantized, so not equal to float32, but close: probabilities within 0.02, the ELBO within a few hundredths of a nat.
        var reference = exact.Reconstruct(x);
        Assert.NotEqual(reference, all);
        for (int i = 0; i < all.Length; i++) Assert.True(Math.Abs(all[i] - reference[i]) < 0.02, $"output {i}: {all[i]} int8, {reference[i]} float32");
        var decoded = model.Decode(z);
        var decodedExact = exact.Decode(z);
        for (int i = 0; i < decoded.Length; i++) Assert.True(Math.Abs(decoded[i] - decodedExact[i]) < 0.02);
        var data = Dataset.FromArray(x, 37);
        Assert.True(Math.Abs(model.Evaluate(data).TotalPerSample - exact.Evaluate(data).TotalPerSample) < 0.05);
    }

    [Theory]
    [InlineData(Likelihood.Gaussian, ActivationKind.Tanh)]
    [InlineData(Likelihood.GaussianLearnedVariance, ActivationKind.LeakyReLU)]
    [InlineData(Likelihood.Bernoulli, ActivationKind.Sigmoid)]
    public void Int8_inference_stays_near_float32_for_other_likelihoods_activations_and_depths(Likelihood likelihood, ActivationKind activation)
    {
        // Two hidden layers, signed and unsigned layer inputs, a Gaussian head whose log-variance the decoder learns: the
        // quantized inputs are offset and scaled per row whatever their sign, so all of these stay close.
        var config = new ModelConfig { InputSize = 37, Hidden = [51, 23], Latent = 5, Likelihood = likelihood, Activation = activation };
        float[] x = Rows(200, 37, 11);
        var data = Dataset.FromArray(x, 37);
        using var exact = new VariationalAutoencoder(config, seed: 9);
        exact.Fit(data, new TrainingOptions { Epochs = 3, BatchSize = 32, Seed = 2 });
        using var model = new VariationalAutoencoder(config);
        model.SetParameters(exact.GetParameters());
        model.InferencePrecision = InferencePrecision.Int8;
        float[] reference = exact.Reconstruct(x), quantized = model.Reconstruct(x);
        Assert.NotEqual(reference, quantized);
        for (int i = 0; i < quantized.Length; i++)
            Assert.True(Math.Abs(quantized[i] - reference[i]) < 0.03, $"output {i}: {quantized[i]} int8, {reference[i]} float32");
        for (int r = 0; r < 200; r += 67)
            Assert.Equal(quantized.AsSpan(r * 37, 37).ToArray(), model.Reconstruct(x.AsSpan(r * 37, 37)));
        double e = exact.Evaluate(data, seed: 3).TotalPerSample, q = model.Evaluate(data, seed: 3).TotalPerSample;
        Assert.True(Math.Abs(q - e) < 0.02 * Math.Max(1, Math.Abs(e)), $"negative ELBO {e} float32, {q} int8");
    }

    [Fact]
    public void Int8_training_keeps_float32_and_the_quantized_copy_follows_every_change()
    {
        float[] x = Rows(200, 37, 9);
        var data = Dataset.FromArray(x, 37);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 32, Threads = 2, Seed = 4 };
        using var plain = new VariationalAutoencoder(Config, seed: 5);
        using var reduced = new VariationalAutoencoder(Config, seed: 5) { InferencePrecision = InferencePrecision.Int8 };
        var r1 = plain.Fit(data, options, validation: data);
        var r2 = reduced.Fit(data, options, validation: data);
        Assert.Equal(plain.GetParameters(), reduced.GetParameters());
        Assert.Equal(r1.Select(r => r.Validation!.Value.Total), r2.Select(r => r.Validation!.Value.Total));

        // The int8 copy is made from the trained weights: a fresh model set to those weights and to int8 agrees.
        VariationalAutoencoder Fresh()
        {
            var twin = new VariationalAutoencoder(Config);
            twin.SetParameters(plain.GetParameters());
            twin.InferencePrecision = InferencePrecision.Int8;
            return twin;
        }
        using (var twin = Fresh()) Assert.Equal(twin.Reconstruct(x), reduced.Reconstruct(x));
        var shifted = plain.GetParameters().Select(v => v * 0.9f).ToArray();
        plain.SetParameters(shifted);
        reduced.SetParameters(shifted);
        using (var twin = Fresh()) Assert.Equal(twin.Reconstruct(x), reduced.Reconstruct(x));
        // From int8 to bfloat16 and back to float32: each copy is made anew.
        reduced.InferencePrecision = InferencePrecision.BFloat16;
        using (var twin = RoundedTwin(plain)) Assert.Equal(twin.Reconstruct(x), reduced.Reconstruct(x));
        reduced.InferencePrecision = InferencePrecision.Float32;
        Assert.Equal(plain.Reconstruct(x), reduced.Reconstruct(x));
    }

    [Fact]
    public void A_nonsense_precision_is_refused_by_name_and_a_loaded_model_starts_at_float32()
    {
        using var model = new VariationalAutoencoder(Config, seed: 5);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.InferencePrecision = (InferencePrecision)7);
        Assert.Contains("precision", e.Message);
        Assert.Equal(InferencePrecision.Float32, model.InferencePrecision);

        model.InferencePrecision = InferencePrecision.BFloat16;
        string path = Path.Combine(Path.GetTempPath(), $"precision-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            using var loaded = LatentModel.Load(path);
            Assert.Equal(InferencePrecision.Float32, loaded.InferencePrecision);
            model.InferencePrecision = InferencePrecision.Float32;
            Assert.Equal(model.GetParameters(), loaded.GetParameters()); // the checkpoint holds the float32 weights
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void On_a_trained_MNIST_model_bfloat16_and_int8_move_the_test_negative_ELBO_by_less_than_a_tenth_of_a_nat()
    {
        var (train, test) = Dataset.LoadMnist(VaeCommand.DefaultDataDirectory(), maxRows: 4000);
        test = test.Take(1000);
        using var model = new VariationalAutoencoder(new ModelConfig(), seed: 1);
        model.Fit(train, new TrainingOptions { Epochs = 3, Seed = 1 });
        double exact = model.Evaluate(test, seed: 2).TotalPerSample;
        foreach (var precision in new[] { InferencePrecision.BFloat16, InferencePrecision.Int8 })
        {
            model.InferencePrecision = precision;
            double reduced = model.Evaluate(test, seed: 2).TotalPerSample;
            Assert.NotEqual(exact, reduced);
            Assert.True(Math.Abs(reduced - exact) < 0.1, $"test negative ELBO {exact:F4} nats at float32, {reduced:F4} with {precision} weights");
        }
    }
}
