using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vae.Simd;
using Vae.Simd.Evaluation;
using Vae.Simd.Tensors;

namespace Vae.Cli;

/// <summary>The settings of one <c>vae experiment burda</c> run.</summary>
internal sealed record BurdaSettings
{
    public required string DataDirectory { get; init; }
    public required string OutputDirectory { get; init; }
    /// <summary>One run per entry: k = 1 trains the VAE (the ELBO), k &gt; 1 the IWAE with k samples.</summary>
    public IReadOnlyList<int> Ks { get; init; } = [1, 5];
    /// <summary>Epochs per run: the whole schedule (3,280) unless truncated.</summary>
    public int Epochs { get; init; } = LearningRateSchedule.BurdaEpochs;
    public bool Quick { get; init; }
    public int Threads { get; init; } = Environment.ProcessorCount;
    public ulong Seed { get; init; } = 1;
    public int IwSamples { get; init; } = 5000;
    public int IwImages { get; init; } = 10_000;
    public bool Quiet { get; init; }

    /// <summary>The --quick subset: every step on a little data.</summary>
    public const int QuickTrainImages = 2000, QuickTestImages = 200, QuickEpochs = 2, QuickIwSamples = 50, QuickIwImages = 50;
}

/// <summary>
/// Burda, Grosse &amp; Salakhutdinov (ICLR 2016), Table 1, MNIST, one stochastic layer: dynamically binarized MNIST, encoder
/// 784-200-200-(50, 50), decoder 50-200-200-784, tanh, Bernoulli; Adam β = (0.9, 0.999), ε = 1e-4; batch 20; 3^i epochs at
/// 1e-3·10^(−i/7) for i = 0…7; test log-likelihood by importance sampling with K = 5000. Runs resume from their checkpoints, so
/// a long run can be continued by running the command again.
/// </summary>
internal static class BurdaExperiment
{
    /// <summary>The paper's Table 1 (test log p(x), nats) and an independent TensorFlow 2 reproduction's, by (objective, k).</summary>
    public static readonly IReadOnlyDictionary<(string Objective, int K), (double Paper, double Reproduction)> Published = new Dictionary<(string, int), (double, double)>
    {
        [("vae", 1)] = (-86.76, -87.75),
        [("iwae", 5)] = (-85.54, -85.50),
        [("iwae", 50)] = (-84.78, -84.65),
    };

    public static string RunName(int k) => k == 1 ? "vae-k1" : $"iwae-k{k}";

    public static void Run(BurdaSettings s, TextWriter output)
    {
        var log = s.Quiet ? TextWriter.Null : output;
        // Runs in DIR resume rather than being replaced; the lock keeps two experiments from writing one report.
        using var folder = RunFolder.Claim(s.OutputDirectory, "--out");
        var clock = Stopwatch.StartNew();
        var test = Dataset.LoadMnist(s.DataDirectory).Test;
        int epochs = s.Quick ? Math.Min(s.Epochs, BurdaSettings.QuickEpochs) : s.Epochs;
        int iwSamples = s.Quick ? BurdaSettings.QuickIwSamples : s.IwSamples, iwImages = s.Quick ? BurdaSettings.QuickIwImages : s.IwImages;
        if (s.Quick) test = test.Take(BurdaSettings.QuickTestImages);
        Directory.CreateDirectory(s.OutputDirectory);
        log.WriteLine($"Burda et al. (2016) Table 1{(s.Quick ? " (--quick: a subset, numbers not meaningful)" : "")}: k = {string.Join(", ", s.Ks)}, "
            + $"{epochs} of {LearningRateSchedule.BurdaEpochs} epochs → {s.OutputDirectory}");

        var results = new List<BurdaResult>();
        foreach (int k in s.Ks)
        {
            string name = RunName(k), dir = Path.Combine(s.OutputDirectory, name);
            var settings = new TrainCommand.Settings(s.DataDirectory,
                new ModelConfig { Hidden = [200, 200], Latent = 50, Activation = ActivationKind.Tanh, Likelihood = Likelihood.Bernoulli },
                new TrainingOptions
                {
                    Epochs = epochs, BatchSize = 20, LearningRate = 1e-3f, AdamEpsilon = 1e-4f, Binarize = BinarizationMode.Dynamic,
                    Objective = k == 1 ? Objective.Elbo : Objective.Iwae, Samples = k, Threads = s.Threads, Seed = s.Seed,
                },
                dir, Force: true, Quiet: s.Quiet, Limit: s.Quick ? BurdaSettings.QuickTrainImages : 0)
            { Schedule = ScheduleKind.Burda, EvaluateEvery = s.Quick ? 1 : 10 };
            var progress = new EpochProgress(s.Quiet, log, interactive: false);
            log.WriteLine($"[{name}]");
            if (File.Exists(Path.Combine(dir, TrainCommand.CheckpointFile)))
            {
                var recorded = TrainCommand.ReadSettings(dir);
                // A run made with another recipe (a --quick subset, another seed) would be continued as this one and reported
                // under this one's name: refused, with what differs.
                var differences = new List<string>();
                if (recorded.Limit != settings.Limit) differences.Add(recorded.Limit == 0 ? "it trains on every image, this run on a --quick subset" : $"it trains on the first {recorded.Limit:N0} images{(settings.Limit == 0 ? ", this run on all of them" : "")}");
                if (recorded.Training.Seed != settings.Training.Seed) differences.Add($"its seed is {recorded.Training.Seed}, this run's {settings.Training.Seed}");
                if (recorded.EvaluateEvery != settings.EvaluateEvery) differences.Add($"it evaluates every {recorded.EvaluateEvery} epochs, this run every {settings.EvaluateEvery}");
                if (differences.Count > 0)
                    throw new CliError($"{dir} holds a run of another recipe ({string.Join("; ", differences)}); it cannot be continued as this one: use another --out, or delete {dir}");
                TrainCommand.Resume(recorded with { Quiet = s.Quiet, Training = recorded.Training with { Epochs = epochs } }, progress);
            }
            else
                TrainCommand.Train(settings, progress);
            results.Add(Measure(name, k, dir, test, iwSamples, iwImages, s, log));
        }
        Write(s, results, epochs, iwSamples, iwImages, clock.Elapsed.TotalSeconds);
        log.WriteLine($"wrote {Path.Combine(s.OutputDirectory, "report.md")} and report.json in {clock.Elapsed.TotalSeconds:F0} s");
    }

