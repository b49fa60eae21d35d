using System.Runtime.CompilerServices;

namespace Vae.Simd.Kernels;

/// <summary>
/// The two transcendental functions of the Bernoulli and Gaussian losses, specialised to the ranges those losses need and
/// accurate to a few float ulps: cheaper than the general-purpose vector Exp and Log, which handle every input. Written once
/// for every width, so an element's loss is the same bits whichever path (Vector512, 256, 128 or the one-lane tail) computes it.
/// </summary>
internal static class FastMath
{
    /// <summary>e^x for x ≤ 0 (Cephes expf: x = n·ln2 + r, |r| ≤ ½ln2, degree-6 polynomial, scale by 2ⁿ).
    /// Inputs below −87 give e^−87 ≈ 1.6e−38 instead of a denormal or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ExpNonPositive<TV>(TV x) where TV : struct, ISimdVector<TV>
    {
        x = TV.AtLeast(x, TV.Create(-87f));
        var n = TV.Round(TV.Multiply(x, TV.Create(1.44269504088896341f)));
        var r = TV.Subtract(x, TV.Multiply(n, TV.Create(0.693359375f)));
        r = TV.Subtract(r, TV.Multiply(n, TV.Create(-2.12194440e-4f)));
        var p = TV.Create(1.9875691500E-4f);
        p = TV.MultiplyAdd(p, r, TV.Create(1.3981999507E-3f));
        p = TV.MultiplyAdd(p, r, TV.Create(8.3334519073E-3f));
        p = TV.MultiplyAdd(p, r, TV.Create(4.1665795894E-2f));
        p = TV.MultiplyAdd(p, r, TV.Create(1.6666665459E-1f));
        p = TV.MultiplyAdd(p, r, TV.Create(5.0000001201E-1f));
        p = TV.MultiplyAdd(p, TV.Multiply(r, r), TV.Add(r, TV.Create(1f)));
        return TV.Multiply(p, TV.PowerOfTwo(n));
    }

    /// <summary>log(1 + y) for y in [0, 1], as 2·atanh(s) with s = y / (2 + y) ≤ ⅓: the odd series to s¹¹
    /// leaves a relative error below (⅓)¹³/13 ≈ 5e−8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Log1pUnit<TV>(TV y) where TV : struct, ISimdVector<TV>
    {
        var s = TV.Divide(y, TV.Add(TV.Create(2f), y));
        var s2 = TV.Multiply(s, s);
        var p = TV.Create(1f / 11);
        p = TV.MultiplyAdd(p, s2, TV.Create(1f / 9));
        p = TV.MultiplyAdd(p, s2, TV.Create(1f / 7));
        p = TV.MultiplyAdd(p, s2, TV.Create(1f / 5));
        p = TV.MultiplyAdd(p, s2, TV.Create(1f / 3));
        p = TV.MultiplyAdd(p, s2, TV.Create(1f));
        return TV.Multiply(TV.Multiply(TV.Create(2f), s), p);
    }
}
