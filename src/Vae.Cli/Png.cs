using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Vae.Cli;

/// <summary>A minimal PNG writer for 8-bit greyscale images (no dependency: zlib comes with .NET).</summary>
internal static class Png
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Encodes <paramref name="pixels"/> (row-major, one byte per pixel).</summary>
    public static byte[] EncodeGray(ReadOnlySpan<byte> pixels, int width, int height) => Encode(pixels, width, height, 1);

    /// <summary>Encodes <paramref name="pixels"/> (row-major; 1 byte per pixel for grey, 3 interleaved for RGB).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "1 (grey) or 3 (RGB)");
        if (width <= 0 || height <= 0 || pixels.Length != width * height * channels)
            throw new ArgumentException($"{pixels.Length} bytes do not form a {width}×{height} image of {channels} channel(s)", nameof(pixels));
        var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);

        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = (byte)(channels == 3 ? 2 : 0);  // colour type: truecolour or greyscale
        WriteChunk(output, "IHDR", ihdr);

        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                z.WriteByte(0); // filter: none
                z.Write(pixels.Slice(y * width * channels, width * channels));
            }
        }
        WriteChunk(output, "IDAT", compressed.ToArray());
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buffer, data.Length);
        output.Write(buffer);
        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        uint crc = Crc(Crc(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(buffer, crc);
        output.Write(buffer);
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}

/// <summary>Lays images out on a grid with a one-pixel gap and writes it as a PNG.</summary>
internal static class ImageGrid
{
    /// <summary>Writes images (rows of <paramref name="images"/>, values in [0, 1]; <paramref name="channels"/> interleaved: 1 grey,
    /// 3 RGB, 4 RGBA drawn without its alpha) <paramref name="columns"/> to a line.</summary>
    public static void Save(string path, float[] images, int count, int height, int width, int columns, int channels = 1)
    {
        // Pictures of what a model computed: a value that is not a number means a broken model, not a grey pixel.
        int bad = Array.FindIndex(images, 0, (int)Math.Min(images.LongLength, (long)count * height * width * channels), v => !float.IsFinite(v));
        if (bad >= 0) throw new CliError($"{path}: image {bad / (height * width * channels)} has a pixel of {images[bad]}; nothing was written (is the model corrupt?)");
        int drawn = channels == 1 ? 1 : 3;
        columns = Math.Max(1, Math.Min(columns, count));
        int rows = (count + columns - 1) / columns;
        const int gap = 1;
        int gridWidth = columns * (width + gap) + gap, gridHeight = rows * (height + gap) + gap;
        var pixels = new byte[gridWidth * gridHeight * drawn];
        Array.Fill(pixels, (byte)64);
        for (int i = 0; i < count; i++)
        {
            int top = gap + (i / columns) * (height + gap), left = gap + (i % columns) * (width + gap);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    for (int c = 0; c < drawn; c++)
                    {
                        float v = images[((long)i * height * width + y * width + x) * channels + c];
                        pixels[((top + y) * gridWidth + left + x) * drawn + c] = (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
                    }
        }
        AtomicFile.WriteAllBytes(path, Png.Encode(pixels, gridWidth, gridHeight, drawn));
    }
}

/// <summary>Writes a file through a temporary sibling and a rename, so readers never see half a file.</summary>
internal static class AtomicFile
{
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
}
