using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vae.Cli.Data;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Models;
using Vae.Simd.Serialization;
using Vae.Simd.Training;

namespace Vae.Cli;

/// <summary><c>vae train</c>: trains a model on an MNIST-layout dataset and writes the model, metrics and pictures.</summary>
internal static class TrainCommand
{
    /// <summary>Everything <c>vae train</c> was asked to do, validated.</summary>
    internal sealed record Settings(string DataDirectory, ModelConfig Model, TrainingOptions Training, string OutputDirectory, bool Force, bool Quiet, int Limit)
    {
        /// <summary>How the learning rate moves from epoch to epoch.</summary>
        public ScheduleKind Schedule { get; init; } = ScheduleKind.Constant;

        /// <summary>The test loss is measured after every this many epochs (and after the last).</summary>
        public int EvaluateEvery { get; init; } = 1;

        /// <summary>How to read the data (CSV columns, image size, …).</summary>
        public DataOptions Data { get; init; } = new();

        /// <summary>Test rows from this path instead of a split of the data.</summary>
        public string? TestData { get; init; }

        /// <summary>The share of the rows held out for testing when the data has no test split of its own and no <see cref="TestData"/>.</summary>
        public double TestFraction { get; init; } = DefaultTestFraction;

        /// <summary>Per-feature scaling fitted on the training rows; null: decided from the data (<see cref="AutoScaling"/>).</summary>
        public ScalingKind? Scaling { get; init; }

        /// <summary>True when --likelihood was not given: decided from the data (<see cref="AutoLikelihood"/>).</summary>
        public bool AutoLikelihood { get; init; }
    }

    /// <summary>Held out for testing by default when the data has no test split of its own.</summary>
    public const double DefaultTestFraction = 0.1;

    /// <summary>What a run records about its data beside the model, so that encode, decode and score read new data the same way.</summary>
    public const string DataFile = "data.json";

    /// <summary>The checkpoint that <c>--resume</c> continues from: the model with its optimizer state, written after every epoch.</summary>
    public const string CheckpointFile = "checkpoint.safetensors";

