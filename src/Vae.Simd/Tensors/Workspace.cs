using CommunityToolkit.HighPerformance.Buffers;

namespace Vae.Simd.Tensors;

/// <summary>
/// Every activation and gradient buffer one worker needs, carved from a single cache-line-aligned block
/// (llm.c's "one preallocated block"). Buffers are declared up front with a width; a view of
/// one is taken for the current batch size, which may not exceed <see cref="MaxRows"/>.
/// Nothing is allocated after construction.
/// </summary>
internal sealed class Workspace : IDisposable
{
    private readonly List<(int Offset, int Columns)> _slots = [];
    private readonly List<(int Offset, int Length)> _doubleSlots = [];
    private CacheAlignedFloats? _floats;
    private MemoryOwner<double>? _doubles;
    private int _floatLength, _doubleLength;

    /// <summary>The largest batch any view may have.</summary>
    public int MaxRows { get; }

    /// <summary>A workspace for batches of up to <paramref name="maxRows"/> rows; declare buffers, then <see cref="Allocate"/>.</summary>
    public Workspace(int maxRows)
    {
        if (maxRows <= 0) throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "a workspace needs room for at least one row");
        MaxRows = maxRows;
    }

    /// <summary>Declares a [MaxRows × columns] float buffer and returns its slot number.</summary>
    public int Declare(int columns)
    {
        if (_floats is not null) throw new InvalidOperationException("buffers must be declared before Allocate");
        _slots.Add((_floatLength, columns));
        // Start each buffer on a 64-byte line (the block itself starts on one), so the GEMM's in-place rows never split lines.
        _floatLength = checked(_floatLength + CacheAlignedFloats.RoundUpToLine(MaxRows * columns));
        return _slots.Count - 1;
    }

    /// <summary>Declares a double buffer of <see cref="MaxRows"/> values (per-row losses).</summary>
    public int DeclareRowDoubles()
    {
        if (_doubles is not null) throw new InvalidOperationException("buffers must be declared before Allocate");
        _doubleSlots.Add((_doubleLength, MaxRows));
        _doubleLength += MaxRows;
        return _doubleSlots.Count - 1;
    }

    /// <summary>Allocates the block for every declared buffer (and rents the per-row doubles).</summary>
    public Workspace Allocate()
    {
        _floats ??= new CacheAlignedFloats(_floatLength);
        _doubles ??= MemoryOwner<double>.Allocate(Math.Max(_doubleLength, 1), AllocationMode.Clear);
        return this;
    }

    /// <summary>Buffer <paramref name="slot"/> as a dense [rows × its width] matrix.</summary>
    public MatrixSpan View(int slot, int rows) => View(slot, rows, _slots[slot].Columns);

    /// <summary>Buffer <paramref name="slot"/> as a dense [rows × columns] matrix, columns up to its declared width.</summary>
    public MatrixSpan View(int slot, int rows, int columns)
    {
        var (offset, capacity) = _slots[slot];
        if ((uint)rows > (uint)MaxRows)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"the workspace holds batches of at most {MaxRows} rows");
        if ((uint)columns > (uint)capacity)
            throw new ArgumentOutOfRangeException(nameof(columns), columns, $"buffer {slot} is {capacity} columns wide");
        var floats = _floats ?? throw NotReady();
        return new MatrixSpan(floats.Span.Slice(offset, rows * columns), rows, columns);
    }

    /// <summary>The first <paramref name="rows"/> values of double buffer <paramref name="slot"/>.</summary>
    public Span<double> RowDoubles(int slot, int rows)
    {
        var (offset, length) = _doubleSlots[slot];
        if ((uint)rows > (uint)length) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"the workspace holds batches of at most {MaxRows} rows");
        var doubles = _doubles ?? throw NotReady();
        return doubles.Span.Slice(offset, rows);
    }

    private Exception NotReady() => _disposed
        ? new ObjectDisposedException(nameof(Workspace), "the workspace was disposed; its buffers were released")
        : new InvalidOperationException("the workspace's buffers are not allocated yet: call Allocate after declaring them");

    private bool _disposed;

    /// <summary>Releases the block and returns the doubles to the pool.</summary>
    public void Dispose()
    {
        _disposed = true;
        _doubles?.Dispose();
        _floats = null;
        _doubles = null;
    }
}
