namespace Vae.Simd.Tensors;

/// <summary>
/// A read-only k × n matrix stored in bfloat16, two rows to a 32-bit word: word (p, j) holds element (2p, j) in its low half
/// and (2p + 1, j) in its high half (0 past an odd last row). A vector load of consecutive words therefore gives two rows'
/// worth of columns, each widened to float32 by one shift or one mask, at any vector width and with no shuffles.
/// </summary>
internal readonly ref struct BFloat16Pairs
{
    /// <summary>The words, (Rows + 1) / 2 pair rows of <see cref="Stride"/> words each.</summary>
    public ReadOnlySpan<uint> Data { get; }

    /// <summary>Logical rows (k).</summary>
    public int Rows { get; }

    /// <summary>Columns (n).</summary>
    public int Columns { get; }

    /// <summary>Words between the starts of consecutive pair rows.</summary>
    public int Stride { get; }

    public BFloat16Pairs(ReadOnlySpan<uint> data, int rows, int columns, int stride)
    {
        if (rows < 0 || columns < 0 || stride < columns)
            throw new ArgumentException($"a {rows} × {columns} bfloat16 pair matrix cannot have stride {stride}", nameof(stride));
        int pairRows = (rows + 1) / 2;
        long needed = pairRows == 0 ? 0 : (long)(pairRows - 1) * stride + columns;
        if (data.Length < needed)
            throw new ArgumentException($"a {rows} × {columns} bfloat16 pair matrix of stride {stride} needs {needed} words; the span has {data.Length}", nameof(data));
        Data = data[..(int)needed];
        Rows = rows;
        Columns = columns;
        Stride = stride;
    }

    /// <summary>True for the empty matrix, which the products read as "no bfloat16 copy: use the float32 weights".</summary>
    public bool IsEmpty => Data.IsEmpty;

    /// <summary>Columns [start, start + count), every row.</summary>
    public BFloat16Pairs SliceColumns(int start, int count)
    {
        if ((uint)start > (uint)Columns || (uint)count > (uint)(Columns - start))
            throw new ArgumentOutOfRangeException(nameof(count), $"columns [{start}, {start + count}) are outside a matrix of {Columns}");
        return new BFloat16Pairs(Data.IsEmpty ? default : Data[start..], Rows, count, Stride);
    }
}
