using System.Text.Json;
using Vae.Simd;

namespace Vae.Cli.Data;

/// <summary>How to read a <c>--data</c> path and, for training, where its test rows come from.</summary>
/// <param name="LabelColumn">CSV: the column that holds each row's label (not a feature).</param>
/// <param name="Columns">CSV: the feature columns, in order (null: every column but the label).</param>
/// <param name="ImputeMean">CSV: fill empty cells with their column's mean instead of refusing them.</param>
/// <param name="ResizeHeight">Image folders: resize every image to this height (0: all must have one size).</param>
/// <param name="ResizeWidth">Image folders: … and this width.</param>
/// <param name="Limit">Keep at most this many rows of each file (0: all).</param>
internal sealed record DataOptions(string? LabelColumn = null, IReadOnlyList<string>? Columns = null, bool ImputeMean = false,
    int ResizeHeight = 0, int ResizeWidth = 0, int Limit = 0)
{
    /// <summary>CSV: a file without <see cref="LabelColumn"/> is read unlabelled (the column was recorded by a run, not asked for).</summary>
    public bool LabelOptional { get; init; }

    /// <summary>The options as a JSON object (kept beside a model, so that later commands read new data the same way).</summary>
    public void Write(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        if (LabelColumn is not null) json.WriteString("label_column", LabelColumn);
        if (Columns is not null)
        {
            json.WriteStartArray("columns");
            foreach (var c in Columns) json.WriteStringValue(c);
            json.WriteEndArray();
        }
        json.WriteBoolean("impute_mean", ImputeMean);
        json.WriteNumber("resize_height", ResizeHeight);
        json.WriteNumber("resize_width", ResizeWidth);
        json.WriteNumber("limit", Limit);
        json.WriteEndObject();
    }

    /// <summary>Reads <see cref="Write"/>'s object.</summary>
    public static DataOptions Read(JsonElement e) => new(
        e.TryGetProperty("label_column", out var l) ? l.GetString() : null,
        e.TryGetProperty("columns", out var c) ? c.EnumerateArray().Select(x => x.GetString() ?? "").ToArray() : null,
        e.TryGetProperty("impute_mean", out var i) && i.GetBoolean(),
        e.TryGetProperty("resize_height", out var h) ? h.GetInt32() : 0,
        e.TryGetProperty("resize_width", out var w) ? w.GetInt32() : 0,
        e.TryGetProperty("limit", out var n) ? n.GetInt32() : 0);
}

/// <summary>A dataset read from a path, with what the path's format tells about it.</summary>
/// <param name="FeatureNames">A CSV's feature columns (null for other formats).</param>
/// <param name="ClassNames">Names of the labels when they came from text or folder names (null otherwise).</param>
/// <param name="Format">"idx", "csv", "npy" or "images".</param>
internal sealed record LoadedData(Dataset Data, string[]? FeatureNames, string[]? ClassNames, string Format);

/// <summary>
/// Reads every kind of <c>--data</c> the commands accept, by what the path is: a folder with the four MNIST IDX files; a folder of
/// PNG/JPEG images (flat, or one subfolder per class); a .csv/.tsv file; a .npy file; a single IDX images file.
/// </summary>
internal static class DataSource
{
    /// <summary>True when <paramref name="path"/> is a folder in the MNIST layout (its train and test split come with it).</summary>
    public static bool IsMnistFolder(string path)
        => Directory.Exists(path) && (File.Exists(Path.Combine(path, "train-images-idx3-ubyte")) || File.Exists(Path.Combine(path, "train-images-idx3-ubyte.gz")));

