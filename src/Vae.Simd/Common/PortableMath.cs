using System.Runtime.CompilerServices;

namespace Vae.Simd.Common;

/// <summary>
/// The logarithm and the sine and cosine that the Gaussian noise needs, in plain double arithmetic (additions,
/// multiplications, one division): the same bits on every host. <see cref="Math.Log(double)"/>, <see cref="Math.Sin"/> and
/// <see cref="Math.Cos"/> call the platform's C library, whose last bits differ between glibc, Windows and macOS and between
/// their versions, so a seed drew different noise on different machines; they were also most of the noise's cost in a
/// training step (benchmarks/RESULTS.md, thirteenth session). Accurate to 1e−10 or better, far below a float's resolution.
/// </summary>
internal static class PortableMath
{
    private const double Ln2 = 0.69314718055994530942;

    /// <summary>−ln(<paramref name="u"/>) for u in (0, 1]. u = m·2^e with m in [√½, √2), and ln m = 2·atanh(s) with
    /// s = (m − 1)/(m + 1), |s| ≤ 0.172: the odd series to s¹¹ leaves a relative error below 6e−11. Near u = 1, e = 0 and
    /// m − 1 is exact, so the small results keep their relative accuracy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double NegativeLog(double u)
    {
        long bits = BitConverter.DoubleToInt64Bits(u);
        int exponent = (int)(bits >> 52) - 1023;                        // u is positive and normal: no sign bit, no subnormal
        double m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L);   // [1, 2)
        if (m > 1.4142135623730951) { m *= 0.5; exponent++; }
        double f = m - 1, s = f / (2 + f), z = s * s;
        double series = 1 + z * (1.0 / 3 + z * (1.0 / 5 + z * (1.0 / 7 + z * (1.0 / 9 + z * (1.0 / 11)))));
        return -(exponent * Ln2 + 2 * s * series);
    }

    /// <summary>The cosine and sine of <paramref name="turn"/>/2³² of a full turn. The nearest quarter turn is taken out in
    /// integers (exactly), which leaves an angle x in [−π/4, π/4]; there the Taylor series to x¹³ and x¹⁴ are within 1e−13.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (double Cos, double Sin) CosSinOfTurn(uint turn)
    {
        uint quarter = ((turn + (1u << 29)) >> 30) & 3;                // the nearest quarter turn; 2³² wraps to 0
        double x = (int)(turn - (quarter << 30)) * (2 * Math.PI / 4294967296.0);
        double z = x * x;
        double sin = x * (1 + z * (-1.0 / 6 + z * (1.0 / 120 + z * (-1.0 / 5040 + z * (1.0 / 362880 + z * (-1.0 / 39916800 + z * (1.0 / 6227020800)))))));
        double cos = 1 + z * (-1.0 / 2 + z * (1.0 / 24 + z * (-1.0 / 720 + z * (1.0 / 40320 + z * (-1.0 / 3628800 + z * (1.0 / 479001600 + z * (-1.0 / 87178291200)))))));
        return quarter switch
        {
            0 => (cos, sin),
            1 => (-sin, cos),
            2 => (-cos, -sin),
            _ => (sin, -cos),
        };
    }
}
