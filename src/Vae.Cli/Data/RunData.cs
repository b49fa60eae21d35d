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
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new CliError($"{file}: not readable ({e.Message})");
            }
        }
        // Options given on this command line replace the recorded ones.
        var options = parsing is not null && parse is not null && parsing.AnyGiven(parse) ? parsing.Read(parse) : recorded;
        return new RunData { Options = options, ClassNames = classes, RunFolder = File.Exists(Path.Combine(folder, "config.json")) ? folder : null };
    }

    /// <summary>Reads <paramref name="path"/> as the model's own data were read, and checks it fits the model.</summary>
    public LoadedData Read(string path, LatentModel model)
    {
        var loaded = DataSource.Load(path, Options);
        var d = loaded.Data;
        if (d.Features != model.InputSize)
            throw new CliError($"--data: {path} has rows of {DataSource.Describe(d)} but the model takes {(model.Config.ImageHeight > 0 ? $"{model.Config.ImageHeight}×{model.Config.ImageWidth}{(model.Config.ImageChannels > 1 ? $"×{model.Config.ImageChannels}" : "")} images" : $"{model.InputSize} features")}"
                + (model.Config.ImageHeight > 0 ? " (pass --resize H,W for images of another size)" : ""));
        if (model.Config.ImageHeight > 0 && d.ImageHeight > 0 && (d.ImageHeight != model.Config.ImageHeight || d.ImageChannels != model.Config.ImageChannels))
            throw new CliError($"--data: {path} has {DataSource.Describe(d)} but the model takes {model.Config.ImageHeight}×{model.Config.ImageWidth}×{model.Config.ImageChannels} images (pass --resize H,W)");
        if (model.Config.Likelihood == Likelihood.Bernoulli && model.Scaling is null && (d.Min < 0 || d.Max > 1))
            throw new CliError($"--data: {path} has values from {d.Min:G4} to {d.Max:G4}, but the model's Bernoulli likelihood needs values in [0, 1]");
        return ClassNames is not null && loaded.ClassNames is null ? loaded with { ClassNames = ClassNames } : loaded;
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
