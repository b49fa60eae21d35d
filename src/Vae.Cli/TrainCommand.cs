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
    internal sealed record Settings(string DataDirectory, ModelConfig Model, TrainerOptions Trainer, int Epochs, float LearningRate,
        string Optimizer, string OutputDirectory, bool Force, bool Quiet, int Limit);

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
                new TrainerOptions
                {
                    BatchSize = OptionParsing.Positive(parse.GetValue(batch), "--batch-size"),
                    Threads = OptionParsing.Positive(parse.GetValue(threads), "--threads"),
                    Seed = (ulong)OptionParsing.NonNegative(parse.GetValue(seed), "--seed"),
                    Weights = new LossWeights(OptionParsing.Weight(parse.GetValue(recWeight), "--recon-weight"), OptionParsing.Weight(parse.GetValue(klWeight), "--kl-weight")),
                    KlWarmupEpochs = OptionParsing.NonNegative(parse.GetValue(klWarmup), "--kl-warmup"),
                    Binarize = OptionParsing.Binarize(parse.GetValue(binarize)!),
                },
                OptionParsing.Positive(parse.GetValue(epochs), "--epochs"),
                OptionParsing.PositiveFinite(parse.GetValue(lr), "--lr"),
                optimizerName,
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
    public static void Train(Settings s, EpochProgress progress, ImageDatasetPair? data = null)
    {
        OutputFiles.OutputDirectory(s.OutputDirectory, "--out");
        string modelPath = Path.Combine(s.OutputDirectory, "model.safetensors");
        if (File.Exists(modelPath) && !s.Force)
            throw new CliError($"{modelPath} already exists; pass --force to overwrite it or choose another --out");

        var pair = data ?? ImageDatasetPair.Load(s.DataDirectory);
        var (train, test) = (pair.Train, pair.Test);
        if (s.Limit > 0) (train, test) = (train.Take(s.Limit), test.Take(s.Limit));
        var config = s.Model with { InputSize = train.PixelsPerImage };
        if (s.Trainer.Binarize != BinarizationMode.None)
        {
            // Test images are binarized once, whatever the training mode, so test losses are comparable across epochs.
            test = Binarization.Static(test, s.Trainer.Seed ^ 0x7E57UL);
            if (s.Trainer.Binarize == BinarizationMode.Static) train = Binarization.Static(train, s.Trainer.Seed);
        }

        Directory.CreateDirectory(s.OutputDirectory);
        var model = LatentNetwork.Create(config, s.Trainer.Seed);
        Optimizer optimizer = s.Optimizer == "sgd" ? new Sgd(model.Parameters.Length, s.LearningRate) : new Adam(model.Parameters.Length, s.LearningRate);
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "config.json"), ConfigJson(s, config, train));
        progress.Info($"training {config} on {train.Count} images ({s.DataDirectory}), {s.Trainer.Threads} threads → {s.OutputDirectory}");

        var metrics = new List<(EpochResult Epoch, double TestLoss, LossBreakdown Test)>();
        var metadata = new Dictionary<string, string> { ["image_height"] = train.Height.ToString(CultureInfo.InvariantCulture), ["image_width"] = train.Width.ToString(CultureInfo.InvariantCulture) };
        using (var trainer = new Trainer(model, optimizer, s.Trainer))
        {
            for (int epoch = 0; epoch < s.Epochs; epoch++)
            {
                progress.StartEpoch();
                var result = trainer.TrainEpoch(train, epoch, (done, loss) => progress.Step(epoch + 1, s.Epochs, done, train.Count, loss.Total / Math.Max(loss.Samples, 1)));
                var testLoss = trainer.Evaluate(test);
                double testPerImage = testLoss.Total / testLoss.Samples;
                metrics.Add((result, testPerImage, testLoss));
                progress.EndEpoch($"epoch {result.Epoch,3}/{s.Epochs}  train {result.TrainLossPerImage,9:F3}  test {testPerImage,9:F3}  (recon {testLoss.Reconstruction / testLoss.Samples:F3}, kl {testLoss.Kl / testLoss.Samples:F3})  {result.Seconds,6:F2} s  {result.SamplesPerSecond,9:N0} samples/s");
                ModelCheckpoint.Save(model, modelPath, metadata);
                AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "metrics.json"), MetricsJson(metrics));
            }
        }

        ImageCommands.WriteSamples(model, Path.Combine(s.OutputDirectory, "samples.png"), 64, train.Height, train.Width, s.Trainer.Seed);
        ImageCommands.WriteReconstructions(model, test, Path.Combine(s.OutputDirectory, "reconstructions.png"), 32);
        progress.Info($"wrote {modelPath}, config.json, metrics.json, samples.png and reconstructions.png in {s.OutputDirectory}");
    }

    private static string ConfigJson(Settings s, ModelConfig config, ImageDataset train)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WritePropertyName("model");
            using (var doc = JsonDocument.Parse(ModelCheckpoint.ConfigToJson(config))) doc.WriteTo(json);
            json.WriteStartObject("training");
            json.WriteString("data", Path.GetFullPath(s.DataDirectory));
            json.WriteNumber("image_height", train.Height);
            json.WriteNumber("image_width", train.Width);
            json.WriteNumber("epochs", s.Epochs);
            json.WriteNumber("batch_size", s.Trainer.BatchSize);
            json.WriteString("optimizer", s.Optimizer);
            json.WriteNumber("lr", s.LearningRate);
            json.WriteNumber("recon_weight", s.Trainer.Weights.Reconstruction);
            json.WriteNumber("kl_weight", s.Trainer.Weights.Kl);
            json.WriteNumber("kl_warmup", s.Trainer.KlWarmupEpochs);
            json.WriteString("binarize", s.Trainer.Binarize.ToString().ToLowerInvariant());
            json.WriteNumber("seed", s.Trainer.Seed);
            json.WriteNumber("threads", s.Trainer.Threads);
            json.WriteNumber("limit", s.Limit);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static string MetricsJson(List<(EpochResult Epoch, double TestLoss, LossBreakdown Test)> metrics)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("epochs");
            foreach (var (e, testLoss, test) in metrics)
            {
                json.WriteStartObject();
                json.WriteNumber("epoch", e.Epoch);
                json.WriteNumber("train_loss", e.TrainLossPerImage);
                json.WriteNumber("test_loss", testLoss);
                json.WriteNumber("test_reconstruction", test.Reconstruction / test.Samples);
                json.WriteNumber("test_kl", test.Kl / test.Samples);
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
