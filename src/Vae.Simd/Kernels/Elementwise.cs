using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vae.Simd.Common;

namespace Vae.Simd.Kernels;

/// <summary>An elementwise function of one argument, written once for every width (the TensorPrimitives pattern: operators
/// are structs passed as generic arguments, so the JIT inlines them into the loop).</summary>
internal interface IUnaryOperator
{
    static abstract TV Invoke<TV>(TV x) where TV : struct, ISimdVector<TV>;
}

/// <summary>An elementwise function of two arguments; see <see cref="IUnaryOperator"/>.</summary>
internal interface IBinaryOperator
{
    static abstract TV Invoke<TV>(TV x, TV y) where TV : struct, ISimdVector<TV>;
}

/// <summary>Loops with a Vector512, a Vector256 and a Vector128 body and a one-lane tail, all running the same operator.
/// Destinations may alias sources exactly.</summary>
internal static class Elementwise
{
    [MethodImpl(HotPath.Kernel)]
    public static void Map<TOp>(ReadOnlySpan<float> x, Span<float> destination) where TOp : IUnaryOperator
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ds = ref MemoryMarshal.GetReference(destination);
        int n = x.Length, i = 0;
        i = Body<TOp, V512>(ref xs, ref ds, n, i);
        i = Body<TOp, V256>(ref xs, ref ds, n, i);
        i = Body<TOp, V128>(ref xs, ref ds, n, i);
        Body<TOp, V1>(ref xs, ref ds, n, i);
    }

    [MethodImpl(HotPath.Kernel)]
    public static void Map<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) where TOp : IBinaryOperator
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float ds = ref MemoryMarshal.GetReference(destination);
        int n = x.Length, i = 0;
        i = Body<TOp, V512>(ref xs, ref ys, ref ds, n, i);
        i = Body<TOp, V256>(ref xs, ref ys, ref ds, n, i);
        i = Body<TOp, V128>(ref xs, ref ys, ref ds, n, i);
        Body<TOp, V1>(ref xs, ref ys, ref ds, n, i);
    }

    /// <summary>Whole vectors of width <typeparamref name="TV"/> from <paramref name="i"/> on, if that width runs in hardware; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Body<TOp, TV>(ref float xs, ref float ds, int n, int i) where TOp : IUnaryOperator where TV : struct, ISimdVector<TV>
    {
        if (!TV.IsAccelerated) return i;
        for (; i <= n - TV.Count; i += TV.Count) TV.Store(TOp.Invoke(TV.Load(ref xs, (nuint)i)), ref ds, (nuint)i);
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Body<TOp, TV>(ref float xs, ref float ys, ref float ds, int n, int i) where TOp : IBinaryOperator where TV : struct, ISimdVector<TV>
    {
        if (!TV.IsAccelerated) return i;
        for (; i <= n - TV.Count; i += TV.Count) TV.Store(TOp.Invoke(TV.Load(ref xs, (nuint)i), TV.Load(ref ys, (nuint)i)), ref ds, (nuint)i);
        return i;
    }

    /// <summary>Checks lengths and the no-partial-overlap rule, as TensorPrimitives does.</summary>
    public static void CheckDestination(ReadOnlySpan<float> source, Span<float> destination, string sourceName, string destinationName)
    {
        if (destination.Length != source.Length)
            throw new ArgumentException($"{destinationName} has length {destination.Length} but {sourceName} has {source.Length}", destinationName);
        if (source.Overlaps(destination, out int offset) && offset != 0)
            throw new ArgumentException($"{destinationName} overlaps {sourceName} without being the same span", destinationName);
    }
}
