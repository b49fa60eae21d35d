using System.CommandLine;

namespace Vae.Cli;

/// <summary><c>vae experiment lecture</c>: the lecture's six-model comparison in one command.</summary>
internal static class ExperimentCommand
{
    public static Command Create(TextWriter stdout)
    {
        var output = new Option<string>("--out") { Description = "Directory for the models, figures, report.md and report.json", Required = true };
        var quick = new Option<bool>("--quick") { Description = $"Run the whole pipeline on {LectureSettings.QuickTrainImages} training and {LectureSettings.QuickTestImages} test images for {LectureSettings.QuickEpochs} epochs (a smoke test; the numbers mean nothing)" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per model", DefaultValueFactory = _ => 20 };
        var data = new Option<string?>("--data") { Description = "Dataset directory (default: the repo's data/mnist)" };
        var threads = new Option<int>("--threads") { Description = "Worker threads (results do not depend on it)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var seed = new Option<int>("--seed") { Description = "Seed for every model, draw and figure", DefaultValueFactory = _ => 1 };
        var force = new Option<bool>("--force") { Description = "Run again in an --out that already holds a report" };
        var classifier = new Option<string?>("--classifier") { Description = "Judge classifier (safetensors). Default: the cached one for the data set, trained if missing" };
        var variant = new Option<string>("--variant") { Description = "mlp (ReLU between layers) or linear (no hidden nonlinearity: the lecture's \"linear VAE\" read literally)", DefaultValueFactory = _ => "mlp" };
        var quiet = new Option<bool>("--quiet") { Description = "Print nothing but errors" };
        var lecture = new Command("lecture", "Train ae-2, ae-10, vae-2, vae-10 and the KL-only and reconstruction-only VAEs at dimensions 10 and 2 on MNIST and test each claim of the lecture; writes figures, report.md and report.json.")
        {
            output, quick, epochs, data, threads, seed, force, classifier, variant, quiet,
        };
        lecture.SetAction(parse =>
        {
            LectureExperiment.Run(new LectureSettings
            {
                OutputDirectory = parse.GetValue(output)!,
                Quick = parse.GetValue(quick),
                Epochs = OptionParsing.Positive(parse.GetValue(epochs), "--epochs"),
                DataDirectory = parse.GetValue(data) ?? VaeCommand.DefaultDataDirectory(),
                Threads = OptionParsing.Threads(parse.GetValue(threads), "--threads"),
                Seed = (ulong)OptionParsing.NonNegative(parse.GetValue(seed), "--seed"),
                Force = parse.GetValue(force),
                ClassifierPath = parse.GetValue(classifier),
                Quiet = parse.GetValue(quiet),
                Variant = parse.GetValue(variant)!.ToLowerInvariant() is "mlp" or "linear" ? parse.GetValue(variant)!.ToLowerInvariant()
                    : throw new CliError($"--variant: '{parse.GetValue(variant)}' is not one of mlp, linear"),
            }, stdout);
            return 0;
        });
        var burdaOut = new Option<string>("--out") { Description = "Directory for the runs (one folder per k), report.md, report.json and training-curves.png", Required = true };
        var burdaK = new Option<string>("--k") { Description = "Comma-separated k: 1 trains the VAE, k > 1 the IWAE with k samples", DefaultValueFactory = _ => "1,5" };
        var burdaEpochs = new Option<int>("--epochs") { Description = "Epochs per run (the schedule's 3,280 unless truncated; a truncated run is labelled so)", DefaultValueFactory = _ => LearningRateSchedule.BurdaEpochs };
        var burdaQuick = new Option<bool>("--quick") { Description = $"{BurdaSettings.QuickTrainImages} training images, {BurdaSettings.QuickEpochs} epochs, a small IW estimate (a smoke test)" };
        var burdaData = new Option<string?>("--data") { Description = "Dataset directory (default: the repo's data/mnist)" };
        var burdaThreads = new Option<int>("--threads") { Description = "Worker threads (results do not depend on it)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var burdaSeed = new Option<int>("--seed") { Description = "Seed of everything", DefaultValueFactory = _ => 1 };
        var burdaQuiet = new Option<bool>("--quiet") { Description = "Print nothing but errors" };
        var burdaIwImages = new Option<int>("--iw-images") { Description = "Test images for log p(x) with K = 5000 (the paper: all 10,000; fewer is quicker and noisier, and the report says how many)", DefaultValueFactory = _ => 10_000 };
        var burda = new Command("burda", "Burda et al. (2016) Table 1: train the VAE (k = 1) and IWAEs on dynamically binarized MNIST with the paper's recipe and measure log p(x) with K = 5000; resumes unfinished runs.")
        {
            burdaOut, burdaK, burdaEpochs, burdaQuick, burdaData, burdaThreads, burdaSeed, burdaQuiet, burdaIwImages,
        };
        burda.SetAction(parse =>
        {
            var ks = parse.GetValue(burdaK)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(t => int.TryParse(t, out int k) && k is >= 1 and <= 5000 ? k : throw new CliError($"--k: '{t}' is not a number of samples from 1 to 5000")).ToArray();
            if (ks.Length == 0) throw new CliError("--k: give at least one k");
            BurdaExperiment.Run(new BurdaSettings
            {
                OutputDirectory = parse.GetValue(burdaOut)!,
                Ks = ks.Distinct().ToArray(),
                Epochs = OptionParsing.Positive(parse.GetValue(burdaEpochs), "--epochs"),
                Quick = parse.GetValue(burdaQuick),
                DataDirectory = parse.GetValue(burdaData) ?? VaeCommand.DefaultDataDirectory(),
                Threads = OptionParsing.Threads(parse.GetValue(burdaThreads), "--threads"),
                Seed = (ulong)OptionParsing.NonNegative(parse.GetValue(burdaSeed), "--seed"),
                Quiet = parse.GetValue(burdaQuiet),
                IwImages = OptionParsing.Bounded(parse.GetValue(burdaIwImages), "--iw-images", 10_000, "MNIST has 10,000 test images"),
            }, stdout);
            return 0;
        });
        return new Command("experiment", "Reproducible experiments.") { lecture, burda, CreateAnomaly(stdout) };
    }

    private static Command CreateAnomaly(TextWriter stdout)
    {
        var output = new Option<string>("--out") { Description = "Directory for the run (vae/), scores.csv, figures/scores.png, report.md and report.json", Required = true };
        var data = new Option<string>("--data") { Description = "Normal rows to learn from (a .csv, .npy or image folder)", Required = true };
        var test = new Option<string>("--test") { Description = "Held-out rows, normal and anomalous, labelled by --label-column", Required = true };
        var anomaly = new Option<string>("--anomaly-label") { Description = "The label of the anomalous rows (every other label is normal)", Required = true };
        var latent = new Option<int>("--latent") { Description = "Latent dimension of the VAE, and components of the PCA baseline", DefaultValueFactory = _ => 2 };
        var hidden = new Option<string>("--hidden") { Description = "Encoder hidden widths, comma-separated", DefaultValueFactory = _ => "64" };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the normal rows", DefaultValueFactory = _ => 300 };
        var batch = new Option<int>("--batch-size") { Description = "Rows per step", DefaultValueFactory = _ => 32 };
        var lr = new Option<float>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 3e-3f };
        var iw = new Option<int>("--iw-samples") { Description = "Importance samples per test row for log p(x) (0: the negative ELBO only)", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed of everything", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Worker threads (results do not depend on it)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var force = new Option<bool>("--force") { Description = "Run again in an --out that already holds a report" };
        var quiet = new Option<bool>("--quiet") { Description = "Print nothing but errors" };
        var dataOptions = Data.DataOptionParsing.Create();
        var command = new Command("anomaly", "Anomaly detection: train a VAE on normal rows, score held-out normal and anomalous rows by −log p(x), and compare its ROC AUC with PCA reconstruction error of the same latent size.")
        {
            output, data, test, anomaly, latent, hidden, epochs, batch, lr, iw, seed, threads, force, quiet,
        };
        dataOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var read = dataOptions.Read(parse);
            Anomaly.AnomalyExperiment.Run(new Anomaly.AnomalySettings
            {
                OutputDirectory = parse.GetValue(output)!,
                TrainData = parse.GetValue(data)!,
                TestData = parse.GetValue(test)!,
                LabelColumn = read.LabelColumn ?? throw new CliError("--label-column: required; name the column that says which test rows are anomalies"),
                AnomalyLabel = parse.GetValue(anomaly)!,
                Data = read,
                Latent = OptionParsing.Positive(parse.GetValue(latent), "--latent"),
                Hidden = OptionParsing.Hidden(parse.GetValue(hidden)!),
                Epochs = OptionParsing.Positive(parse.GetValue(epochs), "--epochs"),
                BatchSize = OptionParsing.Positive(parse.GetValue(batch), "--batch-size"),
                LearningRate = OptionParsing.PositiveFinite(parse.GetValue(lr), "--lr"),
                IwSamples = parse.GetValue(iw) is int k and >= 0 and <= 100_000 ? k : throw new CliError($"--iw-samples: {parse.GetValue(iw)} is not allowed; it must be 0 to 100,000"),
                Seed = (ulong)OptionParsing.NonNegative(parse.GetValue(seed), "--seed"),
                Threads = OptionParsing.Threads(parse.GetValue(threads), "--threads"),
                Force = parse.GetValue(force),
                Quiet = parse.GetValue(quiet),
            }, stdout);
            return 0;
        });
        return command;
    }
}
