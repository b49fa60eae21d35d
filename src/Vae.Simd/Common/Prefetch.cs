using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Vae.Simd.Common;

/// <summary>Asks the cache for memory that will be read soon. A hint only: x86 has the instruction; on other hosts (.NET has
/// no prefetch intrinsic for Arm64) it does nothing.</summary>
internal static class Prefetch
{
    /// <summary>Every 64-byte line of <paramref name="values"/>, into every cache level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Lines(ReadOnlySpan<float> values)
    {
        fixed (float* start = values) Lines(start, values.Length);
    }

    /// <summary>Every 64-byte line of the <paramref name="count"/> floats from <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Lines(float* start, int count)
    {
        if (!Sse.IsSupported || count <= 0) return;
        for (int i = 0; i < count; i += 16) Sse.Prefetch0(start + i);
        // The line of the last value: a run that does not start on a line spills into one more.
        Sse.Prefetch0(start + count - 1);
    }
}
