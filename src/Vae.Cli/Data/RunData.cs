using System.CommandLine;
using System.Text.Json;
using Vae.Simd;

namespace Vae.Cli.Data;

/// <summary>What a run recorded about its data (data.json beside the model), to read new data the same way.</summary>
internal sealed class RunData
{
    public required DataOptions Options { get; init; }
    public string[]? FeatureNames => Options.Columns?.ToArray();
    public string[]? ClassNames { get; init; }
    public string? RunFolder { get; init; }

    public static RunData For(string modelPath, DataOptionParsing? parsing, ParseResult? parse)
    {
        string folder = Directory.Exists(modelPath) ? modelPath : Path.GetDirectoryName(Path.GetFullPath(modelPath)) ?? ".";
        string file = Path.Combine(folder, TrainCommand.DataFile);
        var recorded = new DataOptions();
        string[]? classes = null;
        if (File.Exists(file))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(file));
                recorded = DataOptions.Read(doc.RootElement.GetProperty("options")) with { Limit = 0 };
                if (doc.RootElement.TryGetProperty("classes", out var c)) classes = c.EnumerateArray().Select(x => x.GetString() ?? "").ToArray();
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
            {
                throw new CliError($"{file}: not readable ({e.Message})");
            }
        }
        // Options given on this command line replace the recorded ones, each on its own.
        var options = parsing is not null && parse is not null ? parsing.Merge(parse, recorded) : recorded with { LabelOptional = true };
        return new RunData { Options = options, ClassNames = classes, RunFolder = File.Exists(Path.Combine(folder, "config.json")) ? folder : null };
    }

    /// <summary>Reads <paramref name="path"/> as the model's own data were read, and checks it fits the model.</summary>
    public LoadedData Read(string path, LatentModel model)
    {
        var loaded = DataSource.Load(path, Options);
        var config = model.Config;
        // Grey images for a colour model, or colour for a grey one: converted, as the user would expect of a picture.
        if (config.ImageHeight > 0 && loaded.Data.ImageHeight > 0 && loaded.Data.ImageChannels != config.ImageChannels)
            loaded = loaded with { Data = DataSource.WithChannels(loaded.Data, config.ImageChannels) };
        if (ClassNames is not null) loaded = loaded.ClassNames is null ? loaded with { ClassNames = ClassNames } : DataSource.WithClassOrder(loaded, ClassNames);
        var d = loaded.Data;
        string wanted = config.ImageHeight > 0
            ? $"{config.ImageHeight}×{config.ImageWidth}{(config.ImageChannels > 1 ? $"×{config.ImageChannels}" : "")} images"
            : $"{model.InputSize} features";
        if (d.Features != model.InputSize || (config.ImageHeight > 0 && d.ImageHeight > 0 && d.ImageHeight != config.ImageHeight))
            throw new CliError($"--data: {path} has rows of {DataSource.Describe(d)} but the model takes {wanted}"
                + (config.ImageHeight > 0 ? $" (pass --resize {config.ImageHeight},{config.ImageWidth} for images of another size)" : ""));
        if (config.Likelihood == Likelihood.Bernoulli && model.Scaling is null && (d.Min < 0 || d.Max > 1))
            throw new CliError($"--data: {path} has values from {d.Min:G4} to {d.Max:G4}, but the model's Bernoulli likelihood needs values in [0, 1]");
        return loaded;
    }

    /// <summary>The training rows of the run, split as training split them.</summary>
    public Dataset TrainingRows(LatentModel model)
    {
        if (RunFolder is null) throw new CliError("the model's training rows are needed, so give --model the folder of its 'vae train' run (with config.json and data.json)");
        var settings = TrainCommand.ReadSettings(RunFolder);
        var (train, _) = DataSource.LoadSplit(settings.DataDirectory, settings.TestData, settings.TestFraction, settings.Data, settings.Training.Seed);
        if (train.Data.Features != model.InputSize) throw new CliError($"the run's training data {settings.DataDirectory} no longer fit the model");
        return train.Data;
    }
}
