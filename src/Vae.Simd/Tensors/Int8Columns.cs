namespace Vae.Simd.Tensors;

/// <summary>
/// A read-only k × n matrix (a layer's Wᵀ) quantized to int8 column by column: element (i, j) ≈ <see cref="Scales"/>[j] · q(i, j)
/// with q in [−127, 127]. The q are stored four rows to a 32-bit word: byte b of word (p, j) holds q(4p + b, j) (0 past the last
/// row), the layout AVX-VNNI's <c>vpdpbusd</c> reads, which adds four byte products into each 32-bit lane, so one vector load
/// gives four rows' worth of columns. <see cref="Sums"/>[j] = Σᵢ q(i, j), which the product needs because it offsets the
/// activations to unsigned bytes (<see cref="Kernels.GemvInt8"/>).
/// </summary>
internal readonly ref struct Int8Columns
{
    /// <summary>The words, (Rows + 3) / 4 quad rows of <see cref="Stride"/> words each.</summary>
    public ReadOnlySpan<uint> Data { get; }

    /// <summary>Per column: the value of q = 1 (the column's largest magnitude / 127; 0 for a column of zeros).</summary>
    public ReadOnlySpan<float> Scales { get; }

    /// <summary>Per column: the sum of its q.</summary>
    public ReadOnlySpan<int> Sums { get; }

    /// <summary>Logical rows (k).</summary>
    public int Rows { get; }

    /// <summary>Columns (n).</summary>
    public int Columns { get; }

    /// <summary>Words between the starts of consecutive quad rows.</summary>
    public int Stride { get; }

    public Int8Columns(ReadOnlySpan<uint> data, ReadOnlySpan<float> scales, ReadOnlySpan<int> sums, int rows, int columns, int stride)
    {
        if (rows < 0 || columns < 0 || stride < columns)
            throw new ArgumentException($"a {rows} × {columns} int8 matrix cannot have stride {stride}", nameof(stride));
        int quadRows = QuadRows(rows);
        long needed = quadRows == 0 ? 0 : (long)(quadRows - 1) * stride + columns;
        if (data.Length < needed)
            throw new ArgumentException($"a {rows} × {columns} int8 matrix of stride {stride} needs {needed} words; the span has {data.Length}", nameof(data));
        if (scales.Length < columns || sums.Length < columns)
            throw new ArgumentException($"a {rows} × {columns} int8 matrix needs {columns} scales and sums; it has {scales.Length} and {sums.Length}", nameof(scales));
        Data = data[..(int)needed];
        Scales = scales[..columns];
        Sums = sums[..columns];
        Rows = rows;
        Columns = columns;
        Stride = stride;
    }

    /// <summary>Words per column: rows packed four to a word.</summary>
    public static int QuadRows(int rows) => (rows + 3) / 4;

    /// <summary>q(i, j), sign-extended.</summary>
    public int Quantized(int i, int j) => (sbyte)(Data[i / 4 * Stride + j] >> (8 * (i & 3)));

    /// <summary>Columns [start, start + count), every row.</summary>
    public Int8Columns SliceColumns(int start, int count)
    {
        if ((uint)start > (uint)Columns || (uint)count > (uint)(Columns - start))
            throw new ArgumentOutOfRangeException(nameof(count), $"columns [{start}, {start + count}) are outside a matrix of {Columns}");
        return new Int8Columns(Data.IsEmpty ? default : Data[start..], Scales[start..], Sums[start..], Rows, count, Stride);
    }
}
