using System.CommandLine;
using System.Globalization;
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
        var output = new Option<string>("--out") { Description = "PNG file to write", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of z ~ N(0, I)", DefaultValueFactory = _ => 1 };
        var command = new Command("sample", "Decode n draws of z ~ N(0, I) and write them as a PNG grid.") { modelDir, n, output, seed };
        command.SetAction(parse =>
        {
            int count = OptionParsing.Positive(parse.GetValue(n), "--n");
            string path = parse.GetValue(output)!;
            OutputFiles.Png(path, "--out");
            var (model, height, width) = LoadModel(parse.GetValue(modelDir)!);
            WriteSamples(model, path, count, height, width, (ulong)OptionParsing.NonNegative(parse.GetValue(seed), "--seed"));
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
        var data = new Option<string?>("--data") { Description = "Dataset directory (default: the repo's data/mnist)" };
        var command = new Command("reconstruct", "Reconstruct the first n test images; the PNG shows originals and reconstructions in alternate rows.") { modelDir, n, output, data };
        command.SetAction(parse =>
        {
            int count = OptionParsing.Positive(parse.GetValue(n), "--n");
            string path = parse.GetValue(output)!;
            OutputFiles.Png(path, "--out");
            var (model, _, _) = LoadModel(parse.GetValue(modelDir)!);
            var test = ImageDatasetPair.Load(parse.GetValue(data) ?? VaeCommand.DefaultDataDirectory()).Test;
            if (test.PixelsPerImage != model.Config.InputSize)
                throw new CliError($"the model takes {model.Config.InputSize} pixels per image but the data has {test.PixelsPerImage}");
            WriteReconstructions(model, test, path, count);
            stdout.WriteLine($"wrote {Math.Min(count, test.Count)} reconstructions to {path}");
            return 0;
        });
        return command;
    }

    /// <summary>Loads DIR/model.safetensors and the image shape recorded with it.</summary>
    public static (LatentNetwork Model, int Height, int Width) LoadModel(string directory)
    {
        string path = Directory.Exists(directory) ? Path.Combine(directory, "model.safetensors") : directory;
        if (!File.Exists(path)) throw new CliError($"no model at {path} (train one with 'vae train --out DIR')");
        var model = ModelCheckpoint.Load(path, out var metadata);
        int height = Read("image_height"), width = Read("image_width");
        if (height * width != model.Config.InputSize)
        {
            // Not written by the CLI: fall back to a square image if the input size is one.
            int side = (int)Math.Round(Math.Sqrt(model.Config.InputSize));
            (height, width) = side * side == model.Config.InputSize ? (side, side) : (1, model.Config.InputSize);
        }
        return (model, height, width);

        int Read(string key) => metadata.TryGetValue(key, out var v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) ? x : 0;
    }

    public static void WriteSamples(LatentNetwork model, string path, int count, int height, int width, ulong seed)
    {
        var images = new float[(long)count * model.Config.InputSize];
        using var ws = model.CreateWorkspace(Math.Min(count, 256));
        model.Sample(new MatrixSpan(images, count, model.Config.InputSize), new NoiseSource(seed), ws);
        OutputFiles.EnsureParent(path);
        ImageGrid.Save(path, images, count, height, width, (int)Math.Ceiling(Math.Sqrt(count)));
    }

    /// <summary>Rows of 8: a row of originals, then the same images reconstructed.</summary>
    public static void WriteReconstructions(LatentNetwork model, ImageDataset test, string path, int count)
    {
        count = Math.Min(count, test.Count);
        int pixels = model.Config.InputSize;
        var reconstructed = new float[(long)count * pixels];
        using var ws = model.CreateWorkspace(Math.Min(count, 256));
        model.Reconstruct(test.Slice(0, count), new MatrixSpan(reconstructed, count, pixels), ws);
        const int perRow = 8;
        int rows = (count + perRow - 1) / perRow;
        var grid = new float[(long)rows * 2 * perRow * pixels];
        for (int i = 0; i < count; i++)
        {
            int row = i / perRow, col = i % perRow;
            test.Pixels.AsSpan(i * pixels, pixels).CopyTo(grid.AsSpan(((2 * row) * perRow + col) * pixels, pixels));
            reconstructed.AsSpan(i * pixels, pixels).CopyTo(grid.AsSpan(((2 * row + 1) * perRow + col) * pixels, pixels));
        }
        OutputFiles.EnsureParent(path);
        ImageGrid.Save(path, grid, rows * 2 * perRow, test.Height, test.Width, perRow);
    }
}
