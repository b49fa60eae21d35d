using System.Runtime.CompilerServices;
using CommunityToolkit.HighPerformance;

namespace Vae.Simd.Tensors;

/// <summary>A read-only row-major view of a 2-D <see cref="float"/> matrix; see <see cref="MatrixSpan"/>.</summary>
internal readonly ref struct ReadOnlyMatrixSpan
{
    private readonly ReadOnlySpan<float> _data;

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of values in a row.</summary>
    public int Columns { get; }

    /// <summary>Distance, in elements, between the starts of consecutive rows.</summary>
    public int Stride { get; }

    /// <summary>Views <paramref name="data"/> as a dense <paramref name="rows"/>×<paramref name="columns"/> matrix.</summary>
    public ReadOnlyMatrixSpan(ReadOnlySpan<float> data, int rows, int columns) : this(data, rows, columns, columns) { }

    /// <summary>Views <paramref name="data"/> as a matrix whose rows are <paramref name="stride"/> elements apart.</summary>
    public ReadOnlyMatrixSpan(ReadOnlySpan<float> data, int rows, int columns, int stride)
    {
        Shape.CheckView(data.Length, rows, columns, stride, nameof(data));
        _data = rows == 0 ? default : data[..Shape.RequiredLength(rows, columns, stride)];
        Rows = rows;
        Columns = columns;
        Stride = stride;
    }

    /// <summary>Wraps a toolkit <see cref="ReadOnlySpan2D{T}"/>.</summary>
    public static ReadOnlyMatrixSpan FromSpan2D(ReadOnlySpan2D<float> span)
    {
        if (span.Height == 0 || span.Width == 0) return new ReadOnlyMatrixSpan(default, 0, 0);
        int stride = span.Height == 1 ? span.Width
            : (int)Unsafe.ByteOffset(ref Unsafe.AsRef(in span[0, 0]), ref Unsafe.AsRef(in span[1, 0])) / sizeof(float);
        var data = System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(in span[0, 0], Shape.RequiredLength(span.Height, span.Width, stride));
        return new ReadOnlyMatrixSpan(data, span.Height, span.Width, stride);
    }

    /// <summary>True when rows are packed back to back.</summary>
    public bool IsDense => Stride == Columns || Rows <= 1;

    /// <summary>Row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> this[int row]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _data.Slice(row * Stride, Columns);
    }

    /// <summary>The element at (<paramref name="row"/>, <paramref name="column"/>).</summary>
    public float this[int row, int column]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)column >= (uint)Columns) throw new ArgumentOutOfRangeException(nameof(column));
            return _data[row * Stride + column];
        }
    }

    /// <summary>The underlying storage from the first element to the last (includes pitch gaps).</summary>
    public ReadOnlySpan<float> Data => _data;

    /// <summary>Rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
    public ReadOnlyMatrixSpan SliceRows(int start, int count)
    {
        if ((uint)start > (uint)Rows || (uint)count > (uint)(Rows - start))
            throw new ArgumentOutOfRangeException(nameof(count), $"rows [{start}, {start + count}) are outside a matrix of {Rows} rows");
        return count == 0 ? new ReadOnlyMatrixSpan(default, 0, Columns, Stride) : new ReadOnlyMatrixSpan(_data[(start * Stride)..], count, Columns, Stride);
    }

    /// <summary>Columns [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of every row.</summary>
    public ReadOnlyMatrixSpan SliceColumns(int start, int count)
    {
        if ((uint)start > (uint)Columns || (uint)count > (uint)(Columns - start))
            throw new ArgumentOutOfRangeException(nameof(count), $"columns [{start}, {start + count}) are outside a matrix of {Columns} columns");
        return Rows == 0 ? new ReadOnlyMatrixSpan(default, 0, count, Stride) : new ReadOnlyMatrixSpan(_data[start..], Rows, count, Stride);
    }

    /// <summary>Copies into <paramref name="destination"/>, which must have the same shape.</summary>
    public void CopyTo(MatrixSpan destination)
    {
        Shape.CheckSame(this, destination, nameof(destination));
        if (IsDense && destination.IsDense) { _data.CopyTo(destination.Data); return; }
        for (int r = 0; r < Rows; r++) this[r].CopyTo(destination[r]);
    }

    /// <summary>Copies the elements into a new dense array, row after row.</summary>
    public float[] ToArray()
    {
        var result = new float[Rows * Columns];
        CopyTo(new MatrixSpan(result, Rows, Columns));
        return result;
    }

    /// <summary>Shape as text, for error messages.</summary>
    public override string ToString() => Shape.Describe(Rows, Columns);
}
