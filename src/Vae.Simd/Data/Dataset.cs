using System.Numerics.Tensors;
using Vae.Simd.Data;
using Vae.Simd.Tensors;

namespace Vae.Simd;

/// <summary>
/// Rows of features (<see cref="float"/>, row-major), optionally with an integer label per row and an image shape:
/// what every loader produces and what a model trains on and scores. A dataset owns a private copy of its values,
/// checked once when it is made (every value finite, labels non-negative), so it never changes behind a model's back.
/// </summary>
public sealed class Dataset
{
    internal float[] Values { get; }
    internal int[]? LabelValues { get; }

    /// <summary>Number of rows.</summary>
    public int Count { get; }

    /// <summary>Values per row (pixels per image for images).</summary>
    public int Features { get; }

    /// <summary>Image height when the rows are images, else 0.</summary>
    public int ImageHeight { get; }

    /// <summary>Image width when the rows are images, else 0.</summary>
    public int ImageWidth { get; }

    /// <summary>Colour channels per pixel when the rows are images (1 grey, 3 RGB, stored interleaved: row by row, pixel by
    /// pixel, channel by channel), else 0.</summary>
    public int ImageChannels { get; }

    /// <summary>The smallest value in the dataset.</summary>
    public float Min { get; }

    /// <summary>The largest value in the dataset.</summary>
    public float Max { get; }

    /// <summary>True when every row has a label.</summary>
    public bool HasLabels => LabelValues is not null;

    /// <summary>One label per row (empty when <see cref="HasLabels"/> is false).</summary>
    public ReadOnlySpan<int> Labels => LabelValues;

    /// <summary>Takes ownership of <paramref name="values"/> (loaders made it; nobody else holds it).</summary>
    internal Dataset(float[] values, int features, int[]? labels, int imageHeight, int imageWidth, string source, int imageChannels = 1)
    {
        if (features <= 0) throw new ArgumentOutOfRangeException(nameof(features), features, $"{source}: rows need at least one feature");
        if (values.Length % features != 0)
            throw new ArgumentException($"{source}: {values.Length} values are not a whole number of rows of {features} features", nameof(values));
        int count = values.Length / features;
        if (labels is not null)
        {
            if (labels.Length != count) throw new ArgumentException($"{source}: {count} rows but {labels.Length} labels", nameof(labels));
            int negative = Array.FindIndex(labels, l => l < 0);
            if (negative >= 0) throw new ArgumentException($"{source}: label {negative} is {labels[negative]}; labels must be ≥ 0", nameof(labels));
        }
        if (imageChannels is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(imageChannels), imageChannels, $"{source}: images have 1 to 4 channels");
        if (imageHeight < 0 || imageWidth < 0 || (imageHeight == 0) != (imageWidth == 0) || (imageHeight > 0 && (long)imageHeight * imageWidth * imageChannels != features))
            throw new ArgumentException($"{source}: an image shape of {imageHeight}×{imageWidth}{(imageChannels > 1 ? $"×{imageChannels}" : "")} does not fit rows of {features} features (give both sizes, or neither)", nameof(imageHeight));
        if (values.Length > 0 && !float.IsFinite(TensorPrimitives.MaxMagnitude(values)))
        {
            int bad = Array.FindIndex(values, v => !float.IsFinite(v));
            throw new ArgumentException($"{source}: row {bad / features}, column {bad % features} is {values[bad]}; every value must be finite", nameof(values));
        }
        (Values, Features, Count, LabelValues, ImageHeight, ImageWidth) = (values, features, count, labels, imageHeight, imageWidth);
        ImageChannels = imageHeight > 0 ? imageChannels : 0;
        Min = values.Length == 0 ? 0 : TensorPrimitives.Min(values);
        Max = values.Length == 0 ? 0 : TensorPrimitives.Max(values);
    }

