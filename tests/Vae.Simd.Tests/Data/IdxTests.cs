using Vae.Simd.Common;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Data;

public class IdxTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Raw_and_gzip_files_load_the_same_pixels_scaled_to_the_unit_interval(bool gzip)
    {
        using var data = new SyntheticData(train: 20, test: 10, side: 6, gzip: gzip);
        var pair = Dataset.LoadMnist(data.Directory);
        Assert.Equal((20, 10, 6, 6), (pair.Train.Count, pair.Test.Count, pair.Train.ImageHeight, pair.Train.ImageWidth));
        var expected = SyntheticData.Images(20, 6, new SeededRandom(1));
        Assert.Equal(expected[16 + 7] / 255f, pair.Train.Values[7]);
        Assert.Equal(3, pair.Train.Labels[3]);
        Assert.All(pair.Train.Values, p => Assert.InRange(p, 0f, 1f));
    }

    [Fact]
    public void Gzip_is_detected_by_its_magic_bytes_not_the_file_name()
    {
        using var data = new SyntheticData(train: 5, test: 5, side: 4, gzip: true);
        string misnamed = Path.Combine(data.Directory, "images.raw");
        File.Copy(Path.Combine(data.Directory, "train-images-idx3-ubyte.gz"), misnamed);
        Assert.Equal(new[] { 5, 4, 4 }, IdxFile.Read(misnamed).Dimensions);
    }

    public static TheoryData<string, byte[], string> CorruptFiles() => new()
    {
        { "truncated data", [.. SyntheticData.Header(0x08, 3, 2, 2), 1, 2, 3], "truncated" },
        { "truncated header", [0, 0, 8, 3, 0, 0], "truncated header" },
        { "bad magic", [1, 2, 8, 1, 0, 0, 0, 1, 7], "not an IDX file" },
        { "float elements", [.. SyntheticData.Header(0x0D, 1), 0, 0, 0, 0], "element type 0x0D" },
        { "trailing bytes", [.. SyntheticData.Header(0x08, 2), 1, 2, 3], "unexpected bytes" },
        { "empty", [], "empty, or not a regular file" },
    };

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void Corrupt_files_get_an_error_naming_the_file_and_the_problem(string what, byte[] bytes, string expected)
    {
        using var data = new SyntheticData(train: 1, test: 1, side: 2);
        string path = data.Write("broken-" + what.Replace(' ', '-'), bytes, gzip: false);
        var ex = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void A_truncated_gzip_stream_and_mismatched_counts_are_reported()
    {
        using var data = new SyntheticData(train: 30, test: 10, side: 6);
        string images = Path.Combine(data.Directory, "train-images-idx3-ubyte.gz");
        var bytes = File.ReadAllBytes(images);
        File.WriteAllBytes(images, bytes[..(bytes.Length / 2)]);
        var ex = Assert.Throws<DataFormatException>(() => Dataset.LoadMnist(data.Directory));
        Assert.Contains("train-images-idx3-ubyte.gz", ex.Message);

        using var other = new SyntheticData(train: 30, test: 10, side: 6);
        other.Write("t10k-labels-idx1-ubyte", SyntheticData.Labels(9), gzip: true);
        var ex2 = Assert.Throws<DataFormatException>(() => Dataset.LoadMnist(other.Directory));
        Assert.Contains("10 images", ex2.Message);
        Assert.Contains("9 labels", ex2.Message);

        File.Delete(Path.Combine(other.Directory, "t10k-labels-idx1-ubyte.gz"));
        var ex3 = Assert.Throws<DataFormatException>(() => Dataset.LoadMnist(other.Directory));
        Assert.Contains("missing t10k-labels-idx1-ubyte", ex3.Message);
    }

    [Fact]
    public void The_shipped_MNIST_has_the_documented_shape_and_label_counts()
    {
        string dir = Vae.Cli.VaeCommand.DefaultDataDirectory();
        var pair = Dataset.LoadMnist(dir);
        Assert.Equal((60000, 10000, 28, 28), (pair.Train.Count, pair.Test.Count, pair.Train.ImageHeight, pair.Train.ImageWidth));
        int[] counts = new int[10];
        foreach (byte l in pair.Train.Labels) counts[l]++;
        Assert.Equal(new[] { 5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949 }, counts);
    }

    [Fact]
    public void Binarization_is_seeded_unbiased_and_independent_of_order()
    {
        var source = Enumerable.Range(0, 4000).Select(i => (i % 5) / 4f).ToArray();
        var a = new float[4000]; var b = new float[4000];
        Binarization.Sample(source, a, 7, epoch: 2, image: 11);
        Binarization.Sample(source, b, 7, epoch: 2, image: 11);
        Assert.Equal(a, b);
        Assert.All(a, v => Assert.True(v is 0f or 1f));
        for (int level = 0; level < 5; level++)
        {
            double mean = Enumerable.Range(0, 4000).Where(i => i % 5 == level).Average(i => a[i]);
            Assert.InRange(mean, level / 4.0 - 0.06, level / 4.0 + 0.06); // 800 draws each: sd ≤ 0.018
        }
        Binarization.Sample(source, b, 7, epoch: 3, image: 11);
        Assert.NotEqual(a, b);
    }
}
