using System.Runtime.CompilerServices;
using CommunityToolkit.HighPerformance;

namespace Vae.Simd.Tensors;

/// <summary>
/// A writable row-major view of a 2-D <see cref="float"/> matrix: <see cref="Rows"/> rows of
/// <see cref="Columns"/> values, consecutive rows <see cref="Stride"/> elements apart
/// (the stride may exceed the width, so a view can be a block of a larger matrix).
/// </summary>
internal readonly ref struct MatrixSpan
{
    private readonly Span<float> _data;

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of values in a row.</summary>
    public int Columns { get; }

    /// <summary>Distance, in elements, between the starts of consecutive rows (the pitch plus the width).</summary>
    public int Stride { get; }

    /// <summary>Views <paramref name="data"/> as a dense <paramref name="rows"/>×<paramref name="columns"/> matrix.</summary>
    public MatrixSpan(Span<float> data, int rows, int columns) : this(data, rows, columns, columns) { }

    /// <summary>Views <paramref name="data"/> as a matrix whose rows are <paramref name="stride"/> elements apart.</summary>
    public MatrixSpan(Span<float> data, int rows, int columns, int stride)
    {
        Shape.CheckView(data.Length, rows, columns, stride, nameof(data));
        _data = rows == 0 ? default : data[..Shape.RequiredLength(rows, columns, stride)];
        Rows = rows;
        Columns = columns;
        Stride = stride;
    }

    /// <summary>Wraps a toolkit <see cref="Span2D{T}"/>.</summary>
    public static MatrixSpan FromSpan2D(Span2D<float> span)
    {
        if (span.Height == 0 || span.Width == 0) return new MatrixSpan(default, 0, 0);
        // Span2D hides its pitch; the distance between the first elements of two rows gives it.
        int stride = span.Height == 1 ? span.Width
            : (int)Unsafe.ByteOffset(ref span[0, 0], ref span[1, 0]) / sizeof(float);
        var data = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref span[0, 0], Shape.RequiredLength(span.Height, span.Width, stride));
        return new MatrixSpan(data, span.Height, span.Width, stride);
    }

    /// <summary>True when rows are packed back to back.</summary>
    public bool IsDense => Stride == Columns || Rows <= 1;

    /// <summary>Row <paramref name="row"/> as a span of <see cref="Columns"/> values.</summary>
    public Span<float> this[int row]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _data.Slice(row * Stride, Columns);
    }

    /// <summary>The element at (<paramref name="row"/>, <paramref name="column"/>).</summary>
    public ref float this[int row, int column]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)column >= (uint)Columns) ThrowColumn(column);
            return ref _data[row * Stride + column];
        }
    }

    /// <summary>The underlying storage from the first element to the last (includes pitch gaps).</summary>
    public Span<float> Data => _data;

    /// <summary>Rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
    public MatrixSpan SliceRows(int start, int count)
    {
        if ((uint)start > (uint)Rows || (uint)count > (uint)(Rows - start))
            throw new ArgumentOutOfRangeException(nameof(count), $"rows [{start}, {start + count}) are outside a matrix of {Rows} rows");
        return count == 0 ? new MatrixSpan(default, 0, Columns, Stride) : new MatrixSpan(_data[(start * Stride)..], count, Columns, Stride);
    }

    /// <summary>Columns [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of every row.</summary>
    public MatrixSpan SliceColumns(int start, int count)
    {
        if ((uint)start > (uint)Columns || (uint)count > (uint)(Columns - start))
            throw new ArgumentOutOfRangeException(nameof(count), $"columns [{start}, {start + count}) are outside a matrix of {Columns} columns");
        return Rows == 0 ? new MatrixSpan(default, 0, count, Stride) : new MatrixSpan(_data[start..], Rows, count, Stride);
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public void Fill(float value)
    {
        if (IsDense) { _data.Fill(value); return; }
        for (int r = 0; r < Rows; r++) this[r].Fill(value);
    }

    /// <summary>Sets every element to zero.</summary>
    public void Clear() => Fill(0f);

    /// <summary>Copies this matrix into <paramref name="destination"/>, which must have the same shape.</summary>
    public void CopyTo(MatrixSpan destination) => ((ReadOnlyMatrixSpan)this).CopyTo(destination);

    /// <summary>The same view, read-only.</summary>
    public static implicit operator ReadOnlyMatrixSpan(MatrixSpan m) => new(m._data, m.Rows, m.Columns, m.Stride);

    /// <summary>As a toolkit <see cref="Span2D{T}"/>.</summary>
    public Span2D<float> AsSpan2D() => Rows == 0 ? default : Span2D<float>.DangerousCreate(ref _data[0], Rows, Columns, Stride - Columns);

    /// <summary>Shape as text, for error messages.</summary>
    public override string ToString() => Shape.Describe(Rows, Columns);

    private void ThrowColumn(int column) => throw new ArgumentOutOfRangeException(nameof(column), $"column {column} is outside a matrix of {Columns} columns");
}
