using Vae.Simd.Common;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Evaluation;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Training;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Evaluation;

public class LikelihoodTests
{
    /// <summary>Binary 4×4 images: one of four bars, with a few flipped pixels.</summary>
    private static Dataset Bars(int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        var pixels = new float[count * 16];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int bar = random.NextInt(4);
            labels[i] = bar;
            for (int p = 0; p < 16; p++)
            {
                bool on = p / 4 == bar;
                if (random.NextSingle() < 0.05f) on = !on;
                pixels[i * 16 + p] = on ? 1 : 0;
            }
        }
        return Dataset.FromArray(pixels, 16, labels, 4, 4);
    }

    private static VariationalNetwork TrainedVae(int latent)
    {
        var model = new VariationalAutoencoder(new ModelConfig { InputSize = 16, Hidden = [12], Latent = latent }, seed: 3);
        model.Fit(Bars(512, 1), new TrainingOptions { Epochs = 15, BatchSize = 64, LearningRate = 1e-2f, Threads = 1, Seed = 3 });
        return (VariationalNetwork)model.Network;
    }

    [Fact]
    public void Importance_weighted_estimate_is_never_below_the_ELBO_on_the_same_images()
    {
        var model = TrainedVae(latent: 2);
        var test = Bars(24, 7);
        var iw = ImportanceWeightedLikelihood.Estimate(model, test.Matrix, samples: 5000, seed: 11, threads: 2);
        // The ELBO's expectation estimated with many draws, so its own noise is far below the gap.
        var elbo = Elbo.Evaluate(model, test.Matrix, seed: 12, samplesPerImage: 2000);
        double gap = 0;
        for (int i = 0; i < test.Count; i++)
        {
            Assert.True(iw[i] >= elbo.ElboOf(i) - 1e-3, $"image {i}: IW {iw[i]:F4} < ELBO {elbo.ElboOf(i):F4}");
            Assert.True(iw[i] <= 0, $"image {i}: log p(x) = {iw[i]} > 0 for binary pixels");
            gap += iw[i] - elbo.ElboOf(i);
        }
        Assert.True(gap / test.Count > 0.01, $"mean gap {gap / test.Count}: IW is not tighter than the ELBO");
    }

    [Fact]
    public void Importance_weighted_estimate_matches_log_p_x_integrated_on_a_grid_for_a_one_dimensional_latent()
    {
        var model = TrainedVae(latent: 1);
        var test = Bars(6, 9);
        var iw = ImportanceWeightedLikelihood.Estimate(model, test.Matrix, samples: 5000, seed: 5);
        // log p(x) = log ∫ p(x|z) N(z; 0, 1) dz by the midpoint rule over [−10, 10], in double from the logits.
        const int points = 8000;
        const double low = -10, step = 20.0 / points;
        var z = new float[points];
        for (int k = 0; k < points; k++) z[k] = (float)(low + (k + 0.5) * step);
        using var ws = model.CreateWorkspace(points);
        ReadOnlyMatrixSpan decoded = model.DecodeLogits(new ReadOnlyMatrixSpan(z, points, 1), ws);
        var logits = decoded.ToArray();
        for (int i = 0; i < test.Count; i++)
        {
            var x = test.Matrix[i];
            var terms = new double[points];
            for (int k = 0; k < points; k++)
            {
                double logLikelihood = 0;
                for (int p = 0; p < 16; p++)
                {
                    double l = logits[k * 16 + p];
                    logLikelihood += x[p] * l - (Math.Max(l, 0) + Math.Log(1 + Math.Exp(-Math.Abs(l)))); // x·l − softplus(l)
                }
                terms[k] = logLikelihood - 0.5 * z[k] * z[k] - 0.5 * Math.Log(2 * Math.PI) + Math.Log(step);
            }
            double exact = SoftmaxCrossEntropy.LogSumExp(terms.AsSpan());
            Assert.True(Math.Abs(iw[i] - exact) < 0.02, $"image {i}: IW {iw[i]:F4} vs quadrature {exact:F4}");
        }
    }

    [Fact]
    public void One_importance_sample_is_an_unbiased_ELBO_estimate()
    {
        var model = TrainedVae(latent: 2);
        var image = Bars(1, 4).Matrix;
        const int copies = 4000;
        var repeated = new float[copies * 16];
        for (int c = 0; c < copies; c++) image[0].CopyTo(repeated.AsSpan(c * 16, 16));
        var single = ImportanceWeightedLikelihood.Estimate(model, new ReadOnlyMatrixSpan(repeated, copies, 16), samples: 1, seed: 8);
        double mean = single.Average(), se = Math.Sqrt(single.Sum(v => (v - mean) * (v - mean)) / (copies - 1) / copies);
        double elbo = Elbo.Evaluate(model, image, seed: 2, samplesPerImage: 20_000).ElboOf(0);
        Assert.True(Math.Abs(mean - elbo) < 4 * se + 0.01, $"mean of K=1 estimates {mean:F4} ± {se:F4} vs ELBO {elbo:F4}");
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count_and_bad_requests_are_refused()
    {
        var model = TrainedVae(latent: 2);
        var test = Bars(5, 3);
        Assert.Equal(ImportanceWeightedLikelihood.Estimate(model, test.Matrix, 300, seed: 1, threads: 1),
                     ImportanceWeightedLikelihood.Estimate(model, test.Matrix, 300, seed: 1, threads: 2));
        var gaussian = new VariationalNetwork(new ModelConfig { InputSize = 16, Hidden = [4], Latent = 2, Likelihood = Likelihood.Gaussian });
        Assert.Contains("Bernoulli", Assert.Throws<ArgumentException>(() => ImportanceWeightedLikelihood.Estimate(gaussian, test.Matrix, 10)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImportanceWeightedLikelihood.Estimate(model, test.Matrix, 0));
        Assert.Contains("16 values", Assert.Throws<ArgumentException>(() => ImportanceWeightedLikelihood.Estimate(model, new ReadOnlyMatrixSpan(new float[10], 1, 10), 10)).Message);
        var nan = test.Matrix.ToArray();
        nan[7] = float.NaN;
        Assert.Throws<ArgumentException>(() => ImportanceWeightedLikelihood.Estimate(model, new ReadOnlyMatrixSpan(nan, test.Count, 16), 10));
        Assert.Throws<ArgumentException>(() => Elbo.Evaluate(model, new ReadOnlyMatrixSpan(nan, test.Count, 16), seed: 1));
        Assert.Throws<ArgumentException>(() => Elbo.Evaluate(model, new ReadOnlyMatrixSpan([], 0, 16), seed: 1));
        Assert.Contains("16 values", Assert.Throws<ArgumentException>(() => Elbo.Evaluate(model, new ReadOnlyMatrixSpan(new float[10], 1, 10), seed: 1)).Message);
    }

    [Fact]
    public void ELBO_terms_per_image_add_up_to_the_model_loss()
    {
        var model = TrainedVae(latent: 2);
        var test = Bars(40, 5);
        var elbo = Elbo.Evaluate(model, test.Matrix, seed: 3);
        using var ws = model.CreateWorkspace(40);
        var eps = new float[40 * 2];
        for (int r = 0; r < 40; r++) new NoiseSource(3).FillRow(eps.AsSpan(r * 2, 2), r);
        var loss = model.ComputeLoss(test.Matrix, new ReadOnlyMatrixSpan(eps, 40, 2), new LossWeights(1, 1), ws);
        Approx.Equal(loss.Reconstruction, elbo.Reconstruction.Sum(), 1e-9, "reconstruction");
        Approx.Equal(loss.Kl, elbo.Kl.Sum(), 1e-9, "KL");
        Approx.Equal(-(loss.Total) / 40, elbo.MeanElbo, 1e-9, "mean ELBO");
        Assert.All(elbo.Kl, kl => Assert.True(kl >= 0));
        var ae = LatentNetwork.Create(new ModelConfig { Kind = ModelKind.Autoencoder, InputSize = 16, Hidden = [4], Latent = 2 });
        Assert.All(Elbo.Evaluate(ae, test.Matrix, seed: 1).Kl, kl => Assert.Equal(0, kl));
    }
}
