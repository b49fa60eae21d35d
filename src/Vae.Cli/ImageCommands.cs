using System.CommandLine;
using System.Globalization;
using Vae.Cli.Data;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Models;
using Vae.Simd.Serialization;
using Vae.Simd.Tensors;

namespace Vae.Cli;

/// <summary><c>vae sample</c> and <c>vae reconstruct</c>: pictures from a trained model.</summary>
internal static class ImageCommands
{
    public static Command CreateSample(TextWriter stdout)
    {
        var modelDir = new Option<string>("--model") { Description = "Directory holding model.safetensors (a 'vae train' --out)", Required = true };
        var n = new Option<int>("--n") { Description = "Number of images", DefaultValueFactory = _ => 64 };
        var output = new Option<string>("--out") { Description = "A PNG grid, or rows.csv / rows.npy (new rows in the data's own units: a table's synthetic rows)", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of z ~ N(0, I)", DefaultValueFactory = _ => 1 };
        var force = new Option<bool>("--force") { Description = "Replace a .csv or .npy --out that exists" };
        var precision = OptionParsing.PrecisionOption();
        var command = new Command("sample", "Decode n draws of z ~ N(0, I): a PNG grid, or new rows as .csv or .npy.") { modelDir, n, output, seed, force, precision };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            bool rows = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);
            int count = rows ? OptionParsing.Bounded(parse.GetValue(n), "--n", MaxRows, "rows of one file")
                : OptionParsing.Bounded(parse.GetValue(n), "--n", MaxImages, "one PNG grid");
            if (rows) OutputFiles.RefuseExisting(path, parse.GetValue(force), "--out");
            else OutputFiles.Png(path, "--out");
            ulong s = (ulong)OptionParsing.NonNegative(parse.GetValue(seed), "--seed");
            using var model = LoadModel(parse.GetValue(modelDir)!, parse.GetValue(precision)!);
            if (rows)
            {
                if ((long)count * model.InputSize > Array.MaxLength) throw new CliError($"--n: {count:N0} rows of {model.InputSize} values are more than one file holds here");
                var values = model.Sample(count, s);
                model.Scaling?.Restore(values);
                CodeCommands.WriteRows(path, values, count, model.InputSize, RunData.For(parse.GetValue(modelDir)!, null, null).FeatureNames);
            }
            else WriteSamples(model, path, count, s);
            stdout.WriteLine($"wrote {count} samples to {path}");
            return 0;
        });
        return command;
    }

    public static Command CreateReconstruct(TextWriter stdout)
    {
        var modelDir = new Option<string>("--model") { Description = "Directory holding model.safetensors (a 'vae train' --out)", Required = true };
        var n = new Option<int>("--n") { Description = "Number of test images", DefaultValueFactory = _ => 32 };
        var output = new Option<string>("--out") { Description = "PNG file to write", Required = true };
        var data = new Option<string?>("--data") { Description = "Rows to reconstruct, read as the model's run read its data: an MNIST folder (its test set), a .csv, .npy or image folder (default: the repo's data/mnist)" };
        var precision = OptionParsing.PrecisionOption();
        var command = new Command("reconstruct", "Reconstruct the first n test images; the PNG shows originals and reconstructions in alternate rows.") { modelDir, n, output, data, precision };
        command.SetAction(parse =>
        {
            int count = OptionParsing.Bounded(parse.GetValue(n), "--n", MaxImages, "one PNG grid");
            string path = parse.GetValue(output)!;
            OutputFiles.Png(path, "--out");
            using var model = LoadModel(parse.GetValue(modelDir)!, parse.GetValue(precision)!);
            string dataPath = parse.GetValue(data) ?? VaeCommand.DefaultDataDirectory();
            var test = RunData.For(parse.GetValue(modelDir)!, null, null).Read(dataPath, model).Data;
            WriteReconstructions(model, test, path, count);
            stdout.WriteLine($"wrote {Math.Min(count, test.Count)} reconstructions to {path}");
            return 0;
        });
        return command;
    }

    /// <summary>The most images one PNG grid holds.</summary>
    public const int MaxImages = 10_000;

    /// <summary>The most rows `sample` writes to one .csv or .npy.</summary>
    public const int MaxRows = 10_000_000;

    /// <summary>A trained model's weights stay far below this; a file with larger ones is corrupt or scaled, and would draw garbage.</summary>
    public const float MaxWeight = 1e4f;

    /// <summary>Loads DIR/model.safetensors (or the file named), reading the <c>--precision</c> that <paramref name="precision"/> gives.</summary>
    public static LatentModel LoadModel(string directory, string precision)
    {
        var chosen = OptionParsing.Precision(precision); // a nonsense value is refused before the file is read
        var model = LoadModel(directory);
        model.InferencePrecision = chosen;
        return model;
    }

    /// <summary>Loads DIR/model.safetensors (or the file named).</summary>
    public static LatentModel LoadModel(string directory)
    {
        string path = Directory.Exists(directory) ? Path.Combine(directory, "model.safetensors") : directory;
        if (!File.Exists(path)) throw new CliError($"no model at {path} (train one with 'vae train --out DIR')");
        var model = LatentModel.Load(path);
        float largest = System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(model.GetParameters());
        if (Math.Abs(largest) > MaxWeight)
        {
            model.Dispose();
            throw new CliError($"{path}: holds weights as large as {Math.Abs(largest):G3}; a trained model's stay far below {MaxWeight:G0}, so the file is corrupt or was scaled");
        }
        return model;
    }

    /// <summary>The shape to draw a model's rows in: its recorded image shape (with <see cref="ModelConfig.ImageChannels"/> per pixel),
    /// else a square if the input size is one, else one row.</summary>
    public static (int Height, int Width) ImageShape(ModelConfig config)
    {
        if (config.ImageHeight > 0) return (config.ImageHeight, config.ImageWidth);
        int side = (int)Math.Round(Math.Sqrt(config.InputSize));
        return side * side == config.InputSize ? (side, side) : (1, config.InputSize);
    }

    public static void WriteSamples(LatentModel model, string path, int count, ulong seed)
    {
        var images = model.Sample(count, seed);
        var (height, width) = ImageShape(model.Config);
        OutputFiles.EnsureParent(path);
        ImageGrid.Save(path, images, count, height, width, (int)Math.Ceiling(Math.Sqrt(count)), model.Config.ImageChannels);
    }

    /// <summary>Rows of 8: a row of originals, then the same images reconstructed.</summary>
    public static void WriteReconstructions(LatentModel model, Dataset test, string path, int count)
    {
        count = Math.Min(count, test.Count);
        int pixels = model.InputSize;
        // The network works in its own units; the picture shows the data's.
        var input = test.Rows(0, count).ToArray();
        model.Scaling?.Apply(input);
        var reconstructed = model.Reconstruct(input);
        model.Scaling?.Restore(reconstructed);
        const int perRow = 8;
        int rows = (count + perRow - 1) / perRow;
        var grid = new float[(long)rows * 2 * perRow * pixels];
        for (int i = 0; i < count; i++)
        {
            int row = i / perRow, col = i % perRow;
            test.Row(i).CopyTo(grid.AsSpan(((2 * row) * perRow + col) * pixels, pixels));
            reconstructed.AsSpan(i * pixels, pixels).CopyTo(grid.AsSpan(((2 * row + 1) * perRow + col) * pixels, pixels));
        }
        var (height, width) = ImageShape(model.Config);
        OutputFiles.EnsureParent(path);
        ImageGrid.Save(path, grid, rows * 2 * perRow, height, width, perRow, model.Config.ImageChannels);
    }
}
