using System.Text.Json;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Evaluation;

/// <summary>What <see cref="ModelMetrics.Compute"/> measures and on how much data.</summary>
internal sealed record MetricsOptions
{
    /// <summary>Generated samples for the FID and entropy.</summary>
    public int Samples { get; init; } = 10_000;

    /// <summary>Importance samples per image (Bernoulli VAEs only; 0 skips the estimate).</summary>
    public int IwSamples { get; init; } = ImportanceWeightedLikelihood.DefaultSamples;

    /// <summary>Test images for the importance-weighted estimate (it costs K decodes per image).</summary>
    public int IwImages { get; init; } = 1000;

    public ulong Seed { get; init; } = 1;

    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Hears (images done, images in all) during the importance-weighted estimate, from any thread.</summary>
    public Action<int, int>? Progress { get; init; }
}

/// <summary>Every number the CLI reports about one trained model, measured on the test set.</summary>
internal sealed record ModelMetrics
{
    public required string Kind { get; init; }
    public required int Latent { get; init; }
    public required Likelihood Likelihood { get; init; }
    public required int TestImages { get; init; }

    /// <summary>Mean over test images and pixels of (decode(encode-mean(x)) − x)².</summary>
    public required double TestReconMse { get; init; }

    /// <summary>Per image, one z ~ q(z|x): the model's reconstruction term, KL and ELBO = −(both).</summary>
    public required ElboResult Elbo { get; init; }

    /// <summary>Mean over images and dimensions of σ = exp(½ log σ²) of q(z|x) (VAEs).</summary>
    public double? PosteriorStd { get; init; }

    /// <summary>Statistics of the deterministic codes (μ for a VAE).</summary>
    public required LatentStatistics Codes { get; init; }

    /// <summary>Statistics of one z ~ q(z|x) per test image: the aggregate posterior (VAEs).</summary>
    public LatentStatistics? SampledCodes { get; init; }

    /// <summary>Fraction of 1000 prior draws z ~ N(0, I) that fall in a hole of the test codes (<see cref="LatentCoverage"/>).</summary>
    public required double PriorHoleFraction { get; init; }

    /// <summary>
    /// The same for 1000 draws from N(m, S), the Gaussian fitted to the test codes. Scale-free, unlike
    /// <see cref="PriorHoleFraction"/>: about 1 % when the codes fill their Gaussian (the 99 % threshold),
    /// more when the code cloud has gaps that its Gaussian puts mass in.
    /// </summary>
    public required double FittedHoleFraction { get; init; }

    public SampleQualityResult? Quality { get; init; }

    public double? IwLogLikelihood { get; init; }
    public double? IwElbo { get; init; }
    public int IwImages { get; init; }
    public int IwSamples { get; init; }

    /// <summary>Measures <paramref name="model"/> on <paramref name="test"/>. The sample-quality numbers need
    /// <paramref name="classifier"/> and <paramref name="reference"/> (the test images' feature moments).</summary>
    public static ModelMetrics Compute(LatentNetwork model, Dataset test, Classifier? classifier, GaussianMoments? reference, MetricsOptions options)
    {
        int n = test.Count, latent = model.Latent, pixels = model.Config.InputSize;
        using var ws = model.CreateWorkspace(Math.Min(n, 500), options.Threads);

        using var reconstructed = new Matrix(n, pixels);
        model.Reconstruct(test.Matrix, reconstructed.AsSpan(), ws);
        double squaredError = 0;
        var original = test.Matrix;
        var rebuilt = reconstructed.AsReadOnlySpan();
        for (int r = 0; r < n; r++) squaredError += Measures.SquaredError(original[r], rebuilt[r]);

        using var codes = new Matrix(n, latent);
        double? posteriorStd = null;
        LatentStatistics? sampled = null;
        if (model is VariationalNetwork vae)
        {
            using var logVar = new Matrix(n, latent);
            using var epsilon = new Matrix(n, latent);
            using var z = new Matrix(n, latent);
            vae.Encode(test.Matrix, codes.AsSpan(), logVar.AsSpan(), ws);
            new NoiseSource(options.Seed ^ 0x5A3D1E5UL).Fill(epsilon.AsSpan(), 0);
            Reparameterization.Forward(codes.AsReadOnlySpan(), logVar.AsReadOnlySpan(), epsilon.AsReadOnlySpan(), z.AsSpan());
            double sigmaSum = 0;
            foreach (float v in logVar.Span) sigmaSum += Math.Exp(0.5 * v);
            posteriorStd = sigmaSum / ((double)n * latent);
            sampled = LatentStatistics.Of(z.AsReadOnlySpan());
        }
        else model.EncodeMean(test.Matrix, codes.AsSpan(), ws);

        using var prior = new Matrix(Math.Min(1000, Math.Max(n, 2)), latent);
        new NoiseSource(options.Seed ^ 0x40135UL).Fill(prior.AsSpan(), 0);
        double holes = LatentCoverage.HoleFraction(codes.AsReadOnlySpan(), prior.AsReadOnlySpan());
        using var fitted = new Matrix(prior.Rows, latent);
        GaussianMoments.Of(codes.AsReadOnlySpan()).Draw(fitted.AsSpan(), new NoiseSource(options.Seed ^ 0xF17EDUL));
        double fittedHoles = LatentCoverage.HoleFraction(codes.AsReadOnlySpan(), fitted.AsReadOnlySpan());

        double? iw = null, iwElbo = null;
        int iwImages = 0;
        if (model is VariationalNetwork bernoulli && model.Config.Likelihood == Likelihood.Bernoulli && options.IwSamples > 0 && options.IwImages > 0)
        {
            // On binarized images: a Bernoulli likelihood of grey levels is not a probability of the data.
            var binary = test.Take(options.IwImages).Binarized(options.Seed ^ 0xB1A7UL);
            iwImages = binary.Count;
            iw = ImportanceWeightedLikelihood.Estimate(bernoulli, binary.Matrix, options.IwSamples, options.Seed, options.Threads, options.Progress).Average();
            iwElbo = Simd.Evaluation.Elbo.Evaluate(model, binary.Matrix, options.Seed).MeanElbo;
        }

        return new ModelMetrics
        {
            Kind = model is VariationalNetwork ? "vae" : "ae",
            Latent = latent,
            Likelihood = model.Config.Likelihood,
            TestImages = n,
            TestReconMse = squaredError / ((double)n * pixels),
            Elbo = Simd.Evaluation.Elbo.Evaluate(model, test.Matrix, options.Seed),
            PosteriorStd = posteriorStd,
            Codes = LatentStatistics.Of(codes.AsReadOnlySpan()),
            SampledCodes = sampled,
            PriorHoleFraction = holes,
            FittedHoleFraction = fittedHoles,
            Quality = classifier is null || reference is null ? null
                : SampleQuality.Evaluate(model, classifier, reference, options.Samples, options.Seed, options.Threads),
            IwLogLikelihood = iw,
            IwElbo = iwElbo,
            IwImages = iwImages,
            IwSamples = iw is null ? 0 : options.IwSamples,
        };
    }
}
