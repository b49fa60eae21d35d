using CommunityToolkit.HighPerformance.Buffers;

namespace Vae.Simd.Tensors;

/// <summary>
/// A dense row-major <see cref="float"/> matrix whose storage is rented from the shared pool.
/// The owner disposes it, which returns the storage; views taken from it must not outlive it.
/// </summary>
internal sealed class Matrix : IDisposable
{
    private MemoryOwner<float>? _owner;

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Columns { get; }

    /// <summary>Rents a zeroed <paramref name="rows"/>×<paramref name="columns"/> matrix.</summary>
    public Matrix(int rows, int columns)
    {
        if (rows < 0 || columns < 0)
            throw new ArgumentOutOfRangeException(nameof(rows), $"a matrix cannot have shape {Shape.Describe(rows, columns)}");
        Rows = rows;
        Columns = columns;
        _owner = MemoryOwner<float>.Allocate(checked(rows * columns), AllocationMode.Clear);
    }

    /// <summary>A matrix holding a copy of <paramref name="values"/> (row after row).</summary>
    public static Matrix FromArray(int rows, int columns, ReadOnlySpan<float> values)
    {
        var m = new Matrix(rows, columns);
        Shape.CheckLength(values.Length, rows * columns, nameof(values));
        values.CopyTo(m.AsSpan().Data);
        return m;
    }

    /// <summary>The whole matrix as a writable view.</summary>
    public MatrixSpan AsSpan() => new(Owner.Span, Rows, Columns);

    /// <summary>The whole matrix as a read-only view.</summary>
    public ReadOnlyMatrixSpan AsReadOnlySpan() => new(Owner.Span, Rows, Columns);

    /// <summary>The elements, row after row.</summary>
    public Span<float> Span => Owner.Span;

    /// <summary>The storage as <see cref="Memory{T}"/>, for code that must keep it across awaits or threads.</summary>
    public Memory<float> Memory => Owner.Memory;

    private MemoryOwner<float> Owner => _owner ?? throw new ObjectDisposedException(nameof(Matrix));

    /// <summary>Returns the storage to the pool.</summary>
    public void Dispose()
    {
        _owner?.Dispose();
        _owner = null;
    }

    /// <inheritdoc />
    public override string ToString() => Shape.Describe(Rows, Columns);
}