    internal sealed record BurdaResult(string Name, string Objective, int K, int Epochs, double TestLogLikelihood, double StandardError, double TestElbo, int ActiveUnits,
        double Seconds, double SamplesPerSecond, IReadOnlyList<(int Epoch, double TestLoss)> Curve);

    private static BurdaResult Measure(string name, int k, string dir, Dataset test, int iwSamples, int iwImages, BurdaSettings s, TextWriter log)
    {
        using var model = VariationalAutoencoder.Load(dir);
        // The test set binarized once (seeded), as the paper's test log-likelihoods are of binary images.
        var binary = test.Take(iwImages).Binarized(s.Seed ^ 0xB1A7UL);
        double[] perImage = model.ImportanceWeightedLogLikelihood(binary.Rows(0, binary.Count), iwSamples, s.Seed, s.Threads);
        double logLikelihood = perImage.Average();
        // The estimate is a mean over test images; its standard error says how far a subset's number may sit from the full set's.
        double standardError = perImage.Length < 2 ? double.NaN
            : Math.Sqrt(perImage.Sum(v => (v - logLikelihood) * (v - logLikelihood)) / (perImage.Length - 1) / perImage.Length);
        double elbo = -model.Evaluate(binary, seed: s.Seed, threads: s.Threads).TotalPerSample;
        using var codes = new Matrix(binary.Count, model.Latent);
        model.EncodeMean(binary.Rows(0, binary.Count), codes.Span);
        int active = LatentStatistics.Of(codes.AsReadOnlySpan()).ActiveUnits;
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")));
        var epochs = metrics.RootElement.GetProperty("epochs").EnumerateArray().ToList();
        var curve = epochs.Where(e => e.GetProperty("test_loss").ValueKind == JsonValueKind.Number)
            .Select(e => (e.GetProperty("epoch").GetInt32(), e.GetProperty("test_loss").GetDouble())).ToList();
        double seconds = epochs.Sum(e => e.GetProperty("seconds").GetDouble());
        double rate = epochs.Count == 0 ? 0 : epochs.Average(e => e.GetProperty("samples_per_second").GetDouble());
        log.WriteLine($"  {name}: log p(x) {logLikelihood:F2} ± {standardError:F2} nats (K = {iwSamples}, {binary.Count} binarized test images), ELBO {elbo:F2}, {active}/50 active units, "
            + $"{model.EpochsTrained} epochs in {seconds:F0} s ({rate:N0} rows/s)");
        return new BurdaResult(name, k == 1 ? "vae" : "iwae", k, model.EpochsTrained, logLikelihood, standardError, elbo, active, seconds, rate, curve);
    }

    private static string F(double v, int digits = 2) => v.ToString("F" + digits, CultureInfo.InvariantCulture);

