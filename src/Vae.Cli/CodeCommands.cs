using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vae.Cli.Data;
using Vae.Simd;
using Vae.Simd.Data;

namespace Vae.Cli;

/// <summary><c>vae encode</c>, <c>vae decode</c> and <c>vae score</c>: latent codes and per-row scores of any data, in and out as
/// CSV or .npy. The data are read as the model's training run read its own (its data.json: columns, label, image size).</summary>
internal static class CodeCommands
{
    public static Command CreateEncode(TextWriter stdout)
    {
        var model = ModelOption();
        var data = new Option<string>("--data") { Description = "Rows to encode: a .csv, .npy, image folder or MNIST folder (its test set)", Required = true };
        var output = new Option<string>("--out") { Description = "codes.csv (row, label, mu_0…) or codes.npy (rows × latent, float32)", Required = true };
        var logVariance = new Option<bool>("--log-variance") { Description = "Also write log σ² of q(z|x) (logvar_0…; in .npy, after μ)" };
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists" };
        var dataOptions = DataOptionParsing.Create();
        var precision = OptionParsing.PrecisionOption();
        var command = new Command("encode", "Write the latent code (μ of q(z|x)) of every row of --data.") { model, data, output, logVariance, force, precision };
        dataOptions.AddTo(command);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            var format = OutputFormat(path, "--out", ".csv", ".npy");
            OutputFiles.RefuseExisting(path, parse.GetValue(force), "--out");
            using var m = ImageCommands.LoadModel(parse.GetValue(model)!, parse.GetValue(precision)!);
            var run = RunData.For(parse.GetValue(model)!, dataOptions, parse);
            var loaded = run.Read(parse.GetValue(data)!, m);
            var dataset = loaded.Data;
            float[] mu = m.EncodeDataset(dataset);
            float[]? logVar = null;
            if (parse.GetValue(logVariance))
            {
                if (m is not VariationalAutoencoder vae) throw new CliError("--log-variance: an autoencoder has no q(z|x), only a code");
                var scaled = m.Scaling is { } s ? s.Apply(dataset) : dataset;
                logVar = vae.Encode(scaled.Rows(0, scaled.Count)).LogVariance;
            }
            int latent = m.Latent;
            if (format == ".npy")
            {
                int width = latent * (logVar is null ? 1 : 2);
                var values = new float[(long)dataset.Count * width];
                for (int i = 0; i < dataset.Count; i++)
                {
                    mu.AsSpan(i * latent, latent).CopyTo(values.AsSpan(i * width));
                    logVar?.AsSpan(i * latent, latent).CopyTo(values.AsSpan(i * width + latent));
                }
                OutputFiles.Write(path, stream => NpyFile.WriteFloat32(stream, values, dataset.Count, width));
            }
            else
            {
                var header = new List<string> { "row" };
                if (dataset.HasLabels) header.Add("label");
                header.AddRange(Enumerable.Range(0, latent).Select(j => $"mu_{j}"));
                if (logVar is not null) header.AddRange(Enumerable.Range(0, latent).Select(j => $"logvar_{j}"));
                WriteCsv(path, header, dataset.Count, (i, line) =>
                {
                    line.Add(i.ToString(CultureInfo.InvariantCulture));
                    if (dataset.HasLabels) line.Add(Label(loaded, dataset.Labels[i]));
                    for (int j = 0; j < latent; j++) line.Add(Number(mu[i * latent + j]));
                    if (logVar is not null) for (int j = 0; j < latent; j++) line.Add(Number(logVar[i * latent + j]));
                });
            }
            stdout.WriteLine($"wrote the {latent}-dimensional codes of {dataset.Count} rows to {path}");
            return 0;
        });
        return command;
    }

    public static Command CreateDecode(TextWriter stdout)
    {
        var model = ModelOption();
        var codes = new Option<string>("--codes") { Description = "Latent codes: a .csv (mu_0… columns, as 'vae encode' writes, or exactly latent numeric columns) or a .npy (rows × latent)", Required = true };
        var output = new Option<string>("--out") { Description = "rows.csv, rows.npy, or a .png grid for an image model", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists" };
        var precision = OptionParsing.PrecisionOption();
        var command = new Command("decode", "Decode latent codes into rows in the data's own units (the model's scaling undone).") { model, codes, output, force, precision };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            var format = OutputFormat(path, "--out", ".csv", ".npy", ".png");
            OutputFiles.RefuseExisting(path, parse.GetValue(force), "--out");
            using var m = ImageCommands.LoadModel(parse.GetValue(model)!, parse.GetValue(precision)!);
            var run = RunData.For(parse.GetValue(model)!, null, null);
            float[] z = ReadCodes(parse.GetValue(codes)!, m.Latent);
            int rows = z.Length / m.Latent;
            long values = (long)rows * m.InputSize;
            if (values > Array.MaxLength) throw new CliError($"--codes: {rows:N0} codes decode to {values:N0} values, more than one output holds; split the codes");
            if (format == ".png" && rows > ImageCommands.MaxImages)
                throw new CliError($"--codes: {rows:N0} codes are more than one PNG grid holds ({ImageCommands.MaxImages:N0}); write .csv or .npy, or split the codes");
            float[] x = m.DecodeToData(z);
            if (format == ".png")
            {
                if (m.Config.ImageHeight == 0) throw new CliError("--out: a .png needs an image model; this one's rows are a table (write .csv or .npy)");
                var (h, w) = ImageCommands.ImageShape(m.Config);
                OutputFiles.EnsureParent(path);
                ImageGrid.Save(path, x, rows, h, w, (int)Math.Ceiling(Math.Sqrt(rows)), m.Config.ImageChannels);
            }
            else WriteRows(path, x, rows, m.InputSize, run.FeatureNames);
            stdout.WriteLine($"wrote {rows} decoded rows to {path}");
            return 0;
        });
        return command;
    }

    public static Command CreateScore(TextWriter stdout)
    {
        var model = ModelOption();
        var data = new Option<string>("--data") { Description = "Rows to score: a .csv, .npy, image folder or MNIST folder (its test set)", Required = true };
        var output = new Option<string>("--out") { Description = "scores.csv: per row the negative ELBO, its reconstruction and KL terms (and log p(x), anomaly)", Required = true };
        var iwSamples = new Option<int>("--iw-samples") { Description = "Also estimate log p(x) by importance sampling with K draws per row (0 = skip)", DefaultValueFactory = _ => 0 };
        var quantile = new Option<double?>("--threshold-quantile") { Description = "Mark rows whose score is above this quantile (e.g. 0.99) of the training rows' scores" };
        var seed = new Option<int>("--seed") { Description = "Seed of the draws z ~ q(z|x)", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Threads for the importance-weighted estimate", DefaultValueFactory = _ => Environment.ProcessorCount };
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists" };
        var dataOptions = DataOptionParsing.Create();
        var precision = OptionParsing.PrecisionOption();
        var command = new Command("score", "Score every row of --data: high means the model finds the row unlikely (anomaly detection).")
        {
            model, data, output, iwSamples, quantile, seed, threads, force, precision,
        };
        dataOptions.AddTo(command);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            OutputFormat(path, "--out", ".csv");
            OutputFiles.RefuseExisting(path, parse.GetValue(force), "--out");
            int k = OptionParsing.NonNegative(parse.GetValue(iwSamples), "--iw-samples");
            if (k > 100_000) throw new CliError($"--iw-samples: {k} is not allowed; it must be 0 to 100,000");
            double? q = parse.GetValue(quantile);
            if (q is { } v && !(v > 0 && v < 1)) throw new CliError($"--threshold-quantile: {v} is not allowed; it must be above 0 and below 1");
            ulong s = (ulong)OptionParsing.NonNegative(parse.GetValue(seed), "--seed");
            int t = OptionParsing.Threads(parse.GetValue(threads), "--threads");
            using var m = ImageCommands.LoadModel(parse.GetValue(model)!, parse.GetValue(precision)!);
            if (k > 0 && m is not VariationalAutoencoder) throw new CliError("--iw-samples: log p(x) needs a VAE; an autoencoder has no q(z|x)");
            var run = RunData.For(parse.GetValue(model)!, dataOptions, parse);
            var loaded = run.Read(parse.GetValue(data)!, m);
            var dataset = loaded.Data;
            var scores = Score(m, dataset, k, s, t);
            double? threshold = null;
            if (q is { } quant)
            {
                var train = run.TrainingRows(m);
                var trainScores = Score(m, train, k, s, t);
                var sorted = Enumerable.Range(0, trainScores.Count).Select(trainScores.AnomalyScore).Order().ToArray();
                threshold = Quantile(sorted, quant);
                stdout.WriteLine($"threshold: the {quant:0.###} quantile of {train.Count} training rows' {(k > 0 ? "−log p(x)" : "negative ELBO")} = {threshold:G6}");
            }
            var header = new List<string> { "row" };
            if (dataset.HasLabels) header.Add("label");
            header.AddRange(["negative_elbo", "reconstruction", "kl"]);
            if (k > 0) header.Add("log_likelihood");
            if (threshold is not null) header.Add("anomaly");
            int flagged = 0;
            WriteCsv(path, header, dataset.Count, (i, line) =>
            {
                line.Add(i.ToString(CultureInfo.InvariantCulture));
                if (dataset.HasLabels) line.Add(Label(loaded, dataset.Labels[i]));
                line.Add(Number(scores.NegativeElbo[i]));
                line.Add(Number(scores.Reconstruction[i]));
                line.Add(Number(scores.Kl[i]));
                if (k > 0) line.Add(Number(scores.LogLikelihood![i]));
                if (threshold is { } th)
                {
                    bool anomaly = scores.AnomalyScore(i) > th;
                    if (anomaly) flagged++;
                    line.Add(anomaly ? "1" : "0");
                }
            });
            stdout.WriteLine($"scored {dataset.Count} rows: mean negative ELBO {scores.NegativeElbo.Average():F3}"
                + (k > 0 ? $", mean log p(x) {scores.LogLikelihood!.Average():F3} (K = {k})" : "")
                + (threshold is not null ? $"; {flagged} above the threshold" : "") + $" → {path}");
            return 0;
        });
        return command;
    }

    /// <summary>Rows of <paramref name="d"/> values as .npy (rows × d float32) or .csv (a header of the run's column names, or x_0…).</summary>
    public static void WriteRows(string path, float[] x, int rows, int d, string[]? featureNames)
    {
        if (path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)) OutputFiles.Write(path, stream => NpyFile.WriteFloat32(stream, x, rows, d));
        else
        {
            var names = featureNames is { Length: > 0 } n && n.Length == d ? n : Enumerable.Range(0, d).Select(j => $"x_{j}").ToArray();
            WriteCsv(path, names, rows, (i, line) => { for (int j = 0; j < d; j++) line.Add(Number(x[i * d + j])); });
        }
    }

    private static RowScores Score(LatentModel m, Dataset data, int k, ulong seed, int threads)
    {
        try { return m.Score(data, k, seed, threads); }
        catch (InvalidOperationException e) { throw new CliError($"--iw-samples: {e.Message}"); }
    }

    /// <summary>The q-quantile of sorted values, interpolating linearly between order statistics (NumPy's default).</summary>
    public static double Quantile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    private static Option<string> ModelOption() => new("--model") { Description = "A 'vae train' --out folder, or a model .safetensors file", Required = true };

    private static string OutputFormat(string path, string option, params string[] formats)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return formats.Contains(ext) ? ext : throw new CliError($"{option}: {path} must end in {string.Join(" or ", formats)}");
    }

    private static string Label(LoadedData loaded, int label)
        => loaded.ClassNames is { } names && label < names.Length ? Csv(names[label]) : label.ToString(CultureInfo.InvariantCulture);

    private static string Number(double v) => v.ToString("G9", CultureInfo.InvariantCulture);

    private static string Csv(string text) => text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;

    private static void WriteCsv(string path, IReadOnlyList<string> header, int rows, Action<int, List<string>> row)
    {
        OutputFiles.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            writer.Write(string.Join(",", header.Select(Csv)));
            writer.Write('\n');
            var line = new List<string>(header.Count);
            for (int i = 0; i < rows; i++)
            {
                line.Clear();
                row(i, line);
                writer.Write(string.Join(",", line));
                writer.Write('\n');
            }
        });
    }

    /// <summary>Codes from a .npy (rows × latent) or a .csv (its mu_* columns, or exactly latent numeric columns).</summary>
    private static float[] ReadCodes(string path, int latent)
    {
        Dataset codes;
        if (path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)) codes = Dataset.LoadNpy(path);
        else if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            string[]? columns = null;
            if (!File.Exists(path)) throw new CliError($"--codes: {path} not found");
            using (var reader = new StreamReader(path))
            {
                var header = (reader.ReadLine() ?? "").Split([',', ';', '\t']).Select(h => h.Trim().Trim('"')).ToArray();
                if (header.Contains("mu_0"))
                {
                    // Codes of another model (20 mu_ columns for a 2-D latent space) must be refused, not cut to fit.
                    int given = header.Count(h => h.StartsWith("mu_", StringComparison.Ordinal));
                    if (given != latent)
                        throw new CliError($"--codes: {path} has {given} mu_ columns but the model's latent dimension is {latent}");
                    columns = Enumerable.Range(0, latent).Select(j => $"mu_{j}").ToArray();
                }
            }
            var table = CsvTable.Load(path, new CsvOptions(Columns: columns));
            codes = Dataset.FromArray(table.Values, table.Features);
        }
        else throw new CliError($"--codes: {path} must end in .csv or .npy");
        if (codes.Features != latent)
            throw new CliError($"--codes: {path} has {codes.Features} values per row but the model's latent dimension is {latent}");
        return codes.Rows(0, codes.Count).ToArray();
    }
}
