using FsCheck.Fluent;
using Vae.Simd.Common;
using Vae.Simd.Evaluation;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Testing;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Models;

/// <summary>The Gaussian likelihood with an identity mean and a learned per-feature log-variance: its kernel against the formula
/// and finite differences on every width, the whole model's gradient against the independent reference (and a planted error),
/// and what training it learns.</summary>
public class LearnedVarianceTests
{
    private static double Gaussian(SeededRandom random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static ModelConfig Small(int input = 6) => new()
    {
        InputSize = input, Hidden = [7], Latent = 2, Activation = ActivationKind.Tanh, Likelihood = Likelihood.GaussianLearnedVariance,
    };

    [Fact]
    public void The_kernel_matches_the_density_and_its_derivatives_in_both_inputs()
    {
        Properties.Check(
            from rows in Gen.Choose(1, 4)
            from cols in Properties.Size(70)
            from weight in Gen.Elements(1f, 0.5f, 10f)
            from seed in Properties.Seed
            select (rows, cols, weight, seed),
            c =>
            {
                var random = new SeededRandom((ulong)c.seed);
                var means = Enumerable.Range(0, c.rows * c.cols).Select(_ => random.NextUniform(-3, 3)).ToArray();
                var targets = Enumerable.Range(0, c.rows * c.cols).Select(_ => random.NextUniform(-3, 3)).ToArray();
                // Log-variances on both sides of 0 and some below the floor, where the gradient must be 0.
                var logVariance = Enumerable.Range(0, c.cols).Select(j => j % 7 == 6 ? -12f : random.NextUniform(-4, 4)).ToArray();
                var dMean = new float[means.Length];
                var dLogVarianceRows = new float[means.Length];
                var rowLoss = new double[c.rows];
                double total = ReconstructionLosses.Evaluate(Likelihood.GaussianLearnedVariance, new ReadOnlyMatrixSpan(means, c.rows, c.cols),
                    new ReadOnlyMatrixSpan(targets, c.rows, c.cols), logVariance, new MatrixSpan(dMean, c.rows, c.cols),
                    new MatrixSpan(dLogVarianceRows, c.rows, c.cols), c.weight, rowLoss);
                double expectedTotal = 0;
                for (int r = 0; r < c.rows; r++)
                {
                    double row = 0;
                    for (int j = 0; j < c.cols; j++)
                    {
                        int i = r * c.cols + j;
                        double m = means[i], x = targets[i], v = logVariance[j];
                        row += ReferenceLoss.GaussianPixelLoss(m, x, v);
                        const double h = 1e-4;
                        double numericMean = (ReferenceLoss.GaussianPixelLoss(m + h, x, v) - ReferenceLoss.GaussianPixelLoss(m - h, x, v)) / (2 * h);
                        double numericVariance = v < ReconstructionLosses.MinLogVariance ? 0
                            : (ReferenceLoss.GaussianPixelLoss(m, x, v + h) - ReferenceLoss.GaussianPixelLoss(m, x, v - h)) / (2 * h);
                        Approx.Equal(c.weight * numericMean, dMean[i], 2e-4, $"∂/∂mean at m {m}, x {x}, v {v}");
                        Approx.Equal(c.weight * numericVariance, dLogVarianceRows[i], 2e-4, $"∂/∂log-variance at m {m}, x {x}, v {v}");
                    }
                    Approx.Equal(row, rowLoss[r], 1e-5, $"row {r}");
                    expectedTotal += row;
                }
                Approx.Equal(expectedTotal, total, 1e-5, "total");
            }, maxTest: 80);
    }

    private static void SameAsOneLane<TV>() where TV : struct, ISimdVector<TV>
    {
        if (!TV.IsAccelerated) return;
        const int n = 1024;
        var random = new SeededRandom(9);
        var m = Enumerable.Range(0, n).Select(_ => random.NextUniform(-5, 5)).ToArray();
        var x = Enumerable.Range(0, n).Select(_ => random.NextUniform(-5, 5)).ToArray();
        var v = Enumerable.Range(0, n).Select(i => i % 9 == 0 ? -30f : random.NextUniform(-12, 12)).ToArray();
        float[] loss = new float[n], dm = new float[n], dv = new float[n];
        ReconstructionLosses.LearnedVariancePixelLosses<TV>(m, x, v, loss, dm, dv);
        for (int i = 0; i < n; i++)
        {
            float expected = ReconstructionLosses.LearnedVariancePixelLoss(m[i], x[i], v[i], out float em, out float ev);
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(loss[i]), $"{typeof(TV).Name} loss at {m[i]}, {x[i]}, {v[i]}");
            Assert.True(BitConverter.SingleToInt32Bits(em) == BitConverter.SingleToInt32Bits(dm[i]), $"{typeof(TV).Name} ∂/∂mean at {i}");
            Assert.True(BitConverter.SingleToInt32Bits(ev) == BitConverter.SingleToInt32Bits(dv[i]), $"{typeof(TV).Name} ∂/∂log-variance at {i}");
        }
    }

