using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vae.Cli.Data;
using Vae.Simd;

namespace Vae.Cli.Anomaly;

/// <summary>What <c>vae experiment anomaly</c> runs on.</summary>
internal sealed record AnomalySettings
{
    /// <summary>Normal rows only: the model learns what normal is.</summary>
    public required string TrainData { get; init; }
    /// <summary>Held-out rows, normal and anomalous, with a label column saying which.</summary>
    public required string TestData { get; init; }
    public required string LabelColumn { get; init; }
    /// <summary>The label value (class name or number) of the anomalous rows; every other label is normal.</summary>
    public required string AnomalyLabel { get; init; }
    public required string OutputDirectory { get; init; }
    public DataOptions Data { get; init; } = new();
    public int Latent { get; init; } = 2;
    public int[] Hidden { get; init; } = [64];
    public int Epochs { get; init; } = 300;
    public int BatchSize { get; init; } = 32;
    public float LearningRate { get; init; } = 3e-3f;
    public int IwSamples { get; init; } = 1000;
    public ulong Seed { get; init; } = 1;
    public int Threads { get; init; } = Environment.ProcessorCount;
    public bool Force { get; init; }
    public bool Quiet { get; init; }
}

/// <summary>
/// Anomaly detection by a VAE, beside the linear baseline: train on normal rows (standardized, learned-variance Gaussian), score
/// held-out normal and anomalous rows by −log p(x) (importance-weighted) and by the negative ELBO, score the same rows by PCA
/// reconstruction error with as many components as the VAE has latent dimensions, and report each score's ROC AUC with both
/// score histograms. Writes vae/ (the run), figures/scores.png, scores.csv, report.md and report.json.
/// </summary>
internal static class AnomalyExperiment
{
    public static void Run(AnomalySettings s, TextWriter output)
    {
        var log = s.Quiet ? TextWriter.Null : output;
        var clock = Stopwatch.StartNew();
        var options = s.Data with { LabelColumn = s.LabelColumn };

        // Everything about the data is checked before any training, and before --out is touched: a refused input must not
        // cost an earlier experiment its files, even with --force.
        // Read once: the run trains on exactly these rows and watches its test loss on the held-out tenth.
        var (trainRows, heldOut) = DataSource.LoadSplit(s.TrainData, null, TrainCommand.DefaultTestFraction, options, s.Seed);
        var test = DataSource.Load(s.TestData, options with { Columns = trainRows.FeatureNames ?? options.Columns });
        if (!test.Data.HasLabels) throw new CliError($"--test: {s.TestData} has no labels; --label-column {s.LabelColumn} must say which rows are anomalies");
        DataSource.RequireSameShape(trainRows.Data, test.Data, s.TrainData, s.TestData);
        if (s.Latent >= trainRows.Data.Features)
            throw new CliError($"--latent: {s.Latent} is not below the data's {trainRows.Data.Features} features; the PCA baseline of that size would reconstruct every row exactly");
        int anomalyClass = test.ClassNames is { } names ? Array.IndexOf(names, s.AnomalyLabel)
            : int.TryParse(s.AnomalyLabel, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1;
        var isAnomaly = Enumerable.Range(0, test.Data.Count).Select(i => test.Data.Labels[i] == anomalyClass).ToArray();
        int anomalies = isAnomaly.Count(a => a);
        if (anomalies == 0 || anomalies == isAnomaly.Length)
            throw new CliError($"--anomaly-label: '{s.AnomalyLabel}' marks {anomalies} of the {isAnomaly.Length} test rows; the test data need both normal and anomalous rows"
                + (test.ClassNames is { } c ? $" (its labels: {string.Join(", ", c)})" : ""));

        // Normal rows learn; 10 % of them are held out to watch the test loss, as any run does (data.json records the split).
        // The run in vae/ replaces an earlier one only with --force, as `vae train` does.
        string runDirectory = Path.Combine(s.OutputDirectory, "vae");
        var train = new TrainCommand.Settings(s.TrainData, new ModelConfig { Hidden = s.Hidden, Latent = s.Latent, Likelihood = Likelihood.GaussianLearnedVariance },
            new TrainingOptions { Epochs = s.Epochs, BatchSize = s.BatchSize, LearningRate = s.LearningRate, Threads = s.Threads, Seed = s.Seed },
            runDirectory, Force: s.Force, Quiet: s.Quiet, Limit: 0)
        {
            Data = options, Scaling = ScalingKind.Standardize, EvaluateEvery = Math.Max(1, s.Epochs / 10),
        };
        RunFolder? folder = null;
        using var release = new Release(() => folder?.Dispose());
        TrainCommand.Train(train, new EpochProgress(s.Quiet, log, interactive: false), (trainRows, heldOut), checkedBeforeWriting: () =>
        {
            folder = RunFolder.Claim(s.OutputDirectory, "--out");
            // Only the experiment's own files: --out may be a folder that holds other things (its vae/ run replaces only a run's files).
            folder.ReplaceEarlierRun(["report.json", "report.md", Path.Combine("figures", "scores.png"), "scores.csv"], s.Force, "an earlier anomaly experiment");
        });
        using var model = LatentModel.Load(runDirectory);
        log.WriteLine($"scoring {test.Data.Count} test rows ({anomalies} anomalous) with K = {s.IwSamples} importance samples each");
        var scores = model.Score(test.Data, s.IwSamples, s.Seed, s.Threads);
        var scaledTrain = model.Scaling?.Apply(trainRows.Data) ?? trainRows.Data;
        var scaledTest = model.Scaling?.Apply(test.Data) ?? test.Data;
        var pca = PcaBaseline.Fit(scaledTrain, model.Latent);
        var pcaScores = pca.ReconstructionError(scaledTest);

        var methods = new List<Method>();
        if (scores.LogLikelihood is { } logP) methods.Add(Method.Of($"VAE −log p(x) (K = {s.IwSamples})", logP.Select(v => -v).ToArray(), isAnomaly));
        methods.Add(Method.Of("VAE negative ELBO (one z)", scores.NegativeElbo, isAnomaly));
        methods.Add(Method.Of($"PCA error, residuals weighted by their training variance ({pca.Components} components)", pca.WeightedReconstructionError(scaledTest), isAnomaly));
        methods.Add(Method.Of($"PCA reconstruction error ({pca.Components} components, {pca.ExplainedVariance:P0} of the variance)", pcaScores, isAnomaly));

        string figure = Path.Combine(s.OutputDirectory, "figures", "scores.png");
        Plots.ScoreHistograms(figure, [methods[0], methods[^1]]);
        WriteScores(Path.Combine(s.OutputDirectory, "scores.csv"), test, isAnomaly, methods);
        var report = new Report(s, model, trainRows.Data.Count, test.Data.Count, anomalies, methods, clock.Elapsed.TotalSeconds);
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "report.md"), report.Markdown());
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "report.json"), report.Json());
        foreach (var m in methods) log.WriteLine($"  ROC AUC {m.Auc:F3}  {m.Name}");
        log.WriteLine($"wrote report.md, report.json, scores.csv and figures/scores.png in {s.OutputDirectory} ({clock.Elapsed.TotalSeconds:F0} s)");
    }

    /// <summary>Runs an action when disposed: the folder's lock is taken inside the training's callback and held to the end.</summary>
    private sealed class Release(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    /// <summary>One anomaly score of every test row, split by truth, and its ROC AUC.</summary>
    internal sealed record Method(string Name, double[] Scores, double[] Normal, double[] Anomalous, double Auc)
    {
        public static Method Of(string name, double[] scores, bool[] isAnomaly)
        {
            var normal = scores.Where((_, i) => !isAnomaly[i]).ToArray();
            var anomalous = scores.Where((_, i) => isAnomaly[i]).ToArray();
            return new Method(name, scores, normal, anomalous, RocAuc.Compute(normal, anomalous));
        }
    }

    private static void WriteScores(string path, LoadedData test, bool[] isAnomaly, List<Method> methods)
    {
        var text = new StringBuilder("row,label,anomaly," + string.Join(",", methods.Select((_, i) => $"score_{i}")) + "\n");
        for (int r = 0; r < isAnomaly.Length; r++)
        {
            int label = test.Data.Labels[r];
            text.Append(CultureInfo.InvariantCulture, $"{r},{(test.ClassNames is { } c ? c[label] : label.ToString(CultureInfo.InvariantCulture))},{(isAnomaly[r] ? 1 : 0)}");
            foreach (var m in methods) text.Append(CultureInfo.InvariantCulture, $",{m.Scores[r]:G9}");
            text.Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    private sealed record Report(AnomalySettings S, LatentModel Model, int TrainRows, int TestRows, int Anomalies, List<Method> Methods, double Seconds)
    {
        private string Command => $"vae experiment anomaly --data {S.TrainData} --test {S.TestData} --label-column {S.LabelColumn} --anomaly-label {S.AnomalyLabel} "
            + $"--latent {S.Latent} --hidden {string.Join(",", S.Hidden)} --epochs {S.Epochs} --batch-size {S.BatchSize} --lr {S.LearningRate.ToString(CultureInfo.InvariantCulture)} "
            + $"--iw-samples {S.IwSamples} --seed {S.Seed} --out {S.OutputDirectory}";

        public string Markdown()
        {
            var best = Methods.MaxBy(m => m.Auc)!;
            var vae = Methods[0];
            var pca = Methods[^1];
            var weighted = Methods[^2];
            string verdict = vae.Auc > pca.Auc ? $"the VAE's −log p(x) beats PCA reconstruction error ({vae.Auc:F3} vs {pca.Auc:F3})"
                : vae.Auc < pca.Auc ? $"PCA reconstruction error beats the VAE ({pca.Auc:F3} vs {vae.Auc:F3}): its nonlinearity buys nothing here"
                : $"the VAE and PCA tie ({vae.Auc:F3})";
            verdict += vae.Auc > weighted.Auc ? $", and also PCA with residuals weighted per feature ({weighted.Auc:F3}), so the gain is not the per-feature variance alone"
                : $"; but PCA with residuals weighted per feature scores {weighted.Auc:F3}, so the VAE's per-feature variance, not its nonlinearity, is what helps";
            var text = new StringBuilder();
            text.AppendLine("# Anomaly detection: VAE vs PCA");
            text.AppendLine();
            text.AppendLine($"Trained on {TrainRows} normal rows of `{S.TrainData}` ({Model.Config}, {Model.Scaling}); scored {TestRows} held-out rows of `{S.TestData}`, {Anomalies} of them anomalous (`{S.LabelColumn}` = `{S.AnomalyLabel}`).");
            text.AppendLine();
            text.AppendLine("| score (higher = more anomalous) | ROC AUC |");
            text.AppendLine("|---|---|");
            foreach (var m in Methods) text.AppendLine(CultureInfo.InvariantCulture, $"| {m.Name} | {(ReferenceEquals(m, best) ? $"**{m.Auc:F3}**" : m.Auc.ToString("F3", CultureInfo.InvariantCulture))} |");
            text.AppendLine();
            text.AppendLine($"With the same latent size ({Model.Latent}), {verdict}.");
            text.AppendLine();
            text.AppendLine("![scores](figures/scores.png)");
            text.AppendLine();
            text.AppendLine($"Made by `{Command}` in {Seconds:F0} s.");
            return text.ToString();
        }

        public string Json()
        {
            using var stream = new MemoryStream();
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                json.WriteStartObject();
                json.WriteString("train_data", S.TrainData);
                json.WriteString("test_data", S.TestData);
                json.WriteString("model", Model.Config.ToString());
                json.WriteNumber("train_rows", TrainRows);
                json.WriteNumber("test_rows", TestRows);
                json.WriteNumber("anomalies", Anomalies);
                json.WriteNumber("iw_samples", S.IwSamples);
                json.WriteStartArray("methods");
                foreach (var m in Methods)
                {
                    json.WriteStartObject();
                    json.WriteString("name", m.Name);
                    json.WriteNumber("roc_auc", Math.Round(m.Auc, 4));
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteString("command", Command);
                json.WriteNumber("seconds", Math.Round(Seconds, 1));
                json.WriteEndObject();
            }
            return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
        }
    }
}