    /// <summary>Reads one path (an MNIST folder gives its <paramref name="mnistSplit"/> set).</summary>
    public static LoadedData Load(string path, DataOptions options, string mnistSplit = "test")
    {
        if (IsMnistFolder(path))
        {
            var (train, test) = Dataset.LoadMnist(path, options.Limit);
            return new LoadedData(mnistSplit == "train" ? train : test, null, null, "idx");
        }
        if (Directory.Exists(path))
        {
            var images = ImageFolder.Load(path, options.ResizeHeight, options.ResizeWidth, options.Limit);
            return new LoadedData(ToDataset(images), null, images.ClassNames, "images");
        }
        if (!File.Exists(path)) throw new CliError($"--data: {path} not found");
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".npy", StringComparison.Ordinal))
            return new LoadedData(Dataset.LoadNpy(path, null, options.Limit), null, null, "npy");
        if (name.EndsWith(".csv", StringComparison.Ordinal) || name.EndsWith(".tsv", StringComparison.Ordinal) || name.EndsWith(".txt", StringComparison.Ordinal))
        {
            var table = CsvTable.Load(path, new CsvOptions(options.LabelColumn, options.Columns, options.ImputeMean, options.Limit, options.LabelOptional));
            return new LoadedData(ToDataset(table), table.FeatureNames, table.ClassNames, "csv");
        }
        if (name.Contains("idx", StringComparison.Ordinal) || name.EndsWith("-ubyte", StringComparison.Ordinal) || name.EndsWith("-ubyte.gz", StringComparison.Ordinal))
            return new LoadedData(Dataset.LoadIdx(path, null, options.Limit), null, null, "idx");
        throw new CliError($"--data: {path}: unknown format; give an MNIST-layout folder, a folder of PNG/JPEG images, a .csv/.tsv file, a .npy file or an IDX file");
    }

    /// <summary>
    /// The training and test sets: an MNIST folder's own split; else the rows of <paramref name="testPath"/> (read the same way,
    /// CSV columns matched by name), else a seeded random <paramref name="testFraction"/> of the rows.
    /// </summary>
    public static (LoadedData Train, Dataset Test) LoadSplit(string path, string? testPath, double testFraction, DataOptions options, ulong seed)
    {
        if (double.IsNaN(testFraction) || testFraction < 0 || testFraction >= 1)
            throw new CliError($"--test-fraction: {testFraction} is not in [0, 1)");
        if (IsMnistFolder(path) && testPath is null)
        {
            var (train, test) = Dataset.LoadMnist(path, options.Limit);
            return (new LoadedData(train, null, null, "idx"), test);
        }
        var all = Load(path, options, "train");
        if (testPath is not null)
        {
            var test = Load(testPath, options with { Columns = all.FeatureNames ?? options.Columns }, "test");
            if (all.Data.ImageHeight > 0 && test.Data.ImageHeight > 0) test = test with { Data = WithChannels(test.Data, all.Data.ImageChannels) };
            RequireSameShape(all.Data, test.Data, path, testPath);
            // Classes by name: a test file may hold only some of them, or list them in another order.
            if (all.ClassNames is not null) test = WithClassOrder(test, all.ClassNames);
            return (all, test.Data);
        }
        int rows = all.Data.Count;
        int testRows = (int)Math.Round(rows * testFraction);
        if (testFraction > 0) testRows = Math.Max(testRows, 1);
        if (rows - testRows < 1)
            throw new CliError($"--data: {path} has {rows} row(s), too few to hold out {testFraction:P0} for testing (pass --test-data, or a smaller --test-fraction)");
        if (testRows == 0) return (all, all.Data);
        var order = Enumerable.Range(0, rows).ToArray();
        new Random(unchecked((int)seed ^ 0x5EED)).Shuffle(order);
        var testSet = order[..testRows].Order().ToArray();
        var trainSet = order[testRows..].Order().ToArray();
        return (all with { Data = Subset(all.Data, trainSet) }, Subset(all.Data, testSet));
    }

    /// <summary>The rows <paramref name="rows"/> of <paramref name="data"/>, in that order.</summary>
    public static Dataset Subset(Dataset data, int[] rows)
    {
        var values = new float[(long)rows.Length * data.Features];
        for (int i = 0; i < rows.Length; i++) data.Row(rows[i]).CopyTo(values.AsSpan(i * data.Features, data.Features));
        int[] labels = data.HasLabels ? rows.Select(r => data.Labels[r]).ToArray() : [];
        return Dataset.FromArray(values, data.Features, labels, data.ImageHeight, data.ImageWidth, Math.Max(1, data.ImageChannels));
    }

    /// <summary>Images with <paramref name="channels"/> channels: grey repeated into RGB, RGBA's alpha dropped for RGB, or RGB(A)
    /// made grey by the Rec. 601 luma weights (the data's own images unchanged when they already have that many).</summary>
    public static Dataset WithChannels(Dataset data, int channels)
    {
        int from = data.ImageChannels;
        if (data.ImageHeight == 0 || from == channels) return data;
        if (channels is not (1 or 3) || from is not (1 or 3 or 4))
            throw new CliError($"cannot turn images of {from} channels into images of {channels}");
        int pixels = data.ImageHeight * data.ImageWidth;
        var values = new float[(long)data.Count * pixels * channels];
        for (int i = 0; i < data.Count; i++)
        {
            var row = data.Row(i);
            var target = values.AsSpan(i * pixels * channels, pixels * channels);
            for (int p = 0; p < pixels; p++)
            {
                if (channels == 3 && from == 1) target[3 * p] = target[3 * p + 1] = target[3 * p + 2] = row[p];
                else if (channels == 3) row.Slice(from * p, 3).CopyTo(target.Slice(3 * p, 3));
                else target[p] = 0.299f * row[from * p] + 0.587f * row[from * p + 1] + 0.114f * row[from * p + 2];
            }
        }
        int[] labels = data.HasLabels ? data.Labels.ToArray() : [];
        return Dataset.FromArray(values, pixels * channels, labels, data.ImageHeight, data.ImageWidth, channels);
    }

    /// <summary>Labels renumbered so that each class name keeps the index <paramref name="known"/> gives it (names it lacks are
    /// appended after them): a file holding only some classes, in another order, means the same classes as the run's.</summary>
    public static LoadedData WithClassOrder(LoadedData loaded, string[] known)
    {
        if (loaded.ClassNames is not { } names || !loaded.Data.HasLabels || names.SequenceEqual(known)) return loaded;
        var all = known.ToList();
        var map = new int[names.Length];
        for (int c = 0; c < names.Length; c++)
        {
            int at = all.IndexOf(names[c]);
            if (at < 0) { at = all.Count; all.Add(names[c]); }
            map[c] = at;
        }
        var d = loaded.Data;
        var labels = d.Labels.ToArray().Select(l => map[l]).ToArray();
        var data = Dataset.FromArray(d.Rows(0, d.Count), d.Features, labels, d.ImageHeight, d.ImageWidth, Math.Max(1, d.ImageChannels));
        return loaded with { Data = data, ClassNames = all.ToArray() };
    }

    /// <summary>Test data must have the training data's row width and image shape.</summary>
    public static void RequireSameShape(Dataset train, Dataset test, string trainPath, string testPath)
    {
        if (train.Features != test.Features || train.ImageHeight != test.ImageHeight || train.ImageWidth != test.ImageWidth || train.ImageChannels != test.ImageChannels)
            throw new CliError($"--test-data: {testPath} has rows of {Describe(test)} but {trainPath} has {Describe(train)}");
    }

    /// <summary>"12 features" or "28×28 images" or "32×32×3 images".</summary>
    public static string Describe(Dataset d) => d.ImageHeight > 0
        ? $"{d.ImageHeight}×{d.ImageWidth}{(d.ImageChannels > 1 ? $"×{d.ImageChannels}" : "")} images"
        : $"{d.Features} features";

    private static Dataset ToDataset(LoadedTable t)
        => Dataset.FromArray(t.Values, t.Features, t.Labels ?? [], t.ImageHeight, t.ImageWidth, Math.Max(1, t.ImageChannels));
}
