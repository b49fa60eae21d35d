using System.Text.Json;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Evaluation;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Cli;

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
        for (int r = 0; r < n; r++)
        {
            var a = original[r];
            var b = rebuilt[r];
            for (int j = 0; j < pixels; j++) squaredError += (double)(a[j] - b[j]) * (a[j] - b[j]);
        }

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
            iw = ImportanceWeightedLikelihood.Estimate(bernoulli, binary.Matrix, options.IwSamples, options.Seed, options.Threads).Average();
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

    /// <summary>The metrics as JSON properties of the current object (snake_case; non-finite numbers as null).</summary>
    public void WriteProperties(Utf8JsonWriter json)
    {
        json.WriteString("kind", Kind);
        json.WriteNumber("latent", Latent);
        json.WriteString("likelihood", Likelihood.ToString().ToLowerInvariant());
        json.WriteNumber("test_images", TestImages);
        Json.Number(json, "test_recon_mse", TestReconMse);
        Json.Number(json, "fid", Quality?.Fid);
        Json.Number(json, "sample_entropy", Quality?.MeanEntropy);
        if (Quality is not null) Json.Array(json, "sample_class_frequencies", Quality.ClassFrequencies);
        Json.Number(json, "latent_mean_abs", Codes.MeanAbsMean);
        Json.Number(json, "latent_std", Codes.MeanStandardDeviation);
        Json.Number(json, "latent_skew", Codes.MeanAbsSkewness);
        Json.Number(json, "latent_kurtosis", Codes.MeanExcessKurtosis);
        Json.Number(json, "aggregate_kl", Codes.AggregateKl);
        json.WriteNumber("active_units", Codes.ActiveUnits);
        Json.Number(json, "prior_hole_fraction", PriorHoleFraction);
        Json.Number(json, "fitted_hole_fraction", FittedHoleFraction);
        if (Kind == "vae")
        {
            Json.Number(json, "test_elbo", Elbo.MeanElbo);
            Json.Number(json, "test_kl", Elbo.MeanKl);
            Json.Number(json, "posterior_std", PosteriorStd);
            Json.Number(json, "sampled_latent_mean_abs", SampledCodes!.MeanAbsMean);
            Json.Number(json, "sampled_latent_std", SampledCodes.MeanStandardDeviation);
            Json.Number(json, "sampled_latent_skew", SampledCodes.MeanAbsSkewness);
            Json.Number(json, "sampled_latent_kurtosis", SampledCodes.MeanExcessKurtosis);
            Json.Number(json, "sampled_aggregate_kl", SampledCodes.AggregateKl);
        }
        Json.Number(json, "test_reconstruction", Elbo.MeanReconstruction);
        if (IwLogLikelihood is not null)
        {
            Json.Number(json, "iw_log_likelihood", IwLogLikelihood);
            Json.Number(json, "iw_elbo_same_images", IwElbo);
            json.WriteNumber("iw_images", IwImages);
            json.WriteNumber("iw_samples", IwSamples);
        }
        json.WriteStartObject("latent_per_dimension");
        Json.Array(json, "mean", Codes.Mean);
        Json.Array(json, "std", Codes.StandardDeviation);
        Json.Array(json, "skew", Codes.Skewness);
        Json.Array(json, "kurtosis", Codes.ExcessKurtosis);
        json.WriteEndObject();
    }

    /// <summary>A few lines for the terminal.</summary>
    public IEnumerable<string> Describe()
    {
        yield return $"test reconstruction MSE per pixel   {TestReconMse:F5}";
        if (Kind == "vae")
            yield return $"test ELBO per image                 {Elbo.MeanElbo:F3}  (reconstruction {Elbo.MeanReconstruction:F3}, KL {Elbo.MeanKl:F3}; {(Likelihood == Likelihood.Bernoulli ? "nats" : "Gaussian term: squared error")})";
        else
            yield return $"test reconstruction term per image  {Elbo.MeanReconstruction:F3}";
        if (IwLogLikelihood is not null)
            yield return $"log p(x), importance-weighted       {IwLogLikelihood:F3}  (K = {IwSamples}, {IwImages} binarized test images; ELBO on them {IwElbo:F3})";
        else if (Kind == "vae" && Likelihood != Likelihood.Bernoulli)
            yield return "log p(x), importance-weighted       not estimated: a Gaussian decoder's term has no normalising constant here";
        yield return $"latent codes: mean |mean| {Codes.MeanAbsMean:F3}, std {Codes.MeanStandardDeviation:F3}, |skew| {Codes.MeanAbsSkewness:F3}, excess kurtosis {Codes.MeanExcessKurtosis:F3}";
        yield return $"              active units {Codes.ActiveUnits}/{Latent}, KL(N(m, S) ‖ N(0, I)) {Codes.AggregateKl:F3}, draws in holes: prior {PriorHoleFraction:P1}, fitted N(m, S) {FittedHoleFraction:P1}";
        if (SampledCodes is not null)
            yield return $"z ~ q(z|x):   std {SampledCodes.MeanStandardDeviation:F3}, |skew| {SampledCodes.MeanAbsSkewness:F3}, KL(N(m, S) ‖ N(0, I)) {SampledCodes.AggregateKl:F3}; mean posterior σ {PosteriorStd:F3}";
        if (Quality is not null)
            yield return $"samples ({Quality.Samples}): MNIST FID {Quality.Fid:F2}, mean classifier entropy {Quality.MeanEntropy:F3} nats";
    }
}

/// <summary>JSON helpers: numbers that may be missing or not finite become null.</summary>
internal static class Json
{
    public static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is double v && double.IsFinite(v)) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }

    public static void Array(Utf8JsonWriter json, string name, IEnumerable<double> values)
    {
        json.WriteStartArray(name);
        foreach (double v in values)
            if (double.IsFinite(v)) json.WriteNumberValue(v); else json.WriteNullValue();
        json.WriteEndArray();
    }

    /// <summary>Runs <paramref name="write"/> inside a fresh indented object and returns the text.</summary>
    public static string Object(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