    private static void Write(BurdaSettings s, IReadOnlyList<BurdaResult> results, int epochs, int iwSamples, int iwImages, double seconds)
    {
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "report.json"), Json.Object(json =>
        {
            json.WriteStartArray("runs");
            foreach (var r in results)
            {
                json.WriteStartObject();
                json.WriteString("objective", r.Objective);
                json.WriteNumber("k", r.K);
                json.WriteNumber("epochs", r.Epochs);
                Json.Number(json, "test_log_likelihood", Math.Round(r.TestLogLikelihood, 3));
                Json.Number(json, "standard_error", Math.Round(r.StandardError, 3));
                json.WriteNumber("active_units", r.ActiveUnits);
                json.WriteNumber("seconds", Math.Round(r.Seconds));
                Json.Number(json, "test_elbo", Math.Round(r.TestElbo, 3));
                json.WriteNumber("samples_per_second", Math.Round(r.SamplesPerSecond));
                if (Published.TryGetValue((r.Objective, r.K), out var p))
                {
                    json.WriteNumber("paper", p.Paper);
                    json.WriteNumber("reproduction", p.Reproduction);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteBoolean("quick", s.Quick);
            json.WriteNumber("schedule_epochs", LearningRateSchedule.BurdaEpochs);
            json.WriteNumber("iw_samples", iwSamples);
            json.WriteNumber("iw_images", iwImages);
            json.WriteNumber("seed", s.Seed);
        }));

        var series = results.Where(r => r.Curve.Count > 0).Select(r => (r.Name, r.Curve.Select(c => (double)c.Epoch).ToArray(), r.Curve.Select(c => -c.TestLoss).ToArray())).ToList();
        if (series.Count > 0)
            Plots.Lines(Path.Combine(s.OutputDirectory, "training-curves.png"), "Test ELBO during training (binarized test set, one z per image)", "epoch", "ELBO (nats)", series);

        var b = new StringBuilder();
        b.AppendLine("# Burda et al. (2016), Table 1, measured");
        b.AppendLine();
        if (s.Quick) b.AppendLine("**--quick run: a subset and 2 epochs. The pipeline is exercised; the numbers mean nothing.**\n");
        b.AppendLine("Setup (the paper's): dynamically binarized MNIST (60,000 training images), encoder 784-200-200-(50, 50), decoder 50-200-200-784, tanh, "
            + "Bernoulli output; Adam β = (0.9, 0.999), ε = 1e-4; batch 20; 3^i epochs at learning rate 1e-3·10^(−i/7) for i = 0…7 (3,280 epochs). "
            + $"Test log-likelihood: importance sampling with K = {iwSamples} on {iwImages} test images binarized once (seed {s.Seed}). Active units: "
            + "latent dimensions whose μ varies over the test images with variance above 0.01. ± is the standard error of the mean over the test images.");
        b.AppendLine();
        b.AppendLine("| run | epochs | test log p(x) (ours) | paper | TF2 reproduction | test ELBO | active units | time | rows/s |");
        b.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var p = Published.TryGetValue((r.Objective, r.K), out var v) ? v : (double.NaN, double.NaN);
            b.AppendLine($"| {r.Objective.ToUpperInvariant()} k = {r.K} | {r.Epochs}{(r.Epochs < LearningRateSchedule.BurdaEpochs ? $" of {LearningRateSchedule.BurdaEpochs} (**truncated**)" : "")} | "
                + $"**{F(r.TestLogLikelihood)}** ± {F(r.StandardError)} | {(double.IsNaN(p.Item1) ? "–" : F(p.Item1))} | {(double.IsNaN(p.Item2) ? "–" : F(p.Item2))} | {F(r.TestElbo)} | {r.ActiveUnits} | {r.Seconds / 3600:F1} h | {r.SamplesPerSecond:N0} |");
        }
        b.AppendLine();
        b.AppendLine("Goals: VAE k = 1 at or above −87.0 nats, IWAE k = 5 at or above −85.6 nats after the full schedule. A truncated run stops early in the "
            + "schedule, at a higher learning rate, and cannot be compared with the paper's number; it is labelled as such.");
        b.AppendLine();
        b.AppendLine("![training curves](training-curves.png)");
        b.AppendLine();
        b.AppendLine($"Made with `dotnet run -c Release --project src/Vae.Cli -- experiment burda --out {s.OutputDirectory} --k {string.Join(",", s.Ks)}"
            + $"{(epochs != LearningRateSchedule.BurdaEpochs && !s.Quick ? $" --epochs {epochs}" : "")}{(iwImages != 10_000 && !s.Quick ? $" --iw-images {iwImages}" : "")}{(s.Quick ? " --quick" : "")}` "
            + "(running it again resumes unfinished runs from their checkpoints and re-measures finished ones).");
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "report.md"), b.ToString());
    }
}
