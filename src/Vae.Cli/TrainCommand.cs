using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
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
    internal sealed record Settings(string DataDirectory, ModelConfig Model, TrainingOptions Training, string OutputDirectory, bool Force, bool Quiet, int Limit);

    public static Command Create(TextWriter stdout)
    {
        var data = new Option<string?>("--data") { Description = "Dataset directory with the four MNIST IDX files (raw or .gz). Default: the repo's data/mnist." };
        var model = new Option<string>("--model") { Description = "vae or ae", DefaultValueFactory = _ => "vae" };
        var hidden = new Option<string>("--hidden") { Description = "Encoder hidden widths, comma-separated (the decoder mirrors them)", DefaultValueFactory = _ => "400" };
        var latent = new Option<int>("--latent") { Description = "Latent dimension", DefaultValueFactory = _ => 20 };
        var activation = new Option<string>("--activation") { Description = "relu, leakyrelu, tanh or sigmoid", DefaultValueFactory = _ => "relu" };
        var likelihood = new Option<string>("--likelihood") { Description = "bernoulli (BCE) or gaussian (squared error)", DefaultValueFactory = _ => "bernoulli" };
        var recWeight = new Option<float>("--recon-weight") { Description = "Weight of the reconstruction term", DefaultValueFactory = _ => 1f };
        var klWeight = new Option<float>("--kl-weight") { Description = "Weight of the KL term", DefaultValueFactory = _ => 1f };
        var klWarmup = new Option<int>("--kl-warmup") { Description = "Epochs of linear KL warm-up (0 = none)", DefaultValueFactory = _ => 0 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training set", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { Description = "Images per step", DefaultValueFactory = _ => 128 };
        var lr = new Option<float>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 1e-3f };
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
            data, model, hidden, latent, activation, likelihood, recWeight, klWeight, klWarmup, epochs, batch, lr, optimizer, binarize, seed, threads, output, force, quiet, limit,
        };
        command.SetAction(parse =>
        {
            var kind = OptionParsing.Model(parse.GetValue(model)!);
            string optimizerName = parse.GetValue(optimizer)!.ToLowerInvariant();
            if (optimizerName is not ("adam" or "sgd")) throw new CliError($"--optimizer: '{optimizerName}' is not one of adam, sgd");
            var settings = new Settings(
                parse.GetValue(data) ?? VaeCommand.DefaultDataDirectory(),
                new ModelConfig
                {
                    Kind = kind,
                    Hidden = OptionParsing.Hidden(parse.GetValue(hidden)!),
                    Latent = OptionParsing.Positive(parse.GetValue(latent), "--latent"),
                    Activation = OptionParsing.Activation(parse.GetValue(activation)!),
                    Likelihood = OptionParsing.Likelihood(parse.GetValue(likelihood)!),
                },
                new TrainingOptions
                {
                    Epochs = OptionParsing.Positive(parse.GetValue(epochs), "--epochs"),
                    BatchSize = OptionParsing.Positive(parse.GetValue(batch), "--batch-size"),
                    LearningRate = OptionParsing.PositiveFinite(parse.GetValue(lr), "--lr"),
                    Optimizer = optimizerName == "sgd" ? OptimizerKind.Sgd : OptimizerKind.Adam,
                    Threads = OptionParsing.Threads(parse.GetValue(threads), "--threads"),
                    Seed = (ulong)OptionParsing.NonNegative(parse.GetValue(seed), "--seed"),
                    Weights = OptionParsing.Weights(parse.GetValue(recWeight), parse.GetValue(klWeight)),
                    KlWarmupEpochs = OptionParsing.NonNegative(parse.GetValue(klWarmup), "--kl-warmup"),
                    Binarize = OptionParsing.Binarize(parse.GetValue(binarize)!),
                },
                parse.GetValue(output) ?? Path.Combine("runs", $"{(kind == ModelKind.Variational ? "vae" : "ae")}-{DateTime.Now:yyyyMMdd-HHmmss}"),
                parse.GetValue(force),
                parse.GetValue(quiet),
                OptionParsing.NonNegative(parse.GetValue(limit), "--limit"));
            Train(settings, ReferenceEquals(stdout, Console.Out) ? EpochProgress.ForConsole(settings.Quiet) : new EpochProgress(settings.Quiet, stdout, interactive: false));
            return 0;
        });
        return command;
    }

    /// <summary>Runs a whole training: checks, data, epochs (model and metrics saved after each), pictures.
    /// <paramref name="data"/> (optional) is the already loaded <see cref="Settings.DataDirectory"/>, or a subset of it.</summary>
    public static void Train(Settings s, EpochProgress progress, (Dataset Train, Dataset Test)? data = null)
    {
        OutputFiles.OutputDirectory(s.OutputDirectory, "--out");
        string modelPath = Path.Combine(s.OutputDirectory, "model.safetensors");
        if (File.Exists(modelPath) && !s.Force)
            throw new CliError($"{modelPath} already exists; pass --force to overwrite it or choose another --out");

        var (train, test) = data ?? Dataset.LoadMnist(s.DataDirectory);
        if (s.Limit > 0) (train, test) = (train.Take(s.Limit), test.Take(s.Limit));
        var config = s.Model with { InputSize = train.Features, ImageHeight = train.ImageHeight, ImageWidth = train.ImageWidth };
        var options = s.Training;
        if (options.Binarize != BinarizationMode.None)
        {
            // Test images are binarized once, whatever the training mode, so test losses are comparable across epochs.
            test = test.Binarized(options.Seed ^ 0x7E57UL);
        }

        Directory.CreateDirectory(s.OutputDirectory);
        using var model = LatentModel.Create(config, options.Seed);
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "config.json"), ConfigJson(s, config, train));
        int threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        progress.Info($"training {config} on {train.Count} images ({s.DataDirectory}), {threads} threads → {s.OutputDirectory}");

        var metrics = new List<EpochReport>();
        // One epoch per Fit call: the model and the metrics are saved after each, and a later call continues the same run.
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            progress.StartEpoch();
            var report = model.FitCore(train, options with { Epochs = 1, Binarize = options.Binarize }, null, null,
                (e, done, loss) => progress.Step(e, options.Epochs, done, train.Count, loss.TotalPerSample), CancellationToken.None)[0];
            var testLoss = model.Evaluate(test, options.Weights, options.Seed, options.Threads);
            report = report with { LastEpoch = options.Epochs, Validation = testLoss };
            metrics.Add(report);
            progress.EndEpoch($"epoch {report.Epoch,3}/{options.Epochs}  train {report.Train.TotalPerSample,9:F3}  test {testLoss.TotalPerSample,9:F3}  (recon {testLoss.ReconstructionPerSample:F3}, kl {testLoss.KlPerSample:F3})  {report.Seconds,6:F2} s  {report.SamplesPerSecond,9:N0} samples/s");
            model.Save(modelPath);
            AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "metrics.json"), MetricsJson(metrics));
        }

        ImageCommands.WriteSamples(model, Path.Combine(s.OutputDirectory, "samples.png"), 64, options.Seed);
        ImageCommands.WriteReconstructions(model, test, Path.Combine(s.OutputDirectory, "reconstructions.png"), 32);
        progress.Info($"wrote {modelPath}, config.json, metrics.json, samples.png and reconstructions.png in {s.OutputDirectory}");
    }

    private static string ConfigJson(Settings s, ModelConfig config, Dataset train)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WritePropertyName("model");
            using (var doc = JsonDocument.Parse(ModelCheckpoint.ConfigToJson(config))) doc.WriteTo(json);
            json.WriteStartObject("training");
            json.WriteString("data", Path.GetFullPath(s.DataDirectory));
            json.WriteNumber("image_height", train.ImageHeight);
            json.WriteNumber("image_width", train.ImageWidth);
            var t = s.Training;
            json.WriteNumber("epochs", t.Epochs);
            json.WriteNumber("batch_size", t.BatchSize);
            json.WriteString("optimizer", t.Optimizer.ToString().ToLowerInvariant());
            json.WriteNumber("lr", t.LearningRate);
            json.WriteNumber("recon_weight", t.Weights.Reconstruction);
            json.WriteNumber("kl_weight", t.Weights.Kl);
            json.WriteNumber("kl_warmup", t.KlWarmupEpochs);
            json.WriteString("binarize", t.Binarize.ToString().ToLowerInvariant());
            json.WriteNumber("seed", t.Seed);
            json.WriteNumber("threads", t.Threads == 0 ? Environment.ProcessorCount : t.Threads);
            json.WriteNumber("limit", s.Limit);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static string MetricsJson(List<EpochReport> metrics)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("epochs");
            foreach (var e in metrics)
            {
                var test = e.Validation!.Value;
                json.WriteStartObject();
                json.WriteNumber("epoch", e.Epoch);
                json.WriteNumber("train_loss", e.Train.TotalPerSample);
                json.WriteNumber("test_loss", test.TotalPerSample);
                json.WriteNumber("test_reconstruction", test.ReconstructionPerSample);
                json.WriteNumber("test_kl", test.KlPerSample);
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
