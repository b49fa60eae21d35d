using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Vae.Simd.Kernels;

/// <summary>
/// The two transcendental functions of the Bernoulli and Gaussian losses, specialised to the ranges
/// those losses need and accurate to a few float ulps: cheaper than the general-purpose vector Exp and
/// Log, which handle every input and were a tenth of a training step.
/// </summary>
internal static class FastMath
{
    /// <summary>e^x for x ≤ 0 (Cephes expf: x = n·ln2 + r, |r| ≤ ½ln2, degree-6 polynomial, scale by 2ⁿ).
    /// Inputs below −87 give e^−87 ≈ 1.6e−38 instead of a denormal or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpNonPositive(Vector512<float> x)
    {
        x = Vector512.Max(x, Vector512.Create(-87f));
        var n = Vector512.Round(x * 1.44269504088896341f);
        var r = x - n * 0.693359375f;
        r -= n * -2.12194440e-4f;
        var p = Vector512.Create(1.9875691500E-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894E-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459E-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201E-1f));
        p = Vector512.FusedMultiplyAdd(p, r * r, r + Vector512<float>.One);
        var scale = (Vector512.ConvertToInt32(n) + Vector512.Create(127)) << 23;
        return p * scale.AsSingle();
    }

    /// <summary>log(1 + y) for y in [0, 1], as 2·atanh(s) with s = y / (2 + y) ≤ ⅓: the odd series to s¹¹
    /// leaves a relative error below (⅓)¹³/13 ≈ 5e−8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log1pUnit(Vector512<float> y)
    {
        var s = y / (Vector512.Create(2f) + y);
        var s2 = s * s;
        var p = Vector512.Create(1f / 11);
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(1f / 9));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(1f / 7));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(1f / 5));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(1f / 3));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512<float>.One);
        return 2f * s * p;
    }
}
