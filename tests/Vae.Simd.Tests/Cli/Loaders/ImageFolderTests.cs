using SkiaSharp;
using Vae.Cli.Data;

namespace Vae.Simd.Tests.Cli.Loaders;

/// <summary>Folders of PNG and JPEG files written here with SkiaSharp, so every pixel the loader returns is known.</summary>
public sealed class ImageFolderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));

    public ImageFolderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Folder(string name)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Writes an image whose pixel (x, y) is <paramref name="pixel"/>(x, y); Gray8 bitmaps keep only the red value.</summary>
    private static string Image(string path, int width, int height, Func<int, int, SKColor> pixel,
        SKColorType type = SKColorType.Rgba8888, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var alpha = type == SKColorType.Gray8 ? SKAlphaType.Opaque : SKAlphaType.Unpremul;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, type, alpha));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) bitmap.SetPixel(x, y, pixel(x, y));
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private static SKColor Gray(int value) => new((byte)value, (byte)value, (byte)value);

    private static string Refusal(string path, int resizeHeight = 0, int resizeWidth = 0)
    {
        var ex = Assert.Throws<DataFormatException>(() => ImageFolder.Load(path, resizeHeight, resizeWidth));
        Assert.DoesNotContain('\n', ex.Message);
        return ex.Message;
    }

    [Fact]
    public void Greyscale_images_in_a_flat_folder_are_one_channel_rows_in_ordinal_file_order()
    {
        string dir = Folder("flat");
        Image(Path.Combine(dir, "b.png"), 3, 2, (x, y) => Gray(200), SKColorType.Gray8);
        Image(Path.Combine(dir, "a.png"), 3, 2, (x, y) => Gray(10 * x + 100 * y), SKColorType.Gray8);
        Image(Path.Combine(dir, "B.PNG"), 3, 2, (x, y) => Gray(7), SKColorType.Gray8);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not an image");
        var table = ImageFolder.Load(dir);
        Assert.Equal((3, 2, 3, 1, 6), (table.Rows, table.ImageHeight, table.ImageWidth, table.ImageChannels, table.Features));
        Assert.Null(table.Labels);
        Assert.Null(table.ClassNames);
        // "B.PNG" < "a.png" < "b.png" ordinally; each image row-major.
        float[] expected = [.. Enumerable.Repeat(7 / 255f, 6), 0f, 10 / 255f, 20 / 255f, 100 / 255f, 110 / 255f, 120 / 255f, .. Enumerable.Repeat(200 / 255f, 6)];
        Assert.Equal(expected, table.Values);
        Assert.Equal(["px_0_0", "px_0_1", "px_0_2", "px_1_0", "px_1_1", "px_1_2"], table.FeatureNames);
        Assert.Equal(dir, table.Source);
    }

    [Fact]
    public void Colour_files_whose_pixels_are_all_grey_are_one_channel()
    {
        string dir = Folder("grey-rgb");
        Image(Path.Combine(dir, "a.png"), 2, 2, (x, y) => Gray(50 * (x + 2 * y)));
        var table = ImageFolder.Load(dir);
        Assert.Equal(1, table.ImageChannels);
        Assert.Equal([0f, 50 / 255f, 100 / 255f, 150 / 255f], table.Values);
    }

    [Fact]
    public void Colour_images_are_three_channels_in_height_width_channel_order_and_earlier_grey_images_become_rgb()
    {
        string dir = Folder("colour");
        Image(Path.Combine(dir, "1-grey.png"), 3, 2, (x, y) => Gray(x + 10 * y), SKColorType.Gray8);
        Image(Path.Combine(dir, "2-colour.png"), 3, 2, (x, y) => new SKColor((byte)(10 + x), (byte)(100 + y), (byte)(200 + x + y)));
        Image(Path.Combine(dir, "3-grey.png"), 3, 2, (x, y) => Gray(255), SKColorType.Gray8);
        var table = ImageFolder.Load(dir);
        Assert.Equal((3, 2, 3, 3, 18), (table.Rows, table.ImageHeight, table.ImageWidth, table.ImageChannels, table.Features));
        float At(int image, int y, int x, int c) => table.Values[image * 18 + (y * 3 + x) * 3 + c];
        Assert.Equal([12 / 255f, 12 / 255f, 12 / 255f], [At(0, 1, 2, 0), At(0, 1, 2, 1), At(0, 1, 2, 2)]);
        Assert.Equal([12 / 255f, 101 / 255f, 203 / 255f], [At(1, 1, 2, 0), At(1, 1, 2, 1), At(1, 1, 2, 2)]);
        Assert.Equal([11 / 255f, 100 / 255f, 201 / 255f], [At(1, 0, 1, 0), At(1, 0, 1, 1), At(1, 0, 1, 2)]);
        Assert.All(table.Values[36..], v => Assert.Equal(1f, v));
        Assert.Equal("px_1_2_b", table.FeatureNames[17]);
    }

    [Fact]
    public void Transparent_pixels_are_composited_over_black()
    {
        string dir = Folder("alpha");
        Image(Path.Combine(dir, "a.png"), 2, 1, (x, y) => x == 0 ? new SKColor(200, 100, 50, 0) : new SKColor(200, 100, 50, 255));
        var table = ImageFolder.Load(dir);
        Assert.Equal(3, table.ImageChannels);
        Assert.Equal([0f, 0f, 0f, 200 / 255f, 100 / 255f, 50 / 255f], table.Values);
    }

    [Fact]
    public void Class_subfolders_in_ordinal_order_are_the_labels()
    {
        string root = Folder("classes");
        Image(Path.Combine(root, "cat", "x.png"), 2, 2, (x, y) => Gray(1));
        Image(Path.Combine(root, "cat", "y.jpeg"), 2, 2, (x, y) => Gray(2), SKColorType.Gray8, SKEncodedImageFormat.Jpeg);
        Image(Path.Combine(root, "Dog", "z.png"), 2, 2, (x, y) => Gray(3));
        Image(Path.Combine(root, "bird", "w.png"), 2, 2, (x, y) => Gray(4));
        File.WriteAllText(Path.Combine(root, "README.txt"), "a text file beside the class folders is not an image");
        File.WriteAllText(Path.Combine(root, "bird", "._w.png"), "macOS metadata, not an image");
        Folder(Path.Combine("classes", ".hidden"));
        var table = ImageFolder.Load(root);
        Assert.Equal(["Dog", "bird", "cat"], table.ClassNames!);
        Assert.Equal([0, 1, 2, 2], table.Labels!);
        Assert.Equal(1, table.ImageChannels);
        Assert.Equal([3, 4, 1, 2], Enumerable.Range(0, 4).Select(i => (int)MathF.Round(table.Values[i * 4] * 255)).ToArray());
    }

    [Fact]
    public void Jpeg_files_are_read()
    {
        string dir = Folder("jpeg");
        Image(Path.Combine(dir, "red.JPG"), 8, 8, (x, y) => new SKColor(200, 30, 30), format: SKEncodedImageFormat.Jpeg);
        var table = ImageFolder.Load(dir);
        Assert.Equal((1, 8, 8, 3), (table.Rows, table.ImageHeight, table.ImageWidth, table.ImageChannels));
        for (int p = 0; p < 64; p++)
        {
            Assert.InRange(table.Values[3 * p], 197 / 255f, 203 / 255f);
            Assert.InRange(table.Values[3 * p + 1], 27 / 255f, 33 / 255f);
            Assert.InRange(table.Values[3 * p + 2], 27 / 255f, 33 / 255f);
        }
    }

    [Fact]
    public void Images_of_different_sizes_are_refused_unless_resized_and_then_each_has_the_size_asked_for()
    {
        string dir = Folder("mixed");
        Image(Path.Combine(dir, "a.png"), 6, 4, (x, y) => new SKColor(10, 100, 200));
        Image(Path.Combine(dir, "b.png"), 6, 4, (x, y) => new SKColor(10, 100, 200));
        Image(Path.Combine(dir, "c.png"), 7, 9, (x, y) => Gray(60));
        Assert.Equal($"{dir}: a.png is 4×6 (height×width) but c.png is 9×7; pass --resize H,W to resize every image to one size", Refusal(dir));

        var table = ImageFolder.Load(dir, resizeHeight: 3, resizeWidth: 5);
        Assert.Equal((3, 3, 5, 3, 45), (table.Rows, table.ImageHeight, table.ImageWidth, table.ImageChannels, table.Features));
        Assert.Equal(135, table.Values.Length);
        // A plain colour stays exactly that colour whatever the filter.
        for (int p = 0; p < 15; p++) Assert.Equal([10 / 255f, 100 / 255f, 200 / 255f], table.Values[(3 * p)..(3 * p + 3)]);
        Assert.All(table.Values[90..], v => Assert.Equal(60 / 255f, v));
    }

    [Fact]
    public void Resizing_averages_when_it_shrinks()
    {
        string dir = Folder("stripes");
        Image(Path.Combine(dir, "a.png"), 40, 40, (x, y) => Gray(x % 2 == 0 ? 255 : 0));
        var table = ImageFolder.Load(dir, 4, 4);
        Assert.Equal((4, 4, 1), (table.ImageHeight, table.ImageWidth, table.ImageChannels));
        Assert.All(table.Values, v => Assert.InRange(v, 0.45f, 0.55f));
    }

    [Fact]
    public void Max_rows_keeps_the_first_images()
    {
        string root = Folder("limited");
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < 3; i++) Image(Path.Combine(root, $"class{c}", $"{i}.png"), 1, 1, (x, y) => Gray(10 * c + i));
        var table = ImageFolder.Load(root, maxRows: 4);
        Assert.Equal(4, table.Rows);
        Assert.Equal([0, 0, 0, 1], table.Labels!);
        Assert.Equal([0f, 1 / 255f, 2 / 255f, 10 / 255f], table.Values);
        Assert.Equal(["class0", "class1"], table.ClassNames!);
    }

    public static TheoryData<string, byte[]> CorruptFiles()
    {
        var png = Encode(SKEncodedImageFormat.Png);
        var jpeg = Encode(SKEncodedImageFormat.Jpeg);
        return new()
        {
            { "text.png", "this is plain text, not a PNG"u8.ToArray() },
            { "empty.jpg", [] },
            { "cut.png", png[..(png.Length / 2)] },
            { "cut.jpeg", jpeg[..(jpeg.Length / 2)] },
            { "header-only.png", png[..40] },
            { "noise.png", [.. png[..16], .. Enumerable.Range(0, 200).Select(i => (byte)(i * 37))] },
        };

        static byte[] Encode(SKEncodedImageFormat format)
        {
            using var bitmap = new SKBitmap(new SKImageInfo(16, 16, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++) bitmap.SetPixel(x, y, new SKColor((byte)(x * 16), (byte)(y * 16), (byte)(x ^ y)));
            using var image = SKImage.FromBitmap(bitmap);
            using var data = image.Encode(format, 90);
            return data.ToArray();
        }
    }

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void An_unreadable_image_is_refused_by_name(string name, byte[] content)
    {
        string dir = Folder("corrupt");
        Image(Path.Combine(dir, "a-good.png"), 16, 16, (x, y) => Gray(x));
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, content);
        string message = Refusal(dir);
        Assert.StartsWith($"{path}: cannot be read as a PNG or JPEG image: ", message);
    }

    [Fact]
    public void A_small_file_that_declares_a_huge_image_is_refused_before_decoding()
    {
        // A valid 16×16 PNG whose header is rewritten (with a correct CRC) to claim 30000 × 17000 pixels: 2 GB if decoded.
        string dir = Folder("bomb");
        string path = Image(Path.Combine(dir, "bomb.png"), 16, 16, (x, y) => Gray(x));
        var bytes = File.ReadAllBytes(path);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), 30000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), 17000);
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes.AsSpan(12, 17))
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(29), crc ^ 0xFFFFFFFF);
        File.WriteAllBytes(path, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        string message = Refusal(dir);
        Assert.StartsWith($"{path}: is 17000×30000 pixels, more than the 16 megapixels", message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 50_000_000, "the refusal allocated the image");
    }

    [Fact]
    public void Folders_without_images_and_paths_that_are_not_folders_are_refused_by_name()
    {
        string empty = Folder("empty");
        Assert.Equal($"{empty}: holds no PNG or JPEG images (.png, .jpg, .jpeg), and no class subfolders of them", Refusal(empty));
        File.WriteAllText(Path.Combine(empty, "data.csv"), "a,b\n1,2\n");
        Assert.StartsWith($"{empty}: holds no PNG or JPEG images", Refusal(empty));

        string missing = Path.Combine(_dir, "missing");
        Assert.Equal($"{missing}: image folder not found", Refusal(missing));
        string file = Path.Combine(empty, "data.csv");
        Assert.StartsWith($"{file}: is a file; give a folder", Refusal(file));
    }

    [Fact]
    public void Class_folders_must_hold_images_and_must_not_share_the_root_with_images()
    {
        string root = Folder("layout");
        Image(Path.Combine(root, "one", "a.png"), 2, 2, (x, y) => Gray(1));
        string two = Folder(Path.Combine("layout", "two"));
        Assert.Equal($"{two}: class folder 'two' holds no PNG or JPEG images (.png, .jpg, .jpeg); every class needs at least one", Refusal(root));

        Image(Path.Combine(two, "b.png"), 2, 2, (x, y) => Gray(2));
        Image(Path.Combine(root, "stray.png"), 2, 2, (x, y) => Gray(3));
        string message = Refusal(root);
        Assert.StartsWith($"{root}: holds images (first: stray.png) beside class subfolders (first: one)", message);
    }

    [Fact]
    public void Resize_needs_both_sizes_and_limits_must_not_be_negative()
    {
        string dir = Folder("args");
        Image(Path.Combine(dir, "a.png"), 2, 2, (x, y) => Gray(1));
        Assert.Throws<ArgumentException>(() => ImageFolder.Load(dir, resizeHeight: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFolder.Load(dir, resizeHeight: -1, resizeWidth: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFolder.Load(dir, maxRows: -1));
        Assert.Equal(4, ImageFolder.Load(dir, 2, 2).Features);
    }
}
