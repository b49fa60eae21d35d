using Vae.Simd.Common;
using System.Buffers.Binary;
using System.IO.Compression;
using Vae.Simd;
using Vae.Simd.Models;

namespace Vae.Simd.Tests.Support;

/// <summary>Small IDX datasets written to a temporary folder, in the MNIST file layout.</summary>
internal sealed class SyntheticData : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));

    public SyntheticData(int train = 300, int test = 100, int side = 8, bool gzip = true, int seed = 1)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var random = new SeededRandom((ulong)seed);
        Write("train-images-idx3-ubyte", Images(train, side, random), gzip);
        Write("train-labels-idx1-ubyte", Labels(train), gzip);
        Write("t10k-images-idx3-ubyte", Images(test, side, random), gzip);
        Write("t10k-labels-idx1-ubyte", Labels(test), gzip);
    }

    /// <summary>Blobs whose position depends on the label: structured enough for a model to learn something.</summary>
    public static byte[] Images(int count, int side, SeededRandom random)
    {
        var bytes = Header(0x08, count, side, side);
        var data = new byte[count * side * side];
        for (int i = 0; i < count; i++)
        {
            int label = i % 10;
            double cx = 1 + (side - 3) * (label % 5) / 4.0, cy = 1 + (side - 3) * (label / 5);
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                {
                    double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                    double v = 255 * Math.Exp(-d2 / 3) + 20 * random.NextDouble();
                    data[i * side * side + y * side + x] = (byte)Math.Clamp(v, 0, 255);
                }
        }
        return [.. bytes, .. data];
    }

    public static byte[] Labels(int count) => [.. Header(0x08, count), .. Enumerable.Range(0, count).Select(i => (byte)(i % 10))];

    public static byte[] Header(byte type, params int[] dims)
    {
        var header = new byte[4 + 4 * dims.Length];
        header[2] = type;
        header[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        return header;
    }

    public string Write(string stem, byte[] content, bool gzip)
    {
        string path = Path.Combine(Directory, gzip ? stem + ".gz" : stem);
        if (gzip)
        {
            using var file = File.Create(path);
            using var z = new GZipStream(file, CompressionLevel.Fastest);
            z.Write(content);
        }
        else File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
