using SkiaSharp;
using Vae.Simd;
using Vae.Simd.Common;

namespace Vae.Cli.Data;

/// <summary>
/// Reads a folder of PNG and JPEG images into a <see cref="LoadedTable"/>: either the images themselves (no labels), or one
/// subfolder per class, the way image datasets are usually shipped. Names are sorted ordinally so the same folder always
/// gives the same rows and class numbers on every machine. Skipped: files that are not .png, .jpg or .jpeg, names that start
/// with a dot (macOS leaves a "._x.png" that is not an image beside every image on some drives) and folders inside a class folder.
/// </summary>
/// <remarks>
/// Pixels keep the values stored in the file: no colour-space conversion and no EXIF rotation. Transparent pixels are
/// composited over black (premultiplied), so a fully transparent pixel is 0 whatever colour it stores. Images are greyscale
/// (1 channel) only when every pixel of every image has R = G = B; a colour JPEG of a grey picture usually is not, because
/// of its chroma noise, and is read as RGB. One image is decoded at a time.
/// </remarks>
internal static class ImageFolder
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    /// <summary>Trilinear: shrinking averages the pixels a target pixel covers (mipmaps) instead of skipping most of them.</summary>
    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    /// <summary>byte / 255 for every byte, so pixel values are exactly what a user computes by hand.</summary>
    private static readonly float[] Unit = Enumerable.Range(0, 256).Select(b => b / 255f).ToArray();

    public static LoadedTable Load(string directory, int resizeHeight = 0, int resizeWidth = 0, int maxRows = 0)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (resizeHeight < 0) throw new ArgumentOutOfRangeException(nameof(resizeHeight), resizeHeight, "0 keeps the images' size; a size must be positive");
        if (resizeWidth < 0) throw new ArgumentOutOfRangeException(nameof(resizeWidth), resizeWidth, "0 keeps the images' size; a size must be positive");
        if ((resizeHeight == 0) != (resizeWidth == 0)) throw new ArgumentException($"resize to {resizeHeight}×{resizeWidth}: give both a height and a width, or neither", nameof(resizeWidth));
        if (maxRows < 0) throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "0 keeps every image; a limit must be positive");
        if (File.Exists(directory)) throw Error(directory, "is a file; give a folder of PNG or JPEG images (or of one subfolder of them per class)");
        if (!Directory.Exists(directory)) throw Error(directory, "image folder not found");

        var (files, labels, classNames) = List(directory);
        if (maxRows > 0 && files.Count > maxRows)
        {
            files = files[..maxRows];
            labels = labels?[..maxRows];
        }
        return Decode(directory, files, labels, classNames, resizeHeight, resizeWidth);
    }

    /// <summary>The images in reading order, with their classes when the folder has class subfolders.</summary>
    private static (List<string> Files, int[]? Labels, string[]? ClassNames) List(string directory)
    {
        try
        {
            var images = ImagesIn(directory);
            var folders = Visible(Directory.GetDirectories(directory));
            if (folders.Length == 0)
            {
                if (images.Count == 0)
                    throw Error(directory, "holds no PNG or JPEG images (.png, .jpg, .jpeg), and no class subfolders of them");
                return (images, null, null);
            }
            if (images.Count > 0)
                throw Error(directory, $"holds images (first: {Path.GetFileName(images[0])}) beside class subfolders (first: {Path.GetFileName(folders[0])}); "
                    + "put every image in its class's subfolder, or no subfolders at all");
            var files = new List<string>();
            var labels = new List<int>();
            for (int c = 0; c < folders.Length; c++)
            {
                var inClass = ImagesIn(folders[c]);
                if (inClass.Count == 0)
                    throw Error(folders[c], $"class folder '{Path.GetFileName(folders[c])}' holds no PNG or JPEG images (.png, .jpg, .jpeg); every class needs at least one");
                files.AddRange(inClass);
                labels.AddRange(Enumerable.Repeat(c, inClass.Count));
            }
            return (files, labels.ToArray(), Array.ConvertAll(folders, f => Path.GetFileName(f)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(directory, $"cannot be listed: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    private static List<string> ImagesIn(string folder)
        => Visible(Directory.GetFiles(folder)).Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)).ToList();

    private static string[] Visible(string[] paths)
    {
        var visible = paths.Where(p => !Path.GetFileName(p).StartsWith('.')).ToArray();
        Array.Sort(visible, StringComparer.Ordinal);
        return visible;
    }

    private static LoadedTable Decode(string directory, List<string> files, int[]? labels, string[]? classNames, int resizeHeight, int resizeWidth)
    {
        int count = files.Count;
        bool resize = resizeHeight > 0;
        int height = resizeHeight, width = resizeWidth, channels = 1;
        float[] values = [];
        byte[] decoded = [], resized = [];
        for (int i = 0; i < count; i++)
        {
            var (h, w) = DecodeRgba(files[i], ref decoded);
            byte[] pixels = decoded;
            if (i == 0 && !resize) (height, width) = (h, w);
            if ((h, w) != (height, width))
            {
                if (!resize)
                    throw Error(directory, $"{Path.GetRelativePath(directory, files[0])} is {height}×{width} (height×width) but {Path.GetRelativePath(directory, files[i])} is {h}×{w}; "
                        + "pass --resize H,W to resize every image to one size");
                pixels = Scale(files[i], decoded, h, w, ref resized, height, width);
            }
            int area = height * width;
            if (i == 0) values = Allocate(directory, count, height, width, channels);
            bool gray = IsGray(pixels.AsSpan(0, area * 4));
            if (!gray && channels == 1)
            {
                values = ToRgb(Allocate(directory, count, height, width, 3), values, i * area);
                channels = 3;
            }
            Write(pixels.AsSpan(0, area * 4), values.AsSpan(i * area * channels, area * channels), channels);
        }
        return new LoadedTable(values, count, height * width * channels, labels, FeatureNames(height, width, channels), classNames,
            height, width, channels, directory);
    }

    /// <summary>Decodes one file into premultiplied RGBA bytes (the buffer grows to the largest image), or says why not.</summary>
    /// <summary>The largest image decoded: 4096 × 4096.</summary>
    public const long MaxPixels = 1L << 24;

    private static unsafe (int Height, int Width) DecodeRgba(string file, ref byte[] buffer)
    {
        // A named pipe would block the open until something writes to it; like an empty file, it has length 0.
        if (new FileInfo(file).Length == 0) throw Error(file, "cannot be read as a PNG or JPEG image: it is empty, or not a regular file (a device or a pipe)");
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var codec = SKCodec.Create(stream, out var created);
            if (codec is null) throw Error(file, $"cannot be read as a PNG or JPEG image: {Reason(created)}");
            var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
            // The header's size is checked before a byte is decoded: a crafted 30000×17000 PNG of a few kilobytes must not cost 2 GB.
            if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > MaxPixels)
                throw Error(file, $"is {info.Height}×{info.Width} pixels, more than the {MaxPixels / (1 << 20)} megapixels an image may have here (a VAE's input is one value per pixel)");
            if (buffer.Length < info.BytesSize) buffer = new byte[info.BytesSize];
            SKCodecResult decoded;
            fixed (byte* pixels = buffer) decoded = codec.GetPixels(info, (IntPtr)pixels);
            if (decoded != SKCodecResult.Success) throw Error(file, $"cannot be read as a PNG or JPEG image: {Reason(decoded)}");
            return (info.Height, info.Width);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(file, $"cannot be read: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    private static string Reason(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file is truncated",
        SKCodecResult.Unimplemented => "its contents are not an image format this reader knows",
        SKCodecResult.ErrorInInput or SKCodecResult.InvalidInput => "its data is corrupt",
        _ => $"decoding failed ({result})",
    };

    private static unsafe byte[] Scale(string file, byte[] source, int height, int width, ref byte[] target, int targetHeight, int targetWidth)
    {
        var from = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var to = new SKImageInfo(targetWidth, targetHeight, SKColorType.Rgba8888, SKAlphaType.Premul);
        if (target.Length < to.BytesSize) target = new byte[to.BytesSize];
        fixed (byte* f = source)
        fixed (byte* t = target)
        {
            using var fromPixels = new SKPixmap(from, (IntPtr)f, from.RowBytes);
            using var toPixels = new SKPixmap(to, (IntPtr)t, to.RowBytes);
            if (!fromPixels.ScalePixels(toPixels, Sampling)) throw Error(file, $"could not be resized from {height}×{width} to {targetHeight}×{targetWidth}");
        }
        return target;
    }

    private static float[] Allocate(string directory, int count, int height, int width, int channels)
    {
        long total = (long)count * height * width * channels;
        if (total > Array.MaxLength)
            throw Error(directory, $"{count} images of {height}×{width}×{channels} are {total:N0} values, more than one array holds; use fewer images (train: --limit N) or smaller ones (--resize H,W)");
        // Checked before allocating, with the per-pixel feature names (about 48 bytes each), so that a large --resize gets
        // this message instead of an out-of-memory abort.
        long bytes = 4 * total + 48L * height * width * channels;
        if (!MemoryBudget.Fits(bytes, out long available))
            throw Error(directory, $"{count} images of {height}×{width}×{channels} need about {MemoryBudget.Gb(bytes)} of memory but this process can use {MemoryBudget.Gb(available)}; "
                + "use fewer images (train: --limit N) or smaller ones (--resize H,W)");
        return new float[total];
    }

    private static bool IsGray(ReadOnlySpan<byte> rgba)
    {
        for (int p = 0; p < rgba.Length; p += 4)
            if (rgba[p] != rgba[p + 1] || rgba[p] != rgba[p + 2]) return false;
        return true;
    }

    /// <summary>The first <paramref name="grayValues"/> grey values, each repeated for R, G and B, in <paramref name="rgb"/>:
    /// the first colour image makes every image before it RGB too.</summary>
    private static float[] ToRgb(float[] rgb, float[] gray, int grayValues)
    {
        for (int i = 0; i < grayValues; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = gray[i];
        return rgb;
    }

    /// <summary>HWC: RGBA pixels in row order become 1 (grey) or 3 (RGB, alpha dropped) values each.</summary>
    private static void Write(ReadOnlySpan<byte> rgba, Span<float> values, int channels)
    {
        int area = rgba.Length / 4;
        for (int p = 0; p < area; p++)
            for (int k = 0; k < channels; k++)
                values[p * channels + k] = Unit[rgba[4 * p + k]];
    }

    private static string[] FeatureNames(int height, int width, int channels)
    {
        var names = new string[height * width * channels];
        for (int y = 0, i = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int k = 0; k < channels; k++)
                    names[i++] = channels == 1 ? $"px_{y}_{x}" : $"px_{y}_{x}_{"rgb"[k]}";
        return names;
    }

    private static DataFormatException Error(string path, string what, Exception? inner = null) => new($"{path}: {what}", inner);
}
