namespace Vae.Simd.Tensors;

/// <summary>
/// A zeroed float buffer whose first element sits on a 64-byte cache-line boundary, for the matrices the GEMM reads in
/// place (activations, Wᵀ). An ordinary array starts wherever the GC put it, 8-byte aligned; a row read by the micro-kernel
/// from a misaligned start splits every 64-byte piece over two lines, which cost the GEMM about 10 % of its speed on Zen 3
/// (benchmarks/RESULTS.md). The array is allocated on the pinned heap, so the alignment found once holds for its lifetime.
/// </summary>
internal sealed class CacheAlignedFloats
{
    private const int LineFloats = 64 / sizeof(float);
    private readonly float[] _array;
    private readonly int _start;

    public CacheAlignedFloats(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        // One line of slack: the first line boundary is at most 15 floats in, and element 0 must exist even when length is 0.
        _array = GC.AllocateArray<float>(checked(length + LineFloats), pinned: true);
        _start = FloatsToNextLine(_array);
        Length = length;
    }

    /// <summary>Floats in the buffer.</summary>
    public int Length { get; }

    /// <summary>The whole buffer; its element 0 is 64-byte aligned.</summary>
    public Span<float> Span => _array.AsSpan(_start, Length);

    /// <summary>Element 0's address, valid for the buffer's lifetime (the array never moves).</summary>
    public unsafe float* Pointer => (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _array[_start]);

    /// <summary><paramref name="length"/> floats from <paramref name="offset"/> (aligned when the offset is a multiple of 16).</summary>
    public Span<float> Slice(int offset, int length) => Span.Slice(offset, length);

    /// <summary><paramref name="length"/> rounded up to a whole number of cache lines, for laying out several matrices so that each
    /// starts on a line.</summary>
    public static int RoundUpToLine(int length) => checked((length + LineFloats - 1) / LineFloats * LineFloats);

    private static unsafe int FloatsToNextLine(float[] pinned)
    {
        fixed (float* p = pinned)
            return (int)((64 - ((nint)p & 63)) & 63) / sizeof(float);
    }
}
