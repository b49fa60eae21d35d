using Vae.Simd.Evaluation;
using System.Globalization;
using System.Text;
using Vae.Simd;
using Vae.Simd.Data;

namespace Vae.Cli;

/// <summary>One claim of the lecture with the measurement that tests it.</summary>
internal sealed record Claim(string Id, string Statement, string Verdict, string Evidence, string Figure);

/// <summary>report.md and report.json of <see cref="LectureExperiment"/>: the table, and each lecture claim with a verdict
/// computed from the numbers (the rules are stated in the report, and nothing is tuned to make them pass).</summary>
internal static class LectureReport
{
    private static string F(double v, int digits = 3) => double.IsFinite(v) ? v.ToString("F" + digits, CultureInfo.InvariantCulture) : "∞";
    private static string F(double? v, int digits = 3) => v is double d ? F(d, digits) : "–";

    public static void Write(LectureSettings s, (Dataset Train, Dataset Test) pair, int epochs, int samples, double accuracy, string classifierPath,
        BaselineNumbers baselines, IReadOnlyList<(LectureModel Spec, ModelMetrics Metrics, TraversalSummary Traversal)> results, double seconds)
    {
        var m = results.ToDictionary(r => r.Spec.Name, r => r.Metrics);
        var t = results.ToDictionary(r => r.Spec.Name, r => r.Traversal);
        var claims = Claims(m, t, baselines);
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "report.json"), Json.Object(json =>
        {
            json.WriteStartObject("experiment");
            json.WriteBoolean("quick", s.Quick);
            json.WriteNumber("train_images", pair.Train.Count);
            json.WriteNumber("test_images", pair.Test.Count);
            json.WriteNumber("epochs", epochs);
            json.WriteString("variant", s.Variant);
            json.WriteString("architecture", Architecture(s.Variant));
            json.WriteNumber("generated_samples", samples);
            json.WriteNumber("seed", s.Seed);
            json.WriteNumber("seconds", Math.Round(seconds, 1));
            Json.Number(json, "classifier_test_accuracy", accuracy);
            json.WriteEndObject();
            json.WriteStartObject("baselines");
            Json.Number(json, "real_images_fid", baselines.RealFid);
            Json.Number(json, "real_images_entropy", baselines.RealEntropy);
            Json.Number(json, "mean_image_mse", baselines.MeanImageMse);
            json.WriteEndObject();
            json.WriteStartObject("models");
            foreach (var (spec, metrics, traversal) in results)
            {
                json.WriteStartObject(spec.Name);
                json.WriteNumber("mse_weight", spec.MseWeight);
                json.WriteNumber("kl_weight", spec.KlWeight);
                metrics.WriteProperties(json);
                Json.Number(json, "traversal_entropy", traversal.MeanEntropy);
                json.WriteNumber("traversal_dimensions_changing_digit", traversal.DimensionsChangingDigit);
                Json.Number(json, "traversal_step_rms", traversal.MeanStepChange);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteStartArray("claims");
            foreach (var c in claims)
            {
                json.WriteStartObject();
                json.WriteString("id", c.Id);
                json.WriteString("claim", c.Statement);
                json.WriteString("verdict", c.Verdict);
                json.WriteString("evidence", c.Evidence);
                json.WriteString("figure", c.Figure);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }));
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "report.md"), Markdown(s, pair, epochs, samples, accuracy, classifierPath, baselines, results, claims, seconds));
    }

    public static string Architecture(string variant) => "MLP 784 → 512 → 256 → latent (encoder; a VAE has two heads, μ and log σ²), mirrored decoder, "
        + (variant == "linear" ? "no hidden nonlinearity (identity: every layer affine, the lecture's \"linear VAE\" read literally)" : "ReLU")
        + ", sigmoid output; Gaussian (MSE) reconstruction; Adam, learning rate 1e-3, batch 128";

    /// <summary>The markdown table of the main numbers (also pasted into README).</summary>
    public static string Table(IReadOnlyList<(LectureModel Spec, ModelMetrics Metrics, TraversalSummary Traversal)> results)
    {
        var b = new StringBuilder();
        b.AppendLine("| model | weights (MSE, KL) | test MSE | test ELBO | MNIST FID | sample entropy | mean \\|mean\\| | std | \\|skew\\| | excess kurtosis | aggregate KL | draws in holes: prior | fitted | active units |");
        b.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (spec, x, _) in results)
            b.AppendLine($"| {spec.Name} | {spec.MseWeight.ToString(CultureInfo.InvariantCulture)}, {spec.KlWeight.ToString(CultureInfo.InvariantCulture)} | {F(x.TestReconMse, 4)} | {(x.Kind == "vae" ? F(x.Elbo.MeanElbo, 2) : "–")} | {F(x.Quality?.Fid, 1)} | {F(x.Quality?.MeanEntropy, 3)} | "
                + $"{F(x.Codes.MeanAbsMean)} | {F(x.Codes.MeanStandardDeviation)} | {F(x.Codes.MeanAbsSkewness)} | {F(x.Codes.MeanExcessKurtosis)} | {F(x.Codes.AggregateKl, 2)} | {x.PriorHoleFraction.ToString("P1", CultureInfo.InvariantCulture)} | {x.FittedHoleFraction.ToString("P1", CultureInfo.InvariantCulture)} | {x.Codes.ActiveUnits}/{x.Latent} |");
        return b.ToString();
    }

    private static string Verdict(bool supported) => supported ? "supported" : "contradicted";

    private static string Yes(bool holds) => holds ? "yes" : "no";

    /// <summary>A remark when the entropy of the samples ranks two models the other way round from their FID.</summary>
    private static string EntropyRemark(ModelMetrics a, ModelMetrics b, string nameA, string nameB)
    {
        if (a.Quality is null || b.Quality is null) return "";
        bool fidPrefersA = a.Quality.Fid < b.Quality.Fid, entropyPrefersA = a.Quality.MeanEntropy < b.Quality.MeanEntropy;
        if (fidPrefersA == entropyPrefersA) return "";
        var (byFid, byEntropy) = fidPrefersA ? (nameA, nameB) : (nameB, nameA);
        return $" The entropy ranks them the other way: {byEntropy}'s samples are more often one clear digit, {byFid}'s closer to the test set as a whole (the FID also rewards variety).";
    }

    /// <summary>Each claim of the lecture, tested by a stated rule on the measured numbers.</summary>
    public static IReadOnlyList<Claim> Claims(IReadOnlyDictionary<string, ModelMetrics> m, IReadOnlyDictionary<string, TraversalSummary> t, BaselineNumbers baselines)
    {
        var (ae2, ae10, vae2, vae10, kl, rec) = (m["ae-2"], m["ae-10"], m["vae-2"], m["vae-10"], m["vae-10-kl-only"], m["vae-10-recon-only"]);
        static double Fid(ModelMetrics x) => x.Quality?.Fid ?? double.NaN;
        var claims = new List<Claim>();

        claims.Add(new Claim("ae-dimension",
            "An autoencoder's latent space can be sampled at dimension 2 but not at dimension 10.",
            Verdict(Fid(ae10) > Fid(ae2)),
            $"Rule: FID(ae-10) > FID(ae-2), both decoding z ~ N(0, I). FID ae-2 {F(Fid(ae2), 1)}, ae-10 {F(Fid(ae10), 1)} (real images {F(baselines.RealFid, 1)}); "
            + $"prior draws in holes ae-2 {ae2.PriorHoleFraction:P1}, ae-10 {ae10.PriorHoleFraction:P1}. "
            + $"An AE has no prior, so N(0, I) is only a guess at where its codes are (their std: ae-2 {F(ae2.Codes.MeanStandardDeviation, 2)}, ae-10 {F(ae10.Codes.MeanStandardDeviation, 2)}).",
            "figures/samples-by-model.png (rows 1–2), models/ae-2/latent-map.png"));

        // Three properties, each tested against the VAE of the same size; "clearly" means at least twice as much.
        bool offCentre = ae10.Codes.MeanAbsMean > 2 * vae10.Codes.MeanAbsMean;
        bool skewed = ae10.Codes.MeanAbsSkewness > 2 * vae10.Codes.MeanAbsSkewness;
        // Holes are judged with draws from each model's own fitted Gaussian N(m, S): N(0, I) would measure the
        // AE's arbitrary scale as much as its gaps (a wide code cloud puts every N(0, I) draw among codes).
        bool holes = ae10.FittedHoleFraction >= 2 * vae10.FittedHoleFraction;
        int shapeHolds = (offCentre ? 1 : 0) + (skewed ? 1 : 0) + (holes ? 1 : 0);
        claims.Add(new Claim("ae-shape",
            "At dimension 10 the autoencoder's latent distribution has holes and is skewed and off-centre.",
            shapeHolds == 3 ? "supported" : shapeHolds == 0 ? "contradicted" : "partly supported",
            $"Rules, each against vae-10: off-centre if mean |mean| is at least twice vae-10's ({Yes(offCentre)}: {F(ae10.Codes.MeanAbsMean)} vs {F(vae10.Codes.MeanAbsMean)}); "
            + $"skewed if mean |skew| is at least twice vae-10's ({Yes(skewed)}: {F(ae10.Codes.MeanAbsSkewness)} vs {F(vae10.Codes.MeanAbsSkewness)}); "
            + $"holes if at least twice as many draws from the codes' own fitted Gaussian N(m, S) land in a hole ({Yes(holes)}: {ae10.FittedHoleFraction:P1} vs {vae10.FittedHoleFraction:P1}, {F(ae10.FittedHoleFraction / vae10.FittedHoleFraction, 1)}×; "
            + "about 1 % when codes fill their Gaussian). "
            + $"With N(0, I) draws instead: {ae10.PriorHoleFraction:P1} vs {vae10.PriorHoleFraction:P1}: the AE's wide code cloud puts N(0, I) draws among codes while still covering only its centre. "
            + $"Also: code std {F(ae10.Codes.MeanStandardDeviation)} vs {F(vae10.Codes.MeanStandardDeviation)}, excess kurtosis {F(ae10.Codes.MeanExcessKurtosis)} vs {F(vae10.Codes.MeanExcessKurtosis)}; "
            + $"at dimension 2 the AE's codes are far more skewed (|skew| {F(ae2.Codes.MeanAbsSkewness)}, excess kurtosis {F(ae2.Codes.MeanExcessKurtosis)}, std {F(ae2.Codes.MeanStandardDeviation, 2)}). "
            + $"At dimension 2: fitted-Gaussian draws in holes ae-2 {ae2.FittedHoleFraction:P1}, vae-2 {vae2.FittedHoleFraction:P1}.",
            "models/ae-10/latent-histograms.png vs models/vae-10/latent-histograms.png, models/ae-2/latent-map.png"));

        claims.Add(new Claim("vae-normal",
            "A VAE (MSE weight 10, KL weight 0.001) pulls the latent distribution toward N(0, I).",
            Verdict(vae10.Codes.AggregateKl < ae10.Codes.AggregateKl && vae2.Codes.AggregateKl < ae2.Codes.AggregateKl),
            $"Rule: KL(N(m, S) ‖ N(0, I)) of the test codes is lower for the VAE than for the AE at both dimensions. "
            + $"dimension 10: VAE {F(vae10.Codes.AggregateKl, 2)} vs AE {F(ae10.Codes.AggregateKl, 2)}; dimension 2: VAE {F(vae2.Codes.AggregateKl, 2)} vs AE {F(ae2.Codes.AggregateKl, 2)}. "
            + $"How close it gets: vae-10 code std {F(vae10.Codes.MeanStandardDeviation)}, |mean| {F(vae10.Codes.MeanAbsMean)}, excess kurtosis {F(vae10.Codes.MeanExcessKurtosis)}; "
            + $"z ~ q(z|x) aggregate KL {F(vae10.SampledCodes?.AggregateKl, 2)}.",
            "models/vae-10/latent-histograms.png, models/vae-2/latent-map.png"));

        bool klNormal = kl.Elbo.MeanKl < 0.05 && (kl.SampledCodes?.AggregateKl ?? double.PositiveInfinity) < 0.05;
        bool klNoReconstruction = kl.TestReconMse >= 0.9 * baselines.MeanImageMse;
        claims.Add(new Claim("kl-only",
            "With the KL term alone the latent space is perfectly normal, but nothing is reconstructed.",
            klNormal && klNoReconstruction ? "supported" : klNormal || klNoReconstruction ? "partly supported" : "contradicted",
            $"Rules: normal if the mean KL per image and the aggregate KL of z ~ q(z|x) are both below 0.05 nats; nothing reconstructed if the test MSE is at least 0.9× that of "
            + $"always answering the mean training image ({F(baselines.MeanImageMse, 4)}). Measured: KL per image {F(kl.Elbo.MeanKl, 4)}, aggregate KL of z {F(kl.SampledCodes?.AggregateKl, 4)}, "
            + $"posterior σ {F(kl.PosteriorStd)}, test MSE {F(kl.TestReconMse, 4)}. Every q(z|x) is the prior, so μ collapses to a point (μ std {F(kl.Codes.MeanStandardDeviation, 4)}): "
            + "the normality is that of the noise, and the code says nothing about the image.",
            "figures/reconstructions-by-model.png (row 6), models/vae-10-kl-only/samples.png"));

        bool recReconstructs = rec.TestReconMse <= 1.1 * ae10.TestReconMse;
        bool recNotGaussian = rec.Codes.AggregateKl > 2 * vae10.Codes.AggregateKl;
        claims.Add(new Claim("recon-only",
            "With the reconstruction term alone the model reconstructs, but its latent space is not Gaussian.",
            recReconstructs && recNotGaussian ? "supported" : recReconstructs || recNotGaussian ? "partly supported" : "contradicted",
            $"Rules: reconstructs if its test MSE is within 1.1× of ae-10's; not Gaussian if its aggregate KL is more than twice vae-10's. "
            + $"MSE {F(rec.TestReconMse, 4)} vs ae-10 {F(ae10.TestReconMse, 4)}; aggregate KL {F(rec.Codes.AggregateKl, 2)} vs vae-10 {F(vae10.Codes.AggregateKl, 2)}; "
            + $"|skew| {F(rec.Codes.MeanAbsSkewness)}, std {F(rec.Codes.MeanStandardDeviation)}, posterior σ {F(rec.PosteriorStd)}, draws in holes: prior {rec.PriorHoleFraction:P1}, fitted {rec.FittedHoleFraction:P1}.",
            "models/vae-10-recon-only/latent-histograms.png, figures/samples-by-model.png (row 6)"));

        claims.Add(new Claim("vae-dimension",
            "A VAE generates better at dimension 10 than at dimension 2.",
            Verdict(Fid(vae10) < Fid(vae2)),
            $"Rule: FID(vae-10) < FID(vae-2). FID vae-10 {F(Fid(vae10), 1)}, vae-2 {F(Fid(vae2), 1)}; sample entropy {F(vae10.Quality?.MeanEntropy)} vs {F(vae2.Quality?.MeanEntropy)} nats." + EntropyRemark(vae10, vae2, "vae-10", "vae-2"),
            "figures/samples-by-model.png (rows 3–4)"));

        claims.Add(new Claim("vae-vs-ae",
            "At dimension 10 a VAE generates better than an autoencoder.",
            Verdict(Fid(vae10) < Fid(ae10)),
            $"Rule: FID(vae-10) < FID(ae-10). FID vae-10 {F(Fid(vae10), 1)}, ae-10 {F(Fid(ae10), 1)}; sample entropy {F(vae10.Quality?.MeanEntropy)} vs {F(ae10.Quality?.MeanEntropy)} nats." + EntropyRemark(vae10, ae10, "vae-10", "ae-10"),
            "figures/samples-by-model.png (rows 2 and 4)"));

        claims.AddRange(Ablation2D(m, baselines));

        var (tv, ta) = (t["vae-10"], t["ae-10"]);
        claims.Add(new Claim("interpretable",
            "A continuous latent space makes each latent variable interpretable.",
            "judged from the figure (proxy below)",
            $"Interpretability is a judgement about pictures; the proxy is what the judge classifier sees along each traversal (±3 prior units for a VAE, ±3 code std for an AE). "
            + $"vae-10: mean entropy {F(tv.MeanEntropy)} nats, {tv.DimensionsChangingDigit}/10 dimensions change the digit, RMS pixel change per step {F(tv.MeanStepChange, 4)}; "
            + $"ae-10: {F(ta.MeanEntropy)} nats, {ta.DimensionsChangingDigit}/10, {F(ta.MeanStepChange, 4)}. "
            + "Low entropy with a steady step means every frame is a clear digit and the change is gradual.",
            "models/vae-10/traversal.png vs models/ae-10/traversal.png, models/vae-2/latent-grid.png"));
        return claims;
    }

    /// <summary>The lecture's three claims about its 2-D ablation (MSE + KL, KL only, MSE only), each tested on z ~ q(z|x), one draw per
    /// test image: the points the lecture plots. "Normal" is measured two ways: the KL from the points' fitted Gaussian to N(0, I),
    /// and the Kolmogorov–Smirnov distance of each coordinate to N(0, 1), which draws from N(0, 1) keep below 1.36/√n (95 %).</summary>
    private static IEnumerable<Claim> Ablation2D(IReadOnlyDictionary<string, ModelMetrics> m, BaselineNumbers baselines)
    {
        var (both, klOnly, mseOnly, ae2) = (m["vae-2"], m["vae-2-kl-only"], m["vae-2-recon-only"], m["ae-2"]);
        static double Kl(ModelMetrics x) => x.SampledCodes?.AggregateKl ?? double.NaN;
        static double Ks(ModelMetrics x) => x.SampledCodes?.MeanNormalKs ?? double.NaN;
        static double Fid(ModelMetrics x) => x.Quality?.Fid ?? double.NaN;
        static double Spread(ModelMetrics x) => x.Quality?.MeanPairwiseDistance ?? double.NaN;
        static double Classes(ModelMetrics x) => x.Quality?.ClassHistogramEntropy ?? double.NaN;
        double ksBound = 1.36 / Math.Sqrt(both.TestImages);
        string Points(ModelMetrics x) => $"aggregate KL {F(Kl(x), 3)}, KS {F(Ks(x), 3)}";

        bool moreGaussian = Kl(both) < 0.5 * Kl(mseOnly) && Ks(both) < Ks(mseOnly);
        bool generatesBetter = Fid(both) < Fid(mseOnly);
        double gain = Fid(mseOnly) / Fid(both);
        bool clearly = gain >= 1.5;
        yield return new Claim("ablation-2d-mse-kl",
            "Dimension 2, MSE + KL (10, 0.001): the latent points are spread much more like a Gaussian, and generation should improve — \"but it is not so clear in dimension 2\".",
            moreGaussian && generatesBetter && !clearly ? "supported"
                : moreGaussian && generatesBetter ? "partly supported: the improvement is clear, not \"not so clear\""
                : moreGaussian ? "partly supported: more Gaussian, but generation does not improve" : "contradicted",
            $"Rules, against the MSE-only model: more like a Gaussian if the points' aggregate KL is below half of its and their KS distance is lower ({Yes(moreGaussian)}: "
            + $"{Points(both)} vs {Points(mseOnly)}); generation improves if the FID is lower ({Yes(generatesBetter)}: {F(Fid(both), 1)} vs {F(Fid(mseOnly), 1)}); "
            + $"the improvement counts as clear if the FID falls by at least 1.5× ({Yes(clearly)}: {F(gain, 2)}×). For scale: ae-2 FID {F(Fid(ae2), 1)}, real images {F(baselines.RealFid, 2)}.",
            "figures/ablation-2d.png (left vs right), figures/ablation-2d-samples.png");

        bool perfectlyNormal = Ks(klOnly) < ksBound && Kl(klOnly) < 0.05;
        bool reconstructsNothing = klOnly.TestReconMse >= 0.9 * baselines.MeanImageMse;
        yield return new Claim("ablation-2d-kl-only",
            "Dimension 2, KL only: the latent points are \"perfectly\" normally distributed, but the network has learned to reconstruct nothing.",
            perfectlyNormal && reconstructsNothing ? "supported" : perfectlyNormal || reconstructsNothing ? "partly supported" : "contradicted",
            $"Rules: perfectly normal if the KS distance of the points to N(0, 1) is below the 95 % bound for as many true N(0, 1) draws, 1.36/√{both.TestImages} = {F(ksBound, 4)}, "
            + $"and their aggregate KL is below 0.05 ({Yes(perfectlyNormal)}: KS {F(Ks(klOnly), 4)}, KL {F(Kl(klOnly), 4)}); reconstructs nothing if the test MSE is at least 0.9× "
            + $"that of always answering the mean training image, {F(baselines.MeanImageMse, 4)} ({Yes(reconstructsNothing)}: {F(klOnly.TestReconMse, 4)}). "
            + $"μ collapses (std {F(klOnly.Codes.MeanStandardDeviation, 4)}) and σ ≈ 1 (mean posterior σ {F(klOnly.PosteriorStd)}): the points are the noise ε itself.",
            "figures/ablation-2d.png (centre), figures/ablation-2d-samples.png (row 2)");

        bool notNormal = Kl(mseOnly) > 2 * Kl(both) && Ks(mseOnly) > 2 * Ks(both);
        bool reconstructs = mseOnly.TestReconMse <= 1.1 * ae2.TestReconMse;
        bool similar = Spread(mseOnly) < Spread(both) && Classes(mseOnly) < Classes(both);
        int holds = (notNormal ? 1 : 0) + (reconstructs ? 1 : 0) + (similar ? 1 : 0);
        yield return new Claim("ablation-2d-mse-only",
            "Dimension 2, MSE only: the points are no longer normally distributed; the network reconstructs, but samples drawn from N(0, 1) decode to rather similar-looking data.",
            holds == 3 ? "supported" : holds == 0 ? "contradicted" : $"partly supported ({holds} of 3)",
            $"Rules: not normal if the points' aggregate KL and KS distance are both more than twice vae-2's ({Yes(notNormal)}: {Points(mseOnly)} vs {Points(both)}); "
            + $"reconstructs if the test MSE is within 1.1× of ae-2's ({Yes(reconstructs)}: {F(mseOnly.TestReconMse, 4)} vs {F(ae2.TestReconMse, 4)}); "
            + $"\"rather similar\" samples if both the mean pairwise RMS distance between decoded N(0, I) draws and the entropy of the judge's class histogram are below vae-2's "
            + $"({Yes(similar)}: distance {F(Spread(mseOnly), 4)} vs {F(Spread(both), 4)}, class entropy {F(Classes(mseOnly), 3)} vs {F(Classes(both), 3)} nats of ln 10 = 2.303; "
            + $"classes: {ClassList(mseOnly)} vs {ClassList(both)}). Its posterior σ is {F(mseOnly.PosteriorStd, 4)}: nothing ties its code cloud to N(0, 1) "
            + $"(code std {F(mseOnly.Codes.MeanStandardDeviation, 2)}), so N(0, 1) draws fall in a small part of it.",
            "figures/ablation-2d.png (right), figures/ablation-2d-samples.png (row 3)");
    }

    private static string ClassList(ModelMetrics x)
        => x.Quality is null ? "–" : string.Join(" ", x.Quality.ClassFrequencies.Select((f, c) => (f, c)).Where(p => p.f >= 0.05).OrderByDescending(p => p.f)
            .Select(p => $"{p.c}:{p.f.ToString("P0", CultureInfo.InvariantCulture)}"));

    private static string Markdown(LectureSettings s, (Dataset Train, Dataset Test) pair, int epochs, int samples, double accuracy, string classifierPath,
        BaselineNumbers baselines, IReadOnlyList<(LectureModel Spec, ModelMetrics Metrics, TraversalSummary Traversal)> results,
        IReadOnlyList<Claim> claims, double seconds)
    {
        var b = new StringBuilder();
        b.AppendLine("# The lecture's comparison, measured");
        b.AppendLine();
        if (s.Quick) b.AppendLine("**--quick run: a subset and 2 epochs. The pipeline is exercised; the numbers and verdicts mean nothing.**\n");
        b.AppendLine($"Data: {pair.Train.Count} training and {pair.Test.Count} test images from `{s.DataDirectory}`. {epochs} epochs per model, seed {s.Seed}, {seconds:F0} s in all.");
        b.AppendLine();
        b.AppendLine($"Architecture (all {results.Count} models, {s.Variant} variant): {Architecture(s.Variant)}.");
        b.AppendLine();
        b.AppendLine("Loss weights: the lecture puts 10 on the MSE and 0.001 on the KL. An MSE is a mean over the 784 pixels; the library's Gaussian term is the squared error summed "
            + "over pixels, so the MSE weight 10 is applied as 10/784 on that sum. The KL is the analytic KL of each image, summed over latent dimensions. "
            + "The AEs use the same reconstruction weight. `vae-10-kl-only` and `vae-2-kl-only` set the reconstruction weight to 0, `vae-10-recon-only` and "
            + "`vae-2-recon-only` the KL weight; the dimension-2 pair is the lecture's own ablation (its three 2-D panels: MSE + KL, KL only, MSE only).");
        b.AppendLine();
        b.AppendLine($"Sample quality: {samples} decoded draws z ~ N(0, I) per model (the same procedure for AEs, which have no prior), judged by an MLP classifier "
            + $"784 → 512 → 256 → 10 trained by this library (test accuracy {accuracy:P2}; `{Path.GetFileName(classifierPath)}`). "
            + $"\"MNIST FID\" is the Fréchet distance between its 256-wide feature layer on the samples and on the test images; {baselines.RealImages} real training images score {F(baselines.RealFid, 2)} "
            + $"(sample entropy {F(baselines.RealEntropy)} nats), the floor. Always answering the mean training image gives a test MSE of {F(baselines.MeanImageMse, 4)}.");
        b.AppendLine();
        b.AppendLine("Latent statistics are over the test set's codes (μ for a VAE): per dimension mean, standard deviation, skewness and excess kurtosis, averaged over dimensions "
            + "(|mean| and |skew| in absolute value); the aggregate KL is KL(N(m, S) ‖ N(0, I)) of the codes' mean and covariance; \"draws in holes\" is the fraction of 1000 draws "
            + "farther from every test code than 99% of codes are from their nearest neighbour, drawn from the prior N(0, I) or from N(m, S), the Gaussian fitted to the codes "
            + "(about 1 % when the codes fill it); active units have a code variance above 0.01. "
            + "Test ELBO is per image, with the Gaussian term as summed squared error (so it is −log N(x; x̂, ½I) without its constant).");
        b.AppendLine();
        b.Append(Table(results));
        b.AppendLine();
        b.AppendLine("## The lecture's claims");
        b.AppendLine();
        foreach (var c in claims)
        {
            b.AppendLine($"**{c.Statement}** — *{c.Verdict}*.");
            b.AppendLine();
            b.AppendLine(c.Evidence + $" Figure: `{c.Figure}`.");
            b.AppendLine();
        }
        b.AppendLine("## Figures");
        b.AppendLine();
        b.AppendLine("- `figures/samples-by-model.png`: one row per model in the table's order, each decoding the same 12 draws z ~ N(0, I).");
        b.AppendLine("- `figures/reconstructions-by-model.png`: the first 12 test images, then one row of reconstructions per model.");
        b.AppendLine("- `figures/ablation-2d.png`: the lecture's ablation figure — one z ~ q(z|x) per test image of vae-2 (MSE + KL), vae-2-kl-only and vae-2-recon-only, "
            + "coloured by digit, on one shared scale; `figures/ablation-2d-samples.png`: the three models decoding the same 12 draws z ~ N(0, I).");
        b.AppendLine("- `models/<name>/`: `samples.png`, `reconstructions.png`, `latent-histograms.png` (test codes per dimension against the N(0, 1) density), "
            + "`traversal.png` (row d: dimension d varied, the others held at test image 0's code), `interpolation.png`; for 2-D models also `latent-map.png` (codes by digit) "
            + "and `latent-grid.png` (decoded 20×20 grid over the plane); `evaluation.json`, `metrics.json`, the model.");
        b.AppendLine();
        b.AppendLine("Regenerate: `dotnet run -c Release --project src/Vae.Cli -- experiment lecture --out DIR`.");
        return b.ToString();
    }
}