    [Fact]
    public void Every_width_computes_the_same_bits_as_the_one_lane_path()
    {
        SameAsOneLane<V512>();
        SameAsOneLane<V256>();
        SameAsOneLane<V128>();
    }

    [Fact]
    public void The_model_gradient_passes_the_finite_difference_check_for_random_architectures_and_variances()
    {
        var configs = VaeGenerators.Configs(maxInput: 10, maxDepth: 2, maxWidth: 12, maxLatent: 4).Select(c => c with { Likelihood = Likelihood.GaussianLearnedVariance });
        Properties.Check(VaeGenerators.Cases(configs, maxRows: 4), c =>
        {
            using var model = c.CreateModel();
            var report = model.CheckGradients(c.Inputs(), c.Noise(), c.Weights, new GradientCheckOptions { EntriesPerTensor = 0 });
            Assert.True(report.Passed, $"{c}\n{report}");
            Assert.Contains(report.Tensors, t => t.Name == "decoder_logvar" && t.Checked > 0);
        }, maxTest: 25);
    }

    [Fact]
    public void The_checker_catches_a_log_variance_gradient_that_forgets_the_half()
    {
        var c = new GradientCase(Small(), new LossWeights(1f, 1f), 3, 5);
        using var model = c.CreateModel();
        float[] x = c.Inputs(), eps = c.Noise();
        var gradient = new float[model.ParameterCount];
        model.ComputeLossAndGradients(x, eps, gradient, c.Weights);
        // The planted slip: ∂/∂v of ½(v + r²e^−v) taken as 1 − r²e^−v, twice the truth.
        int offset = model.ParameterCount - model.InputSize;
        Assert.Equal("decoder_logvar", model.ParameterTensors[^1].Name);
        for (int j = 0; j < model.InputSize; j++) gradient[offset + j] *= 2;
        var report = model.CheckGradients(x, eps, gradient, c.Weights, new GradientCheckOptions { EntriesPerTensor = 0 });
        Assert.False(report.Passed);
        Assert.Equal(["decoder_logvar"], report.Tensors.Where(t => !t.Passed).Select(t => t.Name));
    }

