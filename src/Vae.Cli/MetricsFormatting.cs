using System.Text.Json;
using Vae.Simd;
using Vae.Simd.Evaluation;

namespace Vae.Cli;

/// <summary>How the CLI shows a model's <see cref="ModelMetrics"/>: JSON properties and a few lines for the terminal.</summary>
internal static class MetricsFormatting
{
    /// <summary>The metrics as JSON properties of the current object (snake_case; non-finite numbers as null).</summary>
    public static void WriteProperties(this ModelMetrics m, Utf8JsonWriter json)
    {
        json.WriteString("kind", m.Kind);
        json.WriteNumber("latent", m.Latent);
        json.WriteString("likelihood", m.Likelihood.ToString().ToLowerInvariant());
        json.WriteNumber("test_images", m.TestImages);
        Json.Number(json, "test_recon_mse", m.TestReconMse);
        Json.Number(json, "fid", m.Quality?.Fid);
        Json.Number(json, "sample_entropy", m.Quality?.MeanEntropy);
        if (m.Quality is not null) Json.Array(json, "sample_class_frequencies", m.Quality.ClassFrequencies);
        Json.Number(json, "sample_class_entropy", m.Quality?.ClassHistogramEntropy);
        Json.Number(json, "sample_pairwise_distance", m.Quality?.MeanPairwiseDistance);
        Json.Number(json, "latent_ks", m.Codes.MeanNormalKs);
        Json.Number(json, "latent_mean_abs", m.Codes.MeanAbsMean);
        Json.Number(json, "latent_std", m.Codes.MeanStandardDeviation);
        Json.Number(json, "latent_skew", m.Codes.MeanAbsSkewness);
        Json.Number(json, "latent_kurtosis", m.Codes.MeanExcessKurtosis);
        Json.Number(json, "aggregate_kl", m.Codes.AggregateKl);
        json.WriteNumber("active_units", m.Codes.ActiveUnits);
        Json.Number(json, "prior_hole_fraction", m.PriorHoleFraction);
        Json.Number(json, "fitted_hole_fraction", m.FittedHoleFraction);
        if (m.Kind == "vae")
        {
            Json.Number(json, "test_elbo", m.Elbo.MeanElbo);
            Json.Number(json, "test_kl", m.Elbo.MeanKl);
            Json.Number(json, "posterior_std", m.PosteriorStd);
            Json.Number(json, "sampled_latent_mean_abs", m.SampledCodes!.MeanAbsMean);
            Json.Number(json, "sampled_latent_std", m.SampledCodes.MeanStandardDeviation);
            Json.Number(json, "sampled_latent_skew", m.SampledCodes.MeanAbsSkewness);
            Json.Number(json, "sampled_latent_kurtosis", m.SampledCodes.MeanExcessKurtosis);
            Json.Number(json, "sampled_aggregate_kl", m.SampledCodes.AggregateKl);
            Json.Number(json, "sampled_latent_ks", m.SampledCodes.MeanNormalKs);
        }
        Json.Number(json, "test_reconstruction", m.Elbo.MeanReconstruction);
        if (m.IwLogLikelihood is not null)
        {
            Json.Number(json, "iw_log_likelihood", m.IwLogLikelihood);
            Json.Number(json, "iw_elbo_same_images", m.IwElbo);
            json.WriteNumber("iw_images", m.IwImages);
            json.WriteNumber("iw_samples", m.IwSamples);
        }
        json.WriteStartObject("latent_per_dimension");
        Json.Array(json, "mean", m.Codes.Mean);
        Json.Array(json, "std", m.Codes.StandardDeviation);
        Json.Array(json, "skew", m.Codes.Skewness);
        Json.Array(json, "kurtosis", m.Codes.ExcessKurtosis);
        json.WriteEndObject();
    }

    /// <summary>A few lines for the terminal.</summary>
    public static IEnumerable<string> Describe(this ModelMetrics m)
    {
        yield return $"test reconstruction MSE per pixel   {m.TestReconMse:F5}";
        if (m.Kind == "vae")
            yield return $"test ELBO per image                 {m.Elbo.MeanElbo:F3}  (reconstruction {m.Elbo.MeanReconstruction:F3}, KL {m.Elbo.MeanKl:F3}; {(m.Likelihood == Likelihood.Gaussian ? "Gaussian term: squared error" : "nats")})";
        else
            yield return $"test reconstruction term per image  {m.Elbo.MeanReconstruction:F3}";
        if (m.IwLogLikelihood is not null)
            yield return $"log p(x), importance-weighted       {m.IwLogLikelihood:F3}  (K = {m.IwSamples}, {m.IwImages} binarized test images; ELBO on them {m.IwElbo:F3})";
        else if (m.Kind == "vae" && m.Likelihood == Likelihood.Gaussian)
            yield return "log p(x), importance-weighted       not estimated: a squared-error decoder's term has no normalising constant (use gaussian-learned-variance)";
        yield return $"latent codes: mean |mean| {m.Codes.MeanAbsMean:F3}, std {m.Codes.MeanStandardDeviation:F3}, |skew| {m.Codes.MeanAbsSkewness:F3}, excess kurtosis {m.Codes.MeanExcessKurtosis:F3}";
        yield return $"              active units {m.Codes.ActiveUnits}/{m.Latent}, KL(N(m, S) ‖ N(0, I)) {m.Codes.AggregateKl:F3}, KS to N(0, 1) {m.Codes.MeanNormalKs:F3}, draws in holes: prior {m.PriorHoleFraction:P1}, fitted N(m, S) {m.FittedHoleFraction:P1}";
        if (m.SampledCodes is not null)
            yield return $"z ~ q(z|x):   std {m.SampledCodes.MeanStandardDeviation:F3}, |skew| {m.SampledCodes.MeanAbsSkewness:F3}, KL(N(m, S) ‖ N(0, I)) {m.SampledCodes.AggregateKl:F3}; mean posterior σ {m.PosteriorStd:F3}";
        if (m.Quality is not null)
            yield return $"samples ({m.Quality.Samples}): MNIST FID {m.Quality.Fid:F2}, mean classifier entropy {m.Quality.MeanEntropy:F3} nats, "
                + $"class-histogram entropy {m.Quality.ClassHistogramEntropy:F3} nats, mean pairwise RMS distance {m.Quality.MeanPairwiseDistance:F4}";
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
