using Vae.Simd.Tensors;

namespace Vae.Simd.Data;

/// <summary>
/// Images as rows of floats in [0, 1] (pixel / 255, converted once at load) with their labels.
/// The pixel array is owned here; batches over it are views.
/// </summary>
internal sealed class ImageDataset
{
    /// <summary>Row-major pixels: image i is [i·PixelsPerImage, (i+1)·PixelsPerImage).</summary>
    public float[] Pixels { get; }

    /// <summary>One label per image (0–255; MNIST uses 0–9).</summary>
    public byte[] Labels { get; }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Height × width.</summary>
    public int PixelsPerImage => Height * Width;

    /// <summary>A dataset over given pixels (values in [0, 1]) and labels.</summary>
    public ImageDataset(float[] pixels, byte[] labels, int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"image size {height}×{width} is not positive");
        if (pixels.Length != (long)labels.Length * height * width)
            throw new ArgumentException($"{labels.Length} images of {height}×{width} need {(long)labels.Length * height * width} pixels, not {pixels.Length}", nameof(pixels));
        Pixels = pixels;
        Labels = labels;
        Height = height;
        Width = width;
    }

    /// <summary>All images as an [Count × PixelsPerImage] view.</summary>
    public ReadOnlyMatrixSpan Images => new(Pixels, Count, PixelsPerImage);

    /// <summary>Images [start, start + count) as a view (no copy).</summary>
    public ReadOnlyMatrixSpan Slice(int start, int count) => Images.SliceRows(start, count);

    /// <summary>The first <paramref name="count"/> images (for quick runs).</summary>
    public ImageDataset Take(int count)
    {
        count = Math.Clamp(count, 0, Count);
        return new ImageDataset(Pixels.AsSpan(0, count * PixelsPerImage).ToArray(), Labels.AsSpan(0, count).ToArray(), Height, Width);
    }

    /// <summary>Reads an images file and a labels file (IDX, raw or gzip) and checks they agree.</summary>
    public static ImageDataset Load(string imagesPath, string labelsPath)
    {
        var images = IdxFile.Read(imagesPath);
        var labels = IdxFile.Read(labelsPath);
        if (images.Dimensions.Length != 3)
            throw new DataFormatException($"{imagesPath}: expected 3 dimensions (count × rows × columns) but found {images.Dimensions.Length}");
        if (labels.Dimensions.Length != 1)
            throw new DataFormatException($"{labelsPath}: expected 1 dimension (count) but found {labels.Dimensions.Length}");
        int count = images.Dimensions[0], height = images.Dimensions[1], width = images.Dimensions[2];
        if (labels.Dimensions[0] != count)
            throw new DataFormatException($"{imagesPath} holds {count} images but {labelsPath} holds {labels.Dimensions[0]} labels");
        if (count == 0 || height == 0 || width == 0)
            throw new DataFormatException($"{imagesPath}: empty ({count} images of {height}×{width})");
        var pixels = new float[images.Data.Length];
        const float scale = 1f / 255f;
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images.Data[i] * scale;
        return new ImageDataset(pixels, labels.Data, height, width);
    }
}

/// <summary>The training and test halves of an MNIST-layout directory.</summary>
internal sealed record ImageDatasetPair(ImageDataset Train, ImageDataset Test)
{
    /// <summary>The four standard file stems; each may be raw or end in .gz.</summary>
    public static readonly string[] FileStems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>Loads MNIST, Fashion-MNIST, KMNIST or any dataset with the same file names from <paramref name="directory"/>.</summary>
    public static ImageDatasetPair Load(string directory)
    {
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
        var train = ImageDataset.Load(Find(FileStems[0]), Find(FileStems[1]));
        var test = ImageDataset.Load(Find(FileStems[2]), Find(FileStems[3]));
        if (train.Height != test.Height || train.Width != test.Width)
            throw new DataFormatException($"{directory}: training images are {train.Height}×{train.Width} but test images are {test.Height}×{test.Width}");
        return new ImageDatasetPair(train, test);
    }
}
