using System.CommandLine;
using Vae.Cli.Data;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Evaluation;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Cli;

/// <summary><c>vae interpolate</c>, <c>vae traverse</c> and <c>vae latent</c>: pictures of the latent space.</summary>
internal static class LatentCommands
{
    public static Command CreateInterpolate(TextWriter stdout)
    {
        var modelDir = ModelOption();
        var data = DataOption();
        var from = new Option<int>("--from") { Description = "Index of the first test image", DefaultValueFactory = _ => 0 };
        var to = new Option<int>("--to") { Description = "Index of the second test image", DefaultValueFactory = _ => 1 };
        var steps = new Option<int>("--steps") { Description = "Decoded points between (and including) the two codes", DefaultValueFactory = _ => 10 };
        var output = new Option<string>("--out") { Description = "PNG file to write", Required = true };
        var command = new Command("interpolate", "Decode the straight line between the codes of two test images; the PNG shows the two originals at the ends.")
        { modelDir, data, from, to, steps, output };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            OutputFiles.Png(path, "--out");
            var (model, test) = LoadModelAndTest(parse.GetValue(modelDir)!, parse.GetValue(data));
            int a = Index(parse.GetValue(from), "--from", test), b = Index(parse.GetValue(to), "--to", test);
            int n = OptionParsing.Bounded(parse.GetValue(steps), "--steps", 1000, "points on one line of a PNG");
            if (n < 2) throw new CliError("--steps: at least 2 points are needed for a line");
            WriteInterpolations(model, test, path, [(a, b)], n);
            stdout.WriteLine($"wrote the interpolation from test image {a} to {b} to {path}");
            return 0;
        });
        return command;
    }

    public static Command CreateTraverse(TextWriter stdout)
    {
        var modelDir = ModelOption();
        var data = DataOption();
        var image = new Option<int>("--image") { Description = "Test image whose code holds the other dimensions fixed", DefaultValueFactory = _ => 0 };
        var steps = new Option<int>("--steps") { Description = "Values per dimension", DefaultValueFactory = _ => 11 };
        var span = new Option<float>("--span") { Description = "How far each dimension moves: ±span (VAE: in prior units; AE: in standard deviations of the test codes)", DefaultValueFactory = _ => 3f };
        var output = new Option<string>("--out") { Description = "PNG file to write", Required = true };
        var command = new Command("traverse", "Vary one latent dimension at a time with the others fixed; one row per dimension.") { modelDir, data, image, steps, span, output };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            OutputFiles.Png(path, "--out");
            var (model, test) = LoadModelAndTest(parse.GetValue(modelDir)!, parse.GetValue(data));
            int i = Index(parse.GetValue(image), "--image", test);
            int n = OptionParsing.Bounded(parse.GetValue(steps), "--steps", 1000, "points on one line of a PNG");
            if (n < 2) throw new CliError("--steps: at least 2 values are needed");
            float s = OptionParsing.PositiveFinite(parse.GetValue(span), "--span");
            WriteTraversal(model, test, path, i, n, s);
            stdout.WriteLine($"wrote the traversal of {model.Latent} dimensions around test image {i} to {path}");
            return 0;
        });
        return command;
    }

    public static Command CreateLatent(TextWriter stdout)
    {
        var modelDir = ModelOption();
        var data = DataOption();
        var output = new Option<string>("--out") { Description = "Directory for the figures", Required = true };
        var command = new Command("latent", "Histograms of the test codes per dimension against N(0, 1); for a 2-D latent space also the codes coloured by digit and the decoded grid over the plane.")
        { modelDir, data, output };
        command.SetAction(parse =>
        {
            var (model, test) = LoadModelAndTest(parse.GetValue(modelDir)!, parse.GetValue(data));
            string dir = parse.GetValue(output)!;
            OutputFiles.FigureDirectory(dir, "--out", LatentFigureNames(model.Latent, test.ImageHeight > 0));
            foreach (var file in WriteLatentFigures(model, test, dir, Path.GetFileName(Path.GetFullPath(parse.GetValue(modelDir)!).TrimEnd('/'))))
                stdout.WriteLine($"wrote {file}");
            return 0;
        });
        return command;
    }

    // ------------------------------------------------------------------ figures (also used by the experiment)

    /// <summary>One row per pair: original a, the decoded line from code(a) to code(b) in <paramref name="steps"/> points, original b.</summary>
    public static void WriteInterpolations(LatentNetwork model, Dataset test, string path, IReadOnlyList<(int A, int B)> pairs, int steps)
    {
        int pixels = model.Config.InputSize, latent = model.Latent, columns = steps + 2;
        RequireImages(test, "interpolate");
        var grid = new float[PictureValues((long)pairs.Count * columns, pixels)];
        using var ws = model.CreateWorkspace(Math.Max(steps, 2));
        using var ends = new Matrix(2, latent);
        using var line = new Matrix(steps, latent);
        using var decoded = new Matrix(steps, pixels);
        for (int p = 0; p < pairs.Count; p++)
        {
            var (a, b) = pairs[p];
            test.Matrix[a].CopyTo(grid.AsSpan((p * columns) * pixels, pixels));
            test.Matrix[b].CopyTo(grid.AsSpan((p * columns + columns - 1) * pixels, pixels));
            model.EncodeMean(test.Matrix.SliceRows(a, 1), ends.AsSpan().SliceRows(0, 1), ws);
            model.EncodeMean(test.Matrix.SliceRows(b, 1), ends.AsSpan().SliceRows(1, 1), ws);
            var e = ends.AsReadOnlySpan();
            var l = line.AsSpan();
            for (int k = 0; k < steps; k++)
            {
                float t = k / (float)(steps - 1);
                for (int j = 0; j < latent; j++) l[k][j] = (1 - t) * e[0][j] + t * e[1][j];
            }
            model.Decode(line.AsReadOnlySpan(), decoded.AsSpan(), ws);
            decoded.Span.CopyTo(grid.AsSpan((p * columns + 1) * pixels, steps * pixels));
        }
        OutputFiles.EnsureParent(path);
        ImageGrid.Save(path, grid, pairs.Count * columns, test.ImageHeight, test.ImageWidth, columns, Math.Max(1, test.ImageChannels));
    }

    /// <summary>A picture of the model's rows needs rows that are images: a table's would be drawn as an empty grid.</summary>
    private static void RequireImages(Dataset test, string command)
    {
        if (test.ImageHeight == 0)
            throw new CliError($"{command} draws pictures, but the model's rows are not images (a table or flat array); use encode and decode for those");
    }

    /// <summary>The floats of a picture of <paramref name="tiles"/> images of <paramref name="pixels"/> values, refused in one line
    /// when more than one array holds (a large --steps on large images).</summary>
    private static long PictureValues(long tiles, int pixels)
        => tiles * pixels <= Array.MaxLength ? tiles * pixels
            : throw new CliError($"--steps: {tiles:N0} images of {pixels:N0} values are more than one picture can hold; use fewer steps");

    /// <summary>
    /// One row per latent dimension d: the code of test image <paramref name="image"/> with z_d replaced by
    /// <paramref name="steps"/> evenly spaced values. A VAE's z_d runs over ±span (the prior's scale); an AE has no prior,
    /// so its z_d runs over m_d ± span·s_d, the mean and standard deviation of the test codes in that dimension.
    /// </summary>
    public static void WriteTraversal(LatentNetwork model, Dataset test, string path, int image, int steps, float span)
    {
        int latent = model.Latent, pixels = model.Config.InputSize;
        RequireImages(test, "traverse");
        var images = new float[PictureValues((long)latent * steps, pixels)];
        using var ws = model.CreateWorkspace(Math.Min(Math.Max(steps, 1) * latent, 512));
        using var codes = Traversal.Codes(model, test, image, steps, span, ws);
        model.Decode(codes.AsReadOnlySpan(), new MatrixSpan(images, latent * steps, pixels), ws);
        OutputFiles.EnsureParent(path);
        ImageGrid.Save(path, images, latent * steps, test.ImageHeight, test.ImageWidth, steps, Math.Max(1, test.ImageChannels));
    }

    /// <summary>The figures <see cref="WriteLatentFigures"/> writes: histograms, and for a 2-D latent space the map and, when
    /// the rows are images, the decoded plane (a table's rows have no picture to tile).</summary>
    public static IReadOnlyList<string> LatentFigureNames(int latent, bool images)
        => latent != 2 ? ["latent-histograms.png"] : images ? ["latent-histograms.png", "latent-map.png", "latent-grid.png"] : ["latent-histograms.png", "latent-map.png"];

    /// <summary>Writes <see cref="LatentFigureNames"/> into <paramref name="directory"/>. Returns the files written.</summary>
    public static IReadOnlyList<string> WriteLatentFigures(LatentNetwork model, Dataset test, string directory, string title)
    {
        Directory.CreateDirectory(directory);
        int latent = model.Latent;
        var codes = new float[test.Count * latent];
        using var ws = model.CreateWorkspace(Math.Min(test.Count, 500));
        model.EncodeMean(test.Matrix, new MatrixSpan(codes, test.Count, latent), ws);
        var written = LatentFigureNames(latent, test.ImageHeight > 0).Select(name => Path.Combine(directory, name)).ToArray();
        string codeName = model is VariationalNetwork ? "μ" : "code";
        Plots.LatentHistograms(written[0], codes, test.Count, latent, title);
        if (latent == 2)
        {
            Plots.LatentScatter(written[1], codes, test.Count, test.Labels, $"{title}: test-set {codeName}{(test.HasLabels ? " by label" : "")}");
            if (test.ImageHeight > 0) WriteDecodedPlane(model, test, written[2], 20, ws);
        }
        return written;
    }

    /// <summary>Decodes an n×n grid over the plane: z₀ left to right, z₁ bottom to top, over the traversal range (±3).</summary>
    private static void WriteDecodedPlane(LatentNetwork model, Dataset test, string path, int n, NetworkWorkspace ws)
    {
        var (low, high) = Traversal.Range(model, test, 3f, ws);
        var z = new float[n * n * 2];
        for (int row = 0; row < n; row++)
            for (int col = 0; col < n; col++)
            {
                int i = row * n + col;
                z[2 * i] = low[0] + (high[0] - low[0]) * col / (n - 1);
                z[2 * i + 1] = high[1] - (high[1] - low[1]) * row / (n - 1);
            }
        var images = new float[n * n * model.Config.InputSize];
        model.Decode(new ReadOnlyMatrixSpan(z, n * n, 2), new MatrixSpan(images, n * n, model.Config.InputSize), ws);
        ImageGrid.Save(path, images, n * n, test.ImageHeight, test.ImageWidth, n, Math.Max(1, test.ImageChannels));
    }

    // ------------------------------------------------------------------ shared option handling

    private static Option<string> ModelOption() => new("--model") { Description = "Directory holding model.safetensors (a 'vae train' --out)", Required = true };

    private static Option<string?> DataOption() => new("--data") { Description = "Rows to encode, read as the model's run read its data: an MNIST folder (its test set), a .csv, .npy or image folder (default: the repo's data/mnist)" };

    /// <summary>The model's network and the data in the network's units (the model's scaling applied).</summary>
    private static (LatentNetwork Model, Dataset Test) LoadModelAndTest(string modelDir, string? dataDir)
    {
        var model = ImageCommands.LoadModel(modelDir);
        var test = RunData.For(modelDir, null, null).Read(dataDir ?? VaeCommand.DefaultDataDirectory(), model).Data;
        return (model.Network, model.Scaling?.Apply(test) ?? test);
    }

    private static int Index(int value, string option, Dataset test)
        => value >= 0 && value < test.Count ? value : throw new CliError($"{option}: {value} is not a test image index (0 to {test.Count - 1})");
}