    /// <summary>A dataset of a copy of <paramref name="values"/> (row-major, <paramref name="features"/> per row), with optional
    /// labels (one per row, ≥ 0) and image shape (height × width × channels = features; channels interleaved).</summary>
    public static Dataset FromArray(ReadOnlySpan<float> values, int features, ReadOnlySpan<int> labels = default, int imageHeight = 0, int imageWidth = 0, int imageChannels = 1)
        => new(values.ToArray(), features, labels.IsEmpty ? null : labels.ToArray(), imageHeight, imageWidth, "the dataset", imageChannels);

    /// <summary>A dataset of a copy of <paramref name="rows"/> [count, features], with optional labels.</summary>
    public static Dataset FromRows(float[,] rows, ReadOnlySpan<int> labels = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var values = new float[rows.Length];
        Buffer.BlockCopy(rows, 0, values, 0, values.Length * sizeof(float));
        return new Dataset(values, rows.GetLength(1), labels.IsEmpty ? null : labels.ToArray(), 0, 0, "the dataset");
    }

    /// <summary>Row <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Row(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the dataset has rows 0 to {Count - 1}");
        return Values.AsSpan(index * Features, Features);
    }

    /// <summary>Rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>), back to back.</summary>
    public ReadOnlySpan<float> Rows(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(count), $"rows [{start}, {(long)start + count}) are not within the dataset's {Count}");
        return Values.AsSpan(start * Features, count * Features);
    }

    /// <summary>The first <paramref name="count"/> rows (all of them when there are fewer).</summary>
    public Dataset Take(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "cannot take a negative number of rows");
        count = Math.Min(count, Count);
        return new Dataset(Values.AsSpan(0, count * Features).ToArray(), Features, LabelValues?.AsSpan(0, count).ToArray(), ImageHeight, ImageWidth, "the dataset", Math.Max(ImageChannels, 1));
    }

    /// <summary>A copy in which every value v becomes 1 with probability v, else 0 (seeded; the same seed gives the same
    /// draws). The usual way to make grey-level images binary for a Bernoulli likelihood. Values must lie in [0, 1].</summary>
    public Dataset Binarized(ulong seed)
    {
        RequireUnitRange("binarization");
        var values = new float[Values.Length];
        for (int i = 0; i < Count; i++)
            Binarization.Sample(Values.AsSpan(i * Features, Features), values.AsSpan(i * Features, Features), seed, 0, i);
        return new Dataset(values, Features, LabelValues, ImageHeight, ImageWidth, "the dataset", Math.Max(ImageChannels, 1));
    }

    /// <summary>Reads an IDX images file (any rank ≥ 2: count × …, bytes scaled to [0, 1] by /255) and, optionally, its IDX
    /// labels file. Raw or gzip. With <paramref name="maxRows"/> &gt; 0 only the first rows are kept: memory follows what is kept,
    /// not what the header declares (the rest of the file is still checked). Throws <see cref="DataFormatException"/> naming the
    /// file and what is wrong.</summary>
    public static Dataset LoadIdx(string imagesPath, string? labelsPath = null, int maxRows = 0)
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        if (maxRows < 0) throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "0 keeps every row; a limit must be positive");
        int keep = maxRows == 0 ? int.MaxValue : maxRows;
        var images = IdxFile.Read(imagesPath, keep);
        if (images.Dimensions.Length < 2)
            throw new DataFormatException($"{imagesPath}: expected count × row values (2 or 3 dimensions) but found {images.Dimensions.Length}");
        int count = images.Dimensions[0];
        // Saturating at 2³¹: each size is below it, so a · b never wraps before the check below sees it.
        long features = images.Dimensions.Skip(1).Aggregate(1L, (a, b) => Math.Min(a * b, 1L << 31));
        if (features > int.MaxValue) throw new DataFormatException($"{imagesPath}: rows of {features:N0} values are too long");
        if (count == 0 || features == 0)
            throw new DataFormatException($"{imagesPath}: empty ({string.Join(" × ", images.Dimensions)})");
        int[]? labels = null;
        if (labelsPath is not null)
        {
            var labelFile = IdxFile.Read(labelsPath, keep);
            if (labelFile.Dimensions.Length != 1)
                throw new DataFormatException($"{labelsPath}: expected 1 dimension (count) but found {labelFile.Dimensions.Length}");
            if (labelFile.Dimensions[0] != count)
                throw new DataFormatException($"{imagesPath} holds {count} images but {labelsPath} holds {labelFile.Dimensions[0]} labels");
            labels = labelFile.Data.Select(b => (int)b).ToArray();
            if (labels.Length != images.Items) throw new DataFormatException($"{labelsPath}: {labels.Length} labels kept for {images.Items} images");
        }
        var values = new float[images.Data.Length];
        const float scale = 1f / 255f;
        for (int i = 0; i < values.Length; i++) values[i] = images.Data[i] * scale;
        bool image = images.Dimensions.Length == 3;
        return new Dataset(values, (int)features, labels, image ? images.Dimensions[1] : 0, image ? images.Dimensions[2] : 0, imagesPath);
    }

    /// <summary>
    /// Reads a NumPy .npy array: N × D rows of features, N × H × W grey images, or N × H × W × C images (C = 1, 3 or 4; channels
    /// interleaved). Elements may be float16, float32, float64 or an integer type; uint8 arrays are pixels and are scaled to [0, 1] by /255,
    /// every other type is kept as it is. <paramref name="labelsPath"/> (optional) is a 1-D integer .npy of one label ≥ 0 per row.
    /// With <paramref name="maxRows"/> &gt; 0 only the first rows are kept. The file is read in chunks; its header and length
    /// are checked, and <see cref="DataFormatException"/> names the file and what is wrong.
    /// </summary>
    public static Dataset LoadNpy(string path, string? labelsPath = null, int maxRows = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (maxRows < 0) throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "0 keeps every row; a limit must be positive");
        using var stream = OpenData(path, ".npy");
        var data = ReadNpy(stream, path, maxRows);
        if (labelsPath is null) return data;
        int[] labels = LoadNpyLabels(labelsPath, data.Count, data.NpyRows, maxRows);
        return new Dataset(data.Values, data.Features, labels, data.ImageHeight, data.ImageWidth, path, Math.Max(1, data.ImageChannels));
    }

    /// <summary>Rows the .npy file this dataset came from holds (before a row limit); 0 for other sources.</summary>
    private long NpyRows { get; init; }

    /// <summary>A .npy array from <paramref name="stream"/> (<paramref name="path"/> names it in errors), without labels.</summary>
    internal static Dataset ReadNpy(Stream stream, string path, int maxRows = 0)
    {
        var header = NpyFile.ReadHeader(stream, path);
        var shape = header.Shape;
        if (shape.Length is < 2 or > 4)
            throw new DataFormatException($"{path}: shape ({string.Join(", ", shape)}) has {shape.Length} dimension(s); expected rows × features (2), rows × height × width (3) or rows × height × width × channels (4)");
        if (shape.Length == 4 && shape[3] is not (1 or 3 or 4))
            throw new DataFormatException($"{path}: shape ({string.Join(", ", shape)}): images need 1, 3 or 4 channels in the last dimension, not {shape[3]}");
        long features = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        if (shape[0] == 0 || features == 0) throw new DataFormatException($"{path}: empty (shape ({string.Join(", ", shape)}))");
        if (features > int.MaxValue) throw new DataFormatException($"{path}: rows of {features:N0} values are too long");
        bool pixels = header.Kind == 'u' && header.ItemSize == 1;
        float[] values = NpyFile.ReadRows(stream, path, header, maxRows, pixels ? v => (float)(v / 255) : v => (float)v);
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0) throw new DataFormatException($"{path}: row {bad / features}, column {bad % features} is {values[bad]}; every value must be finite (a float64 beyond float32's range counts too)");
        int height = shape.Length >= 3 ? (int)shape[1] : 0, width = shape.Length >= 3 ? (int)shape[2] : 0;
        return new Dataset(values, (int)features, null, height, width, path, shape.Length == 4 ? (int)shape[3] : 1) { NpyRows = shape[0] };
    }

    private static int[] LoadNpyLabels(string path, int keptRows, long rows, int maxRows)
    {
        using var stream = OpenData(path, ".npy");
        var header = NpyFile.ReadHeader(stream, path);
        if (header.Shape.Length != 1 || header.Kind == 'f')
            throw new DataFormatException($"{path}: labels must be a 1-D integer array, not {header.Type} of shape ({string.Join(", ", header.Shape)})");
        if (header.Shape[0] != rows) throw new DataFormatException($"{path}: {header.Shape[0]} labels for {rows} rows");
        var values = NpyFile.ReadRows(stream, path, header, maxRows, v => v is >= 0 and <= 1 << 24 ? (float)v : -1f);
        int bad = Array.FindIndex(values, v => v < 0);
        if (bad >= 0) throw new DataFormatException($"{path}: label {bad} is negative or above {1 << 24}");
        return values.Take(keptRows).Select(v => (int)v).ToArray();
    }

    /// <summary>Opens a data file for reading after refusing what is not one (a folder, a device, an empty file).</summary>
    private static FileStream OpenData(string path, string kind)
    {
        if (Directory.Exists(path)) throw new DataFormatException($"{path}: is a directory, not a {kind} file");
        if (!File.Exists(path)) throw new DataFormatException($"{path}: file not found");
        if (new FileInfo(path).Length == 0) throw new DataFormatException($"{path}: empty, or not a regular file (a device or a pipe)");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    /// <summary>The four standard file stems of an MNIST-layout folder; each may be raw or end in .gz.</summary>
    internal static readonly string[] MnistFileStems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>Loads the training and test sets of MNIST, Fashion-MNIST, KMNIST or any folder with the same four file names
    /// (at most <paramref name="maxRows"/> rows of each when positive).</summary>
    public static (Dataset Train, Dataset Test) LoadMnist(string directory, int maxRows = 0)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (File.Exists(directory)) throw new DataFormatException($"{directory}: is a file; give the folder that holds the four MNIST files");
        if (!Directory.Exists(directory)) throw new DataFormatException($"{directory}: data directory not found");
        string Find(string stem)
        {
            foreach (var name in new[] { stem, stem + ".gz" })
            {
                string path = Path.Combine(directory, name);
                if (File.Exists(path)) return path;
            }
            throw new DataFormatException($"{directory}: missing {stem} (or {stem}.gz)");
        }
        var train = LoadIdx(Find(MnistFileStems[0]), Find(MnistFileStems[1]), maxRows);
        var test = LoadIdx(Find(MnistFileStems[2]), Find(MnistFileStems[3]), maxRows);
        if (train.Features != test.Features || train.ImageHeight != test.ImageHeight)
            throw new DataFormatException($"{directory}: training images are {train.ImageHeight}×{train.ImageWidth} but test images are {test.ImageHeight}×{test.ImageWidth}");
        return (train, test);
    }

    /// <inheritdoc />
    public override string ToString()
        => $"{Count} rows of {(ImageHeight > 0 ? $"{ImageHeight}×{ImageWidth}{(ImageChannels > 1 ? $"×{ImageChannels}" : "")} images" : $"{Features} features")}{(HasLabels ? ", labelled" : "")}";

    // ------------------------------------------------------------------ for the engine

    /// <summary>All rows as a [Count × Features] view.</summary>
    internal ReadOnlyMatrixSpan Matrix => new(Values, Count, Features);

    /// <summary>Rows [start, start + count) as a view.</summary>
    internal ReadOnlyMatrixSpan Slice(int start, int count) => Matrix.SliceRows(start, count);

    /// <summary>Throws unless every value lies in [0, 1], naming the first that does not.</summary>
    internal void RequireUnitRange(string purpose)
    {
        if (Min >= 0 && Max <= 1) return;
        int bad = Array.FindIndex(Values, v => v < 0 || v > 1);
        throw new ArgumentException($"{purpose} needs values in [0, 1] but row {bad / Features}, column {bad % Features} is {Values[bad]}: "
            + "scale the data into [0, 1] (pixels: divide by 255), or use Likelihood.Gaussian for real-valued data", "data");
    }
}