    public static Command Create(TextWriter stdout, CancellationToken interrupt = default)
    {
        var data = new Option<string?>("--data") { Description = "Training data: a folder with the four MNIST IDX files, a folder of PNG/JPEG images (one subfolder per class, optional), a .csv file with a header, or a .npy file. Default: the repo's data/mnist." };
        var testData = new Option<string?>("--test-data") { Description = "Test data, read like --data (default: the MNIST folder's test files, else a seeded --test-fraction of --data)" };
        var testFraction = new Option<double>("--test-fraction") { Description = "Share of the rows held out for testing when there is no test split", DefaultValueFactory = _ => DefaultTestFraction };
        var dataOptions = DataOptionParsing.Create();
        var scale = new Option<string>("--scale") { Description = "Per-feature scaling fitted on the training rows: none, standardize, minmax, or auto (standardize tables and images outside [0, 1]; leave pixels in [0, 1] alone)", DefaultValueFactory = _ => "auto" };
        var model = new Option<string>("--model") { Description = "vae or ae", DefaultValueFactory = _ => "vae" };
        var hidden = new Option<string>("--hidden") { Description = "Encoder hidden widths, comma-separated (the decoder mirrors them)", DefaultValueFactory = _ => "400" };
        var latent = new Option<int>("--latent") { Description = "Latent dimension", DefaultValueFactory = _ => 20 };
        var activation = new Option<string>("--activation") { Description = "relu, leakyrelu, tanh, sigmoid or identity (no nonlinearity)", DefaultValueFactory = _ => "relu" };
        var likelihood = new Option<string>("--likelihood") { Description = "bernoulli (BCE), gaussian (squared error of sigmoid outputs), gaussian-learned-variance (identity mean, a learned variance per feature: for real-valued data), or auto (bernoulli for data in [0, 1], else gaussian-learned-variance)", DefaultValueFactory = _ => "auto" };
        var recWeight = new Option<float>("--recon-weight") { Description = "Weight of the reconstruction term", DefaultValueFactory = _ => 1f };
        var klWeight = new Option<float>("--kl-weight") { Description = "Weight of the KL term", DefaultValueFactory = _ => 1f };
        var klWarmup = new Option<int>("--kl-warmup") { Description = "Epochs of linear KL warm-up (0 = none)", DefaultValueFactory = _ => 0 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training set", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { Description = "Images per step", DefaultValueFactory = _ => 128 };
        var lr = new Option<float>("--lr") { Description = "Learning rate (the first stage's, with --schedule burda)", DefaultValueFactory = _ => 1e-3f };
        var schedule = new Option<string>("--schedule") { Description = "constant, or burda: stage i = 0…7 lasts 3^i epochs at lr·10^(−i/7) (3280 epochs in all)", DefaultValueFactory = _ => "constant" };
        var adamEpsilon = new Option<float>("--adam-epsilon") { Description = "Adam's ε (Burda et al.: 1e-4)", DefaultValueFactory = _ => 1e-8f };
        var objective = new Option<string>("--objective") { Description = "elbo, or iwae: the importance-weighted bound over --k samples (VAE only)", DefaultValueFactory = _ => "elbo" };
        var samples = new Option<int>("--k") { Description = "Draws of z per image: the ELBO is averaged over them, the IWAE bound weights them", DefaultValueFactory = _ => 1 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Measure the test loss after every N epochs (and after the last)", DefaultValueFactory = _ => 1 };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this directory from its last finished epoch (its settings come from its config.json; --epochs may extend it)" };
        var optimizer = new Option<string>("--optimizer") { Description = "adam or sgd (momentum 0.9)", DefaultValueFactory = _ => "adam" };
        var binarize = new Option<string>("--binarize") { Description = "none, static or dynamic", DefaultValueFactory = _ => "none" };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation, shuffling, noise and binarization", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Worker threads (results do not depend on it)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string?>("--out") { Description = "Output directory. Default: runs/<model>-<timestamp>" };
        var force = new Option<bool>("--force") { Description = "Overwrite a model already in --out" };
        var quiet = new Option<bool>("--quiet") { Description = "Print nothing but errors" };
        var limit = new Option<int>("--limit") { Description = "Use only the first N training and test images (0 = all; for quick runs)", DefaultValueFactory = _ => 0 };

        var command = new Command("train", "Train a VAE or an autoencoder and write model.safetensors, config.json, metrics.json and PNG grids.")
        {
            data, model, hidden, latent, activation, likelihood, recWeight, klWeight, klWarmup, epochs, batch, lr, schedule, adamEpsilon, optimizer, binarize,
            objective, samples, seed, threads, output, force, quiet, limit, evalEvery, resume, testData, testFraction, scale,
        };
        dataOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var progress = ReferenceEquals(stdout, Console.Out) ? EpochProgress.ForConsole(parse.GetValue(quiet)) : new EpochProgress(parse.GetValue(quiet), stdout, interactive: false);
            if (parse.GetValue(resume) is { } resumeDirectory)
            {
                // A resumed run keeps its own settings (that is what makes it the uninterrupted run's bits): an option that
                // would change one is refused, not ignored.
                var given = command.Options.Where(o => o != resume && o != epochs && o != quiet && parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (given.Count > 0)
                    throw new CliError($"--resume continues {resumeDirectory} with the settings of its config.json; {string.Join(", ", given)} cannot be changed (only --epochs, to train longer, and --quiet)");
                var saved = ReadSettings(resumeDirectory);
                int? more = parse.GetResult(epochs) is { Implicit: false } ? OptionParsing.Positive(parse.GetValue(epochs), "--epochs") : null;
                Resume(saved with { Quiet = parse.GetValue(quiet), Training = saved.Training with { Epochs = more ?? saved.Training.Epochs } }, progress, interrupt);
                return 0;
            }
            var kind = OptionParsing.Model(parse.GetValue(model)!);
            var settings = new Settings(
                parse.GetValue(data) ?? VaeCommand.DefaultDataDirectory(),
                new ModelConfig
                {
                    Kind = kind,
                    Hidden = OptionParsing.Hidden(parse.GetValue(hidden)!),
                    Latent = OptionParsing.Positive(parse.GetValue(latent), "--latent"),
                    Activation = OptionParsing.Activation(parse.GetValue(activation)!),
                    Likelihood = parse.GetValue(likelihood) is "auto" or null ? Likelihood.Bernoulli : OptionParsing.Likelihood(parse.GetValue(likelihood)!),
                },
                new TrainingOptions
                {
                    Epochs = OptionParsing.Positive(parse.GetValue(epochs), "--epochs"),
                    BatchSize = OptionParsing.Positive(parse.GetValue(batch), "--batch-size"),
                    LearningRate = OptionParsing.PositiveFinite(parse.GetValue(lr), "--lr"),
                    AdamEpsilon = OptionParsing.PositiveFinite(parse.GetValue(adamEpsilon), "--adam-epsilon"),
                    Optimizer = OptionParsing.Optimizer(parse.GetValue(optimizer)!),
                    Threads = OptionParsing.Threads(parse.GetValue(threads), "--threads"),
                    Seed = (ulong)OptionParsing.NonNegative(parse.GetValue(seed), "--seed"),
                    Weights = OptionParsing.Weights(parse.GetValue(recWeight), parse.GetValue(klWeight)),
                    KlWarmupEpochs = OptionParsing.NonNegative(parse.GetValue(klWarmup), "--kl-warmup"),
                    Binarize = OptionParsing.Binarize(parse.GetValue(binarize)!),
                    Objective = OptionParsing.Objective(parse.GetValue(objective)!),
                    Samples = OptionParsing.Positive(parse.GetValue(samples), "--k"),
                },
                parse.GetValue(output) ?? Path.Combine("runs", $"{(kind == ModelKind.Variational ? "vae" : "ae")}-{DateTime.Now:yyyyMMdd-HHmmss}"),
                parse.GetValue(force),
                parse.GetValue(quiet),
                OptionParsing.NonNegative(parse.GetValue(limit), "--limit"))
            {
                Schedule = OptionParsing.Schedule(parse.GetValue(schedule)!),
                EvaluateEvery = OptionParsing.Positive(parse.GetValue(evalEvery), "--eval-every"),
                Data = dataOptions.Read(parse) with { Limit = OptionParsing.NonNegative(parse.GetValue(limit), "--limit") },
                TestData = parse.GetValue(testData),
                TestFraction = OptionParsing.Fraction(parse.GetValue(testFraction), "--test-fraction"),
                Scaling = OptionParsing.Scaling(parse.GetValue(scale)!),
                AutoLikelihood = parse.GetValue(likelihood) is "auto" or null,
            };
            Train(settings, progress, cancellationToken: interrupt);
            return 0;
        });
        return command;
    }

