using System.Diagnostics;
using System.IO.Compression;
using Vae.Simd.Data;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Data;

/// <summary>IDX files made to hurt: headers that lie, gzip streams cut or padded, files that are not files.</summary>
public sealed class HostileIdxTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));

    public HostileIdxTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Gzip(string name, byte[] content)
    {
        string path = Path.Combine(_dir, name);
        using (var file = File.Create(path))
        using (var zip = new GZipStream(file, CompressionLevel.Fastest)) zip.Write(content);
        return path;
    }

    [Fact]
    public void A_header_that_claims_millions_of_images_costs_only_the_rows_kept_and_is_reported_truncated()
    {
        // 100 real 28×28 images behind a header that claims 2.7 million.
        var bytes = SyntheticData.Header(0x08, 2_700_000, 28, 28).Concat(new byte[100 * 784]).ToArray();
        string path = Gzip("liar.gz", bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<DataFormatException>(() => IdxFile.Read(path, maxItems: 10));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("truncated", ex.Message);
        Assert.Contains("2700000 × 28 × 28", ex.Message);
        Assert.True(allocated < 16 << 20, $"{allocated:N0} bytes allocated to read 10 images");
        // Without a limit the reader still allocates only what is there before it finds out.
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16 << 20, $"{allocated:N0} bytes allocated for 78 KB of real data");
    }

    [Fact]
    public void A_limit_keeps_the_first_rows_of_a_good_file()
    {
        using var data = new SyntheticData(train: 30, test: 10, side: 6);
        var (train, test) = Dataset.LoadMnist(data.Directory, maxRows: 7);
        Assert.Equal((7, 7), (train.Count, test.Count));
        Assert.Equal(Dataset.LoadMnist(data.Directory).Train.Rows(0, 7).ToArray(), train.Rows(0, 7).ToArray());
    }

    [Theory]
    [InlineData("cut trailer")]
    [InlineData("garbage appended")]
    [InlineData("bad CRC")]
    [InlineData("cut stream")]
    public void Damaged_gzip_files_are_refused_by_name(string damage)
    {
        var content = SyntheticData.Header(0x08, 20, 6, 6).Concat(Enumerable.Range(0, 720).Select(i => (byte)(i * 7))).ToArray();
        string path = Gzip("images.gz", content);
        var bytes = File.ReadAllBytes(path).ToList();
        switch (damage)
        {
            case "cut trailer": bytes.RemoveRange(bytes.Count - 3, 3); break;
            case "garbage appended": bytes.AddRange(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }); break;
            case "bad CRC": bytes[^6] ^= 0x40; break;
            case "cut stream": bytes.RemoveRange(bytes.Count / 2, bytes.Count - bytes.Count / 2); break;
        }
        File.WriteAllBytes(path, bytes.ToArray());
        var ex = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.Contains(path, ex.Message);
        Assert.DoesNotContain("unsupported compression method", ex.Message);
    }

    [Theory]
    [InlineData(new[] { 2, 8, 1 << 30, int.MaxValue, 1 << 30 })]
    [InlineData(new[] { 1, 8, 1 << 30, int.MaxValue })]
    public void Sizes_whose_product_wraps_past_64_bits_are_refused_as_too_large(int[] dims)
    {
        // 8 · 2³⁰ · (2³¹ − 1) is about 2⁶⁴: multiplied out, it wraps to a negative size that passes a "not too large" check.
        string path = Path.Combine(_dir, "wrap-idx");
        File.WriteAllBytes(path, SyntheticData.Header(0x08, dims));
        var ex = Assert.Throws<DataFormatException>(() => Dataset.LoadIdx(path));
        Assert.Contains("larger than", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void Directories_devices_and_pipes_are_refused_without_reading_them()
    {
        var dir = Assert.Throws<DataFormatException>(() => IdxFile.Read(_dir));
        Assert.Contains("is a directory", dir.Message);
        if (!OperatingSystem.IsLinux()) return;
        Assert.Contains("not a regular file", Assert.Throws<DataFormatException>(() => IdxFile.Read("/dev/zero")).Message);
        string fifo = Path.Combine(_dir, "fifo");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", fifo) { UseShellExecute = false })!) mkfifo.WaitForExit();
        var read = Task.Run(() => Record.Exception(() => IdxFile.Read(fifo)));
        Assert.True(read.Wait(TimeSpan.FromSeconds(10)), "reading a FIFO hung");
        Assert.Contains("not a regular file", Assert.IsType<DataFormatException>(read.Result).Message);
    }
}
