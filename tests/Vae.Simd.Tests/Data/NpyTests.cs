using System.Buffers.Binary;
using System.Text;
using Vae.Simd.Data;

namespace Vae.Simd.Tests.Data;

/// <summary>The .npy reader: every element type and layout NumPy writes that a dataset can be, and every way a file can be wrong.</summary>
public sealed class NpyTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));

    public NpyTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A .npy file as NumPy writes it (version 1.0, header padded to 64 bytes), with any header text and payload.</summary>
    private string Write(string name, string dict, byte[] payload, byte major = 1)
    {
        int lengthBytes = major == 1 ? 2 : 4;
        int total = 8 + lengthBytes + dict.Length + 1;
        string header = dict + new string(' ', (total + 63) / 64 * 64 - total) + "\n";
        using var stream = new MemoryStream();
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0]);
        var length = new byte[lengthBytes];
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(payload);
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, stream.ToArray());
        return path;
    }

    private static byte[] Floats(IEnumerable<float> values, bool bigEndian = false)
        => values.SelectMany(v => { var b = new byte[4]; if (bigEndian) BinaryPrimitives.WriteSingleBigEndian(b, v); else BinaryPrimitives.WriteSingleLittleEndian(b, v); return b; }).ToArray();

    private static byte[] Doubles(IEnumerable<double> values)
        => values.SelectMany(v => { var b = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, v); return b; }).ToArray();

    [Fact]
    public void Float32_rows_round_trip_through_the_writer()
    {
        var values = Enumerable.Range(0, 15).Select(i => i * 0.25f - 1).ToArray();
        string path = Path.Combine(_dir, "a.npy");
        using (var file = File.Create(path)) NpyFile.WriteFloat32(file, values, 5, 3);
        var data = Dataset.LoadNpy(path);
        Assert.Equal((5, 3, 0), (data.Count, data.Features, data.ImageHeight));
        Assert.Equal(values, data.Rows(0, 5).ToArray());
        Assert.Equal(0, (new FileInfo(path).Length - 4 * values.Length) % 64);   // the data start on a 64-byte boundary, as NumPy writes it
    }

    [Fact]
    public void Float64_big_endian_and_fortran_order_are_read_as_numpy_means_them()
    {
        var d = Dataset.LoadNpy(Write("f8.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", Doubles([1.5, -2, 3e10, 0.125])));
        Assert.Equal([1.5f, -2f, 3e10f, 0.125f], d.Rows(0, 2).ToArray());
        var b = Dataset.LoadNpy(Write("be.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 3), }", Floats([1, 2, 3], bigEndian: true)));
        Assert.Equal([1f, 2f, 3f], b.Row(0).ToArray());
        // Column-major storage of [[1, 2, 3], [4, 5, 6]] is 1 4 2 5 3 6.
        var f = Dataset.LoadNpy(Write("fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", Floats([1, 4, 2, 5, 3, 6])));
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], f.Rows(0, 2).ToArray());
    }

    [Fact]
    public void Uint8_images_are_pixels_scaled_to_the_unit_range_with_their_shape_and_labels()
    {
        var pixels = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)(i * 10)).ToArray();
        string images = Write("img.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 4), }", pixels);
        var labelBytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(labelBytes, 7);
        BinaryPrimitives.WriteInt64LittleEndian(labelBytes.AsSpan(8), 2);
        string labels = Write("labels.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", labelBytes);
        var data = Dataset.LoadNpy(images, labels);
        Assert.Equal((2, 12, 3, 4, 1), (data.Count, data.Features, data.ImageHeight, data.ImageWidth, data.ImageChannels));
        Assert.Equal(50 / 255f, data.Row(0)[5]);
        Assert.Equal([7, 2], data.Labels.ToArray());
        var rgb = Dataset.LoadNpy(Write("rgb.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2, 3), }", new byte[12]));
        Assert.Equal((2, 2, 3, 12), (rgb.ImageHeight, rgb.ImageWidth, rgb.ImageChannels, rgb.Features));
        Assert.Equal(1, Dataset.LoadNpy(images, labels, maxRows: 1).Count);
    }

    [Fact]
    public void Float16_arrays_are_read()
    {
        var bytes = new byte[6];
        BinaryPrimitives.WriteHalfLittleEndian(bytes, (Half)1.5f);
        BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2), (Half)(-2f));
        BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(4), (Half)0.25f);
        var d = Dataset.LoadNpy(Write("f2.npy", "{'descr': '<f2', 'fortran_order': False, 'shape': (1, 3), }", bytes));
        Assert.Equal([1.5f, -2f, 0.25f], d.Row(0).ToArray());
    }

    [Fact]
    public void Version_2_headers_are_read()
    {
        var d = Dataset.LoadNpy(Write("v2.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", Floats([4, 5]), major: 2));
        Assert.Equal([4f, 5f], d.Row(0).ToArray());
    }

    public static TheoryData<string, string, string> BadFiles => new()
    {
        { "truncated", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", "truncated" },
        { "trailing", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", "bytes after the array" },
        { "type", "{'descr': '<c8', 'fortran_order': False, 'shape': (1, 2), }", "'<c8' is not supported" },
        { "object", "{'descr': '|O', 'fortran_order': False, 'shape': (1, 2), }", "'|O' is not supported" },
        { "typesize", "{'descr': '<f99999999999', 'fortran_order': False, 'shape': (1, 2), }", "'<f99999999999' is not supported" },
        { "rank1", "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", "1 dimension(s)" },
        { "rank5", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 4), }", "5 dimension(s)" },
        { "channels", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2, 2), }", "1, 3 or 4 channels" },
        { "noshape", "{'descr': '<f4', 'fortran_order': False, }", "'shape'" },
        { "badshape", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, x), }", "not a tuple of sizes" },
        { "huge", "{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000000, 4000000000000), }", "too many elements" },
        { "empty", "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", "empty" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_bad_header_or_length_is_refused_naming_the_file_and_the_problem(string name, string dict, string expected)
    {
        byte[] payload = name switch { "truncated" => Floats([1, 2, 3]), "trailing" => Floats([1, 2, 3]), _ => Floats([1, 2, 3, 4]) };
        string path = Write(name + ".npy", dict, payload);
        var e = Assert.Throws<DataFormatException>(() => Dataset.LoadNpy(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Non_finite_values_are_refused_with_their_row_and_column()
    {
        string path = Write("nan.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", Doubles([0, 1, 2, 3, double.NaN, 5]));
        var e = Assert.Throws<DataFormatException>(() => Dataset.LoadNpy(path));
        Assert.Contains("row 1, column 1", e.Message);
        // A float64 beyond float32's range becomes ∞: refused too.
        string big = Write("big.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", Doubles([1e300, 0]));
        Assert.Contains("row 0, column 0", Assert.Throws<DataFormatException>(() => Dataset.LoadNpy(big)).Message);
    }

    [Fact]
    public void What_is_not_an_npy_file_is_refused_by_name()
    {
        string text = Path.Combine(_dir, "x.npy");
        File.WriteAllText(text, "a,b\n1,2\n");
        Assert.Contains("not a .npy file", Assert.Throws<DataFormatException>(() => Dataset.LoadNpy(text)).Message);
        Assert.Contains("is a directory", Assert.Throws<DataFormatException>(() => Dataset.LoadNpy(_dir)).Message);
        Assert.Contains("not found", Assert.Throws<DataFormatException>(() => Dataset.LoadNpy(Path.Combine(_dir, "none.npy"))).Message);
        string cut = Path.Combine(_dir, "cut.npy");
        File.WriteAllBytes(cut, [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 0x76, 0, (byte)'{']);
        Assert.Contains("truncated .npy header", Assert.Throws<DataFormatException>(() => Dataset.LoadNpy(cut)).Message);
    }

    [Fact]
    public void Labels_must_match_the_rows_and_be_non_negative_integers()
    {
        string data = Write("d.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", Floats([1, 2, 3, 4]));
        string three = Write("l3.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", [1, 2, 3]);
        Assert.Contains("3 labels for 2 rows", Assert.Throws<DataFormatException>(() => Dataset.LoadNpy(data, three)).Message);
        string floats = Write("lf.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", Floats([1, 2]));
        Assert.Contains("1-D integer array", Assert.Throws<DataFormatException>(() => Dataset.LoadNpy(data, floats)).Message);
        var negative = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(negative, -1);
        string neg = Write("ln.npy", "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", negative);
        Assert.Contains("label 0 is negative", Assert.Throws<DataFormatException>(() => Dataset.LoadNpy(data, neg)).Message);
    }
}
