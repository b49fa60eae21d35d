using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Vae.Simd.Common;

namespace Vae.Simd.Data;

/// <summary>
/// NumPy's .npy format (numpy.lib.format, versions 1–3): the magic "\x93NUMPY", a version, a little-endian header length,
/// and an ASCII Python dict literal {'descr': '&lt;f4', 'fortran_order': False, 'shape': (N, D), } padded with spaces; then the
/// array's bytes. Read as a stream in bounded chunks; every header field and the byte count are checked against the file.
/// </summary>
internal static partial class NpyFile
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Largest header accepted: NumPy's own writers stay far below it, and a crafted length must not make us allocate.</summary>
    private const int MaxHeaderBytes = 1 << 20;

    /// <summary>An array's header: its element type and shape.</summary>
    public sealed record Header(char Kind, int ItemSize, bool BigEndian, bool FortranOrder, long[] Shape, long DataOffset)
    {
        public long Elements => Shape.Aggregate(1L, (a, b) => checked(a * b));
        public string Type => $"{(BigEndian ? '>' : '<')}{Kind}{ItemSize}";
    }

    /// <summary>Reads and checks the header of <paramref name="stream"/> (left positioned at the data).</summary>
    public static Header ReadHeader(Stream stream, string path)
    {
        Span<byte> prefix = stackalloc byte[10];
        if (stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false) < prefix.Length || !prefix[..6].SequenceEqual(Magic))
            throw new DataFormatException($"{path}: not a .npy file (it does not start with \\x93NUMPY)");
        int major = prefix[6];
        long headerLength;
        int lengthBytes;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]); lengthBytes = 2; }
        else if (major is 2 or 3)
        {
            Span<byte> more = stackalloc byte[2];
            if (stream.ReadAtLeast(more, 2, throwOnEndOfStream: false) < 2) throw new DataFormatException($"{path}: truncated .npy header");
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian([prefix[8], prefix[9], more[0], more[1]]);
            lengthBytes = 4;
        }
        else throw new DataFormatException($"{path}: .npy format version {major}.{prefix[7]} is not one this reader knows (1, 2 or 3)");
        if (headerLength <= 0 || headerLength > MaxHeaderBytes)
            throw new DataFormatException($"{path}: a .npy header of {headerLength:N0} bytes is not plausible");
        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false) < headerBytes.Length)
            throw new DataFormatException($"{path}: truncated .npy header ({headerLength:N0} bytes declared)");
        string text;
        try { text = new UTF8Encoding(false, true).GetString(headerBytes); }
        catch (DecoderFallbackException) { throw new DataFormatException($"{path}: the .npy header is not text"); }
        long offset = 8 + lengthBytes + headerLength;

        string descr = Field(DescrPattern(), text, "descr", path);
        string fortran = Field(FortranPattern(), text, "fortran_order", path);
        string shapeText = Field(ShapePattern(), text, "shape", path);
        var typeMatch = TypePattern().Match(descr);
        if (!typeMatch.Success)
            throw new DataFormatException($"{path}: element type '{descr}' is not supported (float16, float32, float64 or an integer type such as uint8)");
        char kind = typeMatch.Groups[2].Value[0];
        // TryParse: a crafted '<f99999999999' must be an unsupported type, not an overflow.
        bool supported = int.TryParse(typeMatch.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int size)
            && (kind == 'f' ? size is 2 or 4 or 8 : size is 1 or 2 or 4 or 8);
        if (!supported) throw new DataFormatException($"{path}: element type '{descr}' is not supported (float16, float32, float64 or an integer type such as uint8)");
        var dims = shapeText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var shape = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++)
            if (!long.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
                throw new DataFormatException($"{path}: shape ({shapeText}) is not a tuple of sizes");
        var header = new Header(kind, size, typeMatch.Groups[1].Value == ">" && size > 1, fortran == "True", shape, offset);
        try { _ = header.Elements; }
        catch (OverflowException) { throw new DataFormatException($"{path}: shape ({shapeText}) has too many elements"); }
        return header;
    }

    private static string Field(Regex pattern, string header, string name, string path)
    {
        var match = pattern.Match(header);
        return match.Success ? match.Groups[1].Value : throw new DataFormatException($"{path}: the .npy header has no valid '{name}' entry");
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();

    [GeneratedRegex(@"^([<>|=]?)([fiu])(\d+)$")]
    private static partial Regex TypePattern();

    /// <summary>
    /// The first <paramref name="keepRows"/> rows (all when 0) of the array as doubles converted to float, rows × the product of
    /// the other dimensions; <paramref name="map"/> converts each element (e.g. /255 for bytes). The file must hold exactly the
    /// bytes its header declares.
    /// </summary>
    public static float[] ReadRows(Stream stream, string path, Header header, int keepRows, Func<double, float> map)
    {
        long rows = header.Shape[0];
        long perRow = header.Shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        long expected = header.DataOffset + header.Elements * header.ItemSize;
        if (stream.CanSeek && stream.Length != expected)
            throw new DataFormatException(stream.Length < expected
                ? $"{path}: truncated: the header declares {header.Type} of shape ({string.Join(", ", header.Shape)}), {expected:N0} bytes, but the file has {stream.Length:N0}"
                : $"{path}: {stream.Length - expected:N0} bytes after the array the header declares");
        long kept = keepRows > 0 ? Math.Min(rows, keepRows) : rows;
        if (kept * perRow > Array.MaxLength) throw new DataFormatException($"{path}: {kept:N0} rows of {perRow:N0} values are more than one array holds");
        MemoryBudget.Require(4 * kept * perRow, $"{path}: {kept:N0} rows of {perRow:N0} values", "path");
        if (header.FortranOrder && header.Shape.Length > 1)
        {
            if (header.Shape.Length != 2) throw new DataFormatException($"{path}: Fortran-order arrays of {header.Shape.Length} dimensions are not supported; save with C order (numpy.ascontiguousarray)");
            var all = ReadElements(stream, path, header, header.Elements, map);
            var rowMajor = new float[kept * perRow];
            for (long r = 0; r < kept; r++)
                for (long c = 0; c < perRow; c++) rowMajor[r * perRow + c] = all[c * rows + r];
            return rowMajor;
        }
        return ReadElements(stream, path, header, kept * perRow, map);
    }

    private static float[] ReadElements(Stream stream, string path, Header header, long count, Func<double, float> map)
    {
        var values = new float[count];
        var buffer = new byte[Math.Max(header.ItemSize, 64 * 1024 / header.ItemSize * header.ItemSize)];
        long done = 0;
        while (done < count)
        {
            int want = (int)Math.Min(buffer.Length / header.ItemSize, count - done) * header.ItemSize;
            int got = stream.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
            if (got < want) throw new DataFormatException($"{path}: truncated after {done + got / header.ItemSize:N0} of {count:N0} values");
            for (int i = 0; i < want / header.ItemSize; i++)
                values[done + i] = map(Element(buffer.AsSpan(i * header.ItemSize, header.ItemSize), header));
            done += want / header.ItemSize;
        }
        return values;
    }

    private static double Element(ReadOnlySpan<byte> b, Header h) => (h.Kind, h.ItemSize, h.BigEndian) switch
    {
        ('f', 2, false) => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
        ('f', 2, true) => (double)BinaryPrimitives.ReadHalfBigEndian(b),
        ('f', 4, false) => BinaryPrimitives.ReadSingleLittleEndian(b),
        ('f', 4, true) => BinaryPrimitives.ReadSingleBigEndian(b),
        ('f', 8, false) => BinaryPrimitives.ReadDoubleLittleEndian(b),
        ('f', 8, true) => BinaryPrimitives.ReadDoubleBigEndian(b),
        ('u', 1, _) => b[0],
        ('i', 1, _) => (sbyte)b[0],
        ('u', 2, false) => BinaryPrimitives.ReadUInt16LittleEndian(b),
        ('u', 2, true) => BinaryPrimitives.ReadUInt16BigEndian(b),
        ('i', 2, false) => BinaryPrimitives.ReadInt16LittleEndian(b),
        ('i', 2, true) => BinaryPrimitives.ReadInt16BigEndian(b),
        ('u', 4, false) => BinaryPrimitives.ReadUInt32LittleEndian(b),
        ('u', 4, true) => BinaryPrimitives.ReadUInt32BigEndian(b),
        ('i', 4, false) => BinaryPrimitives.ReadInt32LittleEndian(b),
        ('i', 4, true) => BinaryPrimitives.ReadInt32BigEndian(b),
        ('u', 8, false) => BinaryPrimitives.ReadUInt64LittleEndian(b),
        ('u', 8, true) => BinaryPrimitives.ReadUInt64BigEndian(b),
        ('i', 8, false) => BinaryPrimitives.ReadInt64LittleEndian(b),
        ('i', 8, true) => BinaryPrimitives.ReadInt64BigEndian(b),
        _ => throw new DataFormatException($"element type {h.Type} is not supported"),
    };

    /// <summary>Writes a C-order little-endian float32 array of <paramref name="shape"/> (version 1.0).</summary>
    public static void WriteFloat32(Stream stream, ReadOnlySpan<float> values, params int[] shape)
    {
        long elements = shape.Aggregate(1L, (a, b) => a * b);
        if (elements != values.Length) throw new ArgumentException($"shape ({string.Join(", ", shape)}) holds {elements} values, not {values.Length}", nameof(shape));
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        // Header padded with spaces so that the data start on a 64-byte boundary, ending in '\n' (as NumPy writes it).
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        string header = dict + new string(' ', padded - total) + "\n";
        Span<byte> prefix = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 0, 0];
        BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], (ushort)header.Length);
        stream.Write(prefix);
        stream.Write(Encoding.ASCII.GetBytes(header));
        var buffer = new byte[4 * 4096];
        for (int start = 0; start < values.Length; start += 4096)
        {
            int n = Math.Min(4096, values.Length - start);
            for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * i), values[start + i]);
            stream.Write(buffer, 0, 4 * n);
        }
    }
}