    [Fact]
    public void Training_learns_each_features_noise_level()
    {
        // Two latent factors drive six features; each feature adds its own noise (σ 0.05 to 1.6). A learned variance should rank
        // the features by their noise, and the decoder's mean should not be squashed into (0, 1) as a sigmoid output would be.
        var random = new SeededRandom(3);
        float[] noise = [0.05f, 0.1f, 0.2f, 0.4f, 0.8f, 1.6f];
        const int rows = 3000;
        var values = new float[rows * 6];
        for (int r = 0; r < rows; r++)
        {
            double a = Gaussian(random), b = Gaussian(random);
            for (int j = 0; j < 6; j++)
                values[r * 6 + j] = (float)((j % 2 == 0 ? 2 * a : -3 * b + a) + 5 + noise[j] * Gaussian(random));
        }
        var data = Dataset.FromArray(values, 6);
        using var model = new VariationalAutoencoder(Small() with { Hidden = [32] });
        model.Scaling = FeatureScaling.Standardize(data);
        var before = model.Evaluate(data, threads: 1).TotalPerSample;
        model.Fit(data, new TrainingOptions { Epochs = 40, BatchSize = 100, LearningRate = 3e-3f, Threads = 1 });
        var after = model.Evaluate(data, threads: 1).TotalPerSample;
        Assert.True(after < before - 3, $"negative ELBO {before:F2} → {after:F2}");
        float[] logVariance = model.GetParameters()[^6..];
        // In standardized units: the noisiest features keep the largest variance.
        Assert.True(logVariance[5] > logVariance[3] && logVariance[4] > logVariance[2], string.Join(", ", logVariance));
        var reconstruction = model.DecodeToData(model.EncodeDataset(data.Take(50)));
        Assert.InRange(reconstruction.Average(), 4.5, 5.5);   // the data's units: mean 5, far outside (0, 1)
    }

    [Fact]
    public void Training_holds_a_log_variance_at_the_floor_and_lets_it_rise_again_when_the_data_need_it()
    {
        // Feature 0 is constant (the decoder fits it almost exactly); feature 1 is noise of spread 1.
        var random = new SeededRandom(6);
        var values = new float[400 * 2];
        for (int r = 0; r < 400; r++) (values[2 * r], values[2 * r + 1]) = (0f, (float)Gaussian(random));
        var data = Dataset.FromArray(values, 2);
        using var model = new VariationalAutoencoder(new ModelConfig { InputSize = 2, Hidden = [8], Latent = 1, Likelihood = Likelihood.GaussianLearnedVariance });
        // Start both log-variances below the floor, where the loss does not depend on them: without the projection onto the
        // floor after each step their gradient would be 0 there for good.
        var p = model.GetParameters();
        p[^2] = p[^1] = ReconstructionLosses.MinLogVariance - 2;
        model.SetParameters(p);
        model.Fit(data, new TrainingOptions { Epochs = 30, BatchSize = 50, LearningRate = 5e-2f, Threads = 2 });
        float[] logVariance = model.GetParameters()[^2..];
        Assert.True(logVariance.Min() >= ReconstructionLosses.MinLogVariance, $"a log-variance ended below the floor: {string.Join(", ", logVariance)}");
        // The noisy feature's variance rose off the floor (without the projection it would have stayed at −12); the constant
        // one's stayed below it.
        Assert.True(logVariance[1] > ReconstructionLosses.MinLogVariance + 0.5f, $"the noisy feature's log-variance is {logVariance[1]}");
        Assert.True(logVariance[0] < logVariance[1], string.Join(", ", logVariance));
    }

    [Fact]
    public void The_importance_weighted_log_likelihood_is_defined_and_above_the_elbo_on_average()
    {
        var random = new SeededRandom(4);
        var data = Dataset.FromArray(Enumerable.Range(0, 40 * 6).Select(_ => (float)Gaussian(random)).ToArray(), 6);
        using var model = new VariationalAutoencoder(Small());
        var scores = model.Score(data, importanceSamples: 200, threads: 1);
        Assert.NotNull(scores.LogLikelihood);
        double elbo = -scores.NegativeElbo.Average(), logLikelihood = scores.LogLikelihood!.Average();
        Assert.True(logLikelihood > elbo, $"log p(x) {logLikelihood:F3} vs ELBO {elbo:F3}");
        for (int i = 0; i < scores.Count; i++)
            Approx.Equal(scores.Reconstruction[i] + scores.Kl[i], scores.NegativeElbo[i], 1e-9, $"row {i}");
    }

    [Fact]
    public void The_squared_error_gaussian_still_has_no_log_likelihood()
    {
        using var model = new VariationalAutoencoder(Small() with { Likelihood = Likelihood.Gaussian });
        var data = Dataset.FromArray(new float[12], 6);
        var e = Assert.Throws<InvalidOperationException>(() => model.Score(data, importanceSamples: 10));
        Assert.Contains("normalised density", e.Message);
    }
}