    /// <summary>Runs a whole training: checks, data, epochs (model, checkpoint and metrics saved after each), pictures.
    /// <paramref name="data"/> (optional) is the already loaded <see cref="Settings.DataDirectory"/>, or a subset of it;
    /// <paramref name="checkedBeforeWriting"/> (optional) runs once every check has passed, before anything is written: a caller
    /// that replaces files of its own does it there, so that input this run refuses costs it nothing.</summary>
    public static void Train(Settings s, EpochProgress progress, (LoadedData Train, Dataset Test)? data = null, CancellationToken cancellationToken = default,
        Action? checkedBeforeWriting = null)
    {
        var (loaded, test) = LoadData(s, data);
        var train = loaded.Data;
        bool image = train.ImageHeight > 0;
        var scaling = s.Scaling ?? AutoScaling(train, s.AutoLikelihood ? null : s.Model.Likelihood);
        var likelihood = s.AutoLikelihood ? AutoLikelihood(train, scaling) : s.Model.Likelihood;
        var fitted = scaling == ScalingKind.None ? null : FeatureScaling.Fit(train, scaling);
        CheckUnitRange(s, likelihood, fitted, train, test);
        RequireFiniteAfterScaling(fitted, test);
        var config = s.Model with
        {
            InputSize = train.Features, ImageHeight = train.ImageHeight, ImageWidth = train.ImageWidth, ImageChannels = image ? train.ImageChannels : 1,
            Likelihood = likelihood,
        };
        config.Validate();
        using var model = LatentModel.Create(config, s.Training.Seed);
        model.Scaling = fitted;
        // Whatever training itself would refuse (the options, --k against the batch, the memory), refused before --out is
        // touched: with --force, a refused run must not have removed the earlier one.
        model.CheckFit(train, s.Training with { Epochs = 1 }, null);
        checkedBeforeWriting?.Invoke();
        using var folder = RunFolder.Claim(s.OutputDirectory, "--out");
        folder.ReplaceEarlierRun(RunFiles, s.Force, "an earlier run's output");
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, DataFile), DataJson(s, loaded, scaling));
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "config.json"), ConfigJson(s, config));
        RunEpochs(s, model, train, test, [], progress, cancellationToken);
    }

    /// <summary>The test rows meet the scaling fitted on the training rows only inside training; a value far outside the
    /// training range can become infinite there. Checked here, before --out is touched, so that --force loses nothing.</summary>
    private static void RequireFiniteAfterScaling(FeatureScaling? scaling, Dataset test)
    {
        if (scaling is null) return;
        // Row by row through one buffer: the check need not hold a scaled copy of the whole test set.
        var row = new float[test.Features];
        for (int r = 0; r < test.Count; r++)
        {
            test.Row(r).CopyTo(row);
            scaling.Apply(row);
            int bad = Array.FindIndex(row, v => !float.IsFinite(v));
            if (bad >= 0)
                throw new CliError($"the test rows after {scaling.Kind.ToString().ToLowerInvariant()} scaling fitted on the training rows: row {r}, column {bad} is {row[bad]}");
        }
    }

    /// <summary>What one run writes into its folder (and what --force replaces).</summary>
    public static readonly string[] RunFiles = ["model.safetensors", CheckpointFile, "config.json", DataFile, "metrics.json", "samples.png", "reconstructions.png", "evaluation.json"];

    /// <summary>Tables are standardized; images with values in [0, 1] are used as they are, as is any data for a likelihood that
    /// needs [0, 1] (Bernoulli, or the squared error of a sigmoid).</summary>
    public static ScalingKind AutoScaling(Dataset train, Likelihood? likelihood)
        => likelihood is Likelihood.Bernoulli or Likelihood.Gaussian || (train.ImageHeight > 0 && train.Min >= 0 && train.Max <= 1)
            ? ScalingKind.None : ScalingKind.Standardize;

    /// <summary>Refuses, before anything is written, a likelihood or binarization that needs values in [0, 1] for data (as the
    /// network will see them) outside it: training would stop at the first batch, or test rows at the first evaluation.</summary>
    private static void CheckUnitRange(Settings s, Likelihood likelihood, FeatureScaling? scaling, Dataset train, Dataset test)
    {
        string? needs = likelihood switch
        {
            Likelihood.Bernoulli => "--likelihood bernoulli",
            Likelihood.Gaussian => "--likelihood gaussian (a sigmoid mean)",
            _ when s.Training.Binarize != BinarizationMode.None => "--binarize",
            _ => null,
        };
        if (needs is null) return;
        foreach (var (set, name) in new[] { (train, "training"), (test, "test") })
        {
            var seen = scaling?.Apply(set) ?? set;
            if (seen.Count == 0 || (seen.Min >= 0 && seen.Max <= 1)) continue;
            throw new CliError($"{needs} needs values in [0, 1], but the {name} rows{(scaling is null ? "" : $" after {scaling.Kind.ToString().ToLowerInvariant()} scaling")} span {seen.Min:G4} to {seen.Max:G4}; "
                + "for real values use --likelihood gaussian-learned-variance (tables are then standardized)" + (scaling is null ? ", or --scale minmax" : ""));
        }
    }

    /// <summary>Bernoulli for data in [0, 1] left unscaled (pixels), else the learned-variance Gaussian.</summary>
    public static Likelihood AutoLikelihood(Dataset train, ScalingKind scaling)
        => scaling == ScalingKind.None && train.Min >= 0 && train.Max <= 1 ? Likelihood.Bernoulli : Likelihood.GaussianLearnedVariance;

    /// <summary>Continues the run in <see cref="Settings.OutputDirectory"/> from its checkpoint: the epochs it still lacks, then the pictures.
    /// The result is the same, bit for bit, as a run that was never interrupted.</summary>
    public static void Resume(Settings s, EpochProgress progress, CancellationToken cancellationToken = default)
    {
        using var folder = RunFolder.Claim(s.OutputDirectory, "--resume");
        string checkpoint = Path.Combine(s.OutputDirectory, CheckpointFile);
        if (!File.Exists(checkpoint)) throw new CliError($"--resume: {checkpoint} not found (the run never finished an epoch, or was not made by 'vae train')");
        using var model = LatentModel.Load(checkpoint);
        if (!model.Config.Equals(s.Model with { InputSize = model.InputSize, ImageHeight = model.Config.ImageHeight, ImageWidth = model.Config.ImageWidth, ImageChannels = model.Config.ImageChannels }))
            throw new CliError($"--resume: {checkpoint} holds {model.Config} but config.json describes {s.Model}");
        var (loaded, test) = LoadData(s, null);
        var train = loaded.Data;
        if (train.Features != model.InputSize) throw new CliError($"--resume: the data now has {train.Features} values per row but the model takes {model.InputSize}");
        var metrics = ReadMetrics(Path.Combine(s.OutputDirectory, "metrics.json")).Where(m => m.Epoch <= model.EpochsTrained).ToList();
        if (model.EpochsTrained >= s.Training.Epochs)
        {
            // Nothing to train: config.json keeps the run's own epoch count (a smaller --epochs must not rewrite it).
            progress.Info($"{s.OutputDirectory} has already trained {model.EpochsTrained} of {s.Training.Epochs} epochs; pass a larger --epochs to train more");
            return;
        }
        progress.Info($"resuming {s.OutputDirectory} at epoch {model.EpochsTrained + 1} of {s.Training.Epochs}");
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "config.json"), ConfigJson(s, model.Config));
        RunEpochs(s, model, train, test, metrics, progress, cancellationToken);
    }

    private static (LoadedData Train, Dataset Test) LoadData(Settings s, (LoadedData Train, Dataset Test)? data)
    {
        // --limit applies while reading: a header that claims millions of images costs only the rows kept.
        var (loaded, test) = data ?? DataSource.LoadSplit(s.DataDirectory, s.TestData, s.TestFraction, s.Data with { Limit = s.Limit }, s.Training.Seed);
        var train = loaded.Data;
        if (s.Limit > 0) (train, test) = (train.Take(s.Limit), test.Take(s.Limit));
        // Test images are binarized once, whatever the training mode, so test losses are comparable across epochs.
        if (s.Training.Binarize != BinarizationMode.None) test = test.Binarized(s.Training.Seed ^ 0x7E57UL);
        return (loaded with { Data = train }, test);
    }

    /// <summary>data.json: where the data came from, how it was read, its columns and classes, and the scaling.</summary>
    private static string DataJson(Settings s, LoadedData loaded, ScalingKind scaling)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", loaded.Format);
            json.WriteString("data", Path.GetFullPath(s.DataDirectory));
            if (s.TestData is not null) json.WriteString("test_data", Path.GetFullPath(s.TestData));
            json.WriteNumber("test_fraction", s.TestFraction);
            json.WriteString("scaling", scaling.ToString().ToLowerInvariant());
            json.WritePropertyName("options");
            (s.Data with { Columns = loaded.FeatureNames ?? s.Data.Columns }).Write(json);
            if (loaded.ClassNames is not null)
            {
                json.WriteStartArray("classes");
                foreach (var c in loaded.ClassNames) json.WriteStringValue(c);
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>One Fit call per epoch, from the model's <see cref="LatentModel.EpochsTrained"/> to the settings' epochs: each at its
    /// scheduled learning rate, followed by the test loss, the model, the resumable checkpoint and the metrics.</summary>
    private static void RunEpochs(Settings s, LatentModel model, Dataset train, Dataset test, List<EpochMetrics> metrics, EpochProgress progress,
        CancellationToken cancellationToken)
    {
        var options = s.Training;
        string modelPath = Path.Combine(s.OutputDirectory, "model.safetensors");
        int threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        if (model.EpochsTrained == 0)
            progress.Info($"training {model.Config} on {train.Count} rows of {DataSource.Describe(train)} ({s.DataDirectory}; {test.Count} test rows){(model.Scaling is { } sc ? $", {sc}" : "")}, {threads} threads → {s.OutputDirectory}");
        for (int epoch = model.EpochsTrained; epoch < options.Epochs; epoch++)
        {
            progress.StartEpoch();
            float rate = LearningRateSchedule.At(s.Schedule, options.LearningRate, epoch);
            IReadOnlyList<EpochReport> reports;
            try
            {
                reports = model.FitCore(train, options with { Epochs = 1, LearningRate = rate }, null, null,
                    (e, done, loss) => progress.Step(e, options.Epochs, done, train.Count, loss.TotalPerSample), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The checkpoint of the last whole epoch stays as it was: resuming from it is exact.
                throw new RunInterruptedException($"interrupted during epoch {epoch + 1} of {options.Epochs}; {(epoch == 0 ? "no epoch finished, so start again" : $"continue with: vae train --resume {s.OutputDirectory}")}");
            }
            var report = reports[0];
            bool evaluate = (epoch + 1) % s.EvaluateEvery == 0 || epoch + 1 == options.Epochs;
            LossBreakdown? testLoss = evaluate ? model.Evaluate(test, options.Weights, options.Seed, options.Threads) : null;
            metrics.Add(new EpochMetrics(report.Epoch, report.Train.TotalPerSample, testLoss, rate, report.Seconds, report.SamplesPerSecond));
            progress.EndEpoch($"epoch {report.Epoch,3}/{options.Epochs}  train {report.Train.TotalPerSample,9:F3}"
                + (testLoss is { } t ? $"  test {t.TotalPerSample,9:F3}  (recon {t.ReconstructionPerSample:F3}, kl {t.KlPerSample:F3})" : "")
                + $"  {report.Seconds,6:F2} s  {report.SamplesPerSecond,9:N0} samples/s");
            // The checkpoint first: a run killed between the two writes resumes from it and writes the model again.
            model.Save(Path.Combine(s.OutputDirectory, CheckpointFile), includeTrainingState: true);
            model.Save(modelPath);
            AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "metrics.json"), MetricsJson(metrics, options.Epochs));
        }
        if (model.Config.ImageHeight == 0 && model.Scaling is not null)
        {
            // Rows of a table are no pictures.
            progress.Info($"wrote {modelPath}, config.json, {DataFile} and metrics.json in {s.OutputDirectory}");
            return;
        }
        ImageCommands.WriteSamples(model, Path.Combine(s.OutputDirectory, "samples.png"), 64, options.Seed);
        ImageCommands.WriteReconstructions(model, test, Path.Combine(s.OutputDirectory, "reconstructions.png"), 32);
        progress.Info($"wrote {modelPath}, config.json, {DataFile}, metrics.json, samples.png and reconstructions.png in {s.OutputDirectory}");
    }

    /// <summary>One line of metrics.json.</summary>
    internal sealed record EpochMetrics(int Epoch, double TrainLoss, LossBreakdown? Test, double LearningRate, double Seconds, double SamplesPerSecond);

    private static string ConfigJson(Settings s, ModelConfig config)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WritePropertyName("model");
            using (var doc = JsonDocument.Parse(ModelCheckpoint.ConfigToJson(config))) doc.WriteTo(json);
            json.WriteStartObject("training");
            json.WriteString("data", Path.GetFullPath(s.DataDirectory));
            json.WriteNumber("image_height", config.ImageHeight);
            json.WriteNumber("image_width", config.ImageWidth);
            var t = s.Training;
            json.WriteNumber("epochs", t.Epochs);
            json.WriteNumber("batch_size", t.BatchSize);
            json.WriteString("optimizer", t.Optimizer.ToString().ToLowerInvariant());
            json.WriteNumber("lr", t.LearningRate);
            json.WriteString("schedule", s.Schedule.ToString().ToLowerInvariant());
            json.WriteNumber("adam_epsilon", t.AdamEpsilon);
            json.WriteNumber("recon_weight", t.Weights.Reconstruction);
            json.WriteNumber("kl_weight", t.Weights.Kl);
            json.WriteNumber("kl_warmup", t.KlWarmupEpochs);
            json.WriteString("binarize", t.Binarize.ToString().ToLowerInvariant());
            json.WriteString("objective", t.Objective.ToString().ToLowerInvariant());
            json.WriteNumber("k", t.Samples);
            json.WriteNumber("seed", t.Seed);
            json.WriteNumber("threads", t.Threads == 0 ? Environment.ProcessorCount : t.Threads);
            json.WriteNumber("limit", s.Limit);
            json.WriteNumber("eval_every", s.EvaluateEvery);
            if (s.TestData is not null) json.WriteString("test_data", Path.GetFullPath(s.TestData));
            json.WriteNumber("test_fraction", s.TestFraction);
            json.WritePropertyName("data_options");
            s.Data.Write(json);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>The settings a run's config.json records (what --resume continues with).</summary>
    internal static Settings ReadSettings(string directory)
    {
        string path = Path.Combine(directory, "config.json");
        if (!File.Exists(path)) throw new CliError($"--resume: {path} not found (not a 'vae train' output directory?)");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var model = ModelCheckpoint.ConfigFromJson(doc.RootElement.GetProperty("model").GetRawText());
            var t = doc.RootElement.GetProperty("training");
            string Text(string name) => t.GetProperty(name).GetString() ?? throw new FormatException($"'{name}' is null");
            T Or<T>(string name, Func<JsonElement, T> read, T fallback) => t.TryGetProperty(name, out var e) ? read(e) : fallback;
            return new Settings(Text("data"), model, new TrainingOptions
            {
                Epochs = t.GetProperty("epochs").GetInt32(),
                BatchSize = t.GetProperty("batch_size").GetInt32(),
                Optimizer = OptionParsing.Optimizer(Text("optimizer")),
                LearningRate = t.GetProperty("lr").GetSingle(),
                AdamEpsilon = Or("adam_epsilon", e => e.GetSingle(), 1e-8f),
                Weights = new LossWeights(t.GetProperty("recon_weight").GetSingle(), t.GetProperty("kl_weight").GetSingle()),
                KlWarmupEpochs = t.GetProperty("kl_warmup").GetInt32(),
                Binarize = OptionParsing.Binarize(Text("binarize")),
                Objective = OptionParsing.Objective(Or("objective", e => e.GetString() ?? "elbo", "elbo")),
                Samples = Or("k", e => e.GetInt32(), 1),
                Seed = t.GetProperty("seed").GetUInt64(),
                Threads = t.GetProperty("threads").GetInt32(),
            }, directory, Force: true, Quiet: false, Limit: t.GetProperty("limit").GetInt32())
            {
                Schedule = OptionParsing.Schedule(Or("schedule", e => e.GetString() ?? "constant", "constant")),
                EvaluateEvery = Or("eval_every", e => e.GetInt32(), 1),
                TestData = Or<string?>("test_data", e => e.GetString(), null),
                TestFraction = Or("test_fraction", e => e.GetDouble(), DefaultTestFraction),
                Data = Or("data_options", DataOptions.Read, new DataOptions()),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException or ArgumentException)
        {
            throw new CliError($"--resume: {path} is not a readable run configuration ({e.Message})");
        }
    }

    private static List<EpochMetrics> ReadMetrics(string path)
    {
        if (!File.Exists(path)) return [];
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.GetProperty("epochs").EnumerateArray().Select(e => new EpochMetrics(
                e.GetProperty("epoch").GetInt32(), e.GetProperty("train_loss").GetDouble(),
                e.GetProperty("test_loss").ValueKind == JsonValueKind.Null ? null
                    : new LossBreakdown(e.GetProperty("test_reconstruction").GetDouble(), e.GetProperty("test_kl").GetDouble(), e.GetProperty("test_loss").GetDouble(), 1),
                e.TryGetProperty("lr", out var lr) ? lr.GetDouble() : double.NaN, e.GetProperty("seconds").GetDouble(), e.GetProperty("samples_per_second").GetDouble())).ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CliError($"--resume: {path} is not readable ({e.Message}); move it away to resume without the earlier epochs' metrics");
        }
    }

    private static string MetricsJson(List<EpochMetrics> metrics, int epochs)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteBoolean("finished", metrics.Count > 0 && metrics[^1].Epoch >= epochs);
            json.WriteStartArray("epochs");
            foreach (var e in metrics)
            {
                json.WriteStartObject();
                json.WriteNumber("epoch", e.Epoch);
                json.WriteNumber("train_loss", e.TrainLoss);
                Json.Number(json, "test_loss", e.Test?.TotalPerSample);
                Json.Number(json, "test_reconstruction", e.Test?.ReconstructionPerSample);
                Json.Number(json, "test_kl", e.Test?.KlPerSample);
                json.WriteNumber("lr", e.LearningRate);
                json.WriteNumber("seconds", e.Seconds);
                json.WriteNumber("samples_per_second", e.SamplesPerSecond);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
