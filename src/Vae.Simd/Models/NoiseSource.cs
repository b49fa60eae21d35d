using System.Runtime.CompilerServices;
using Vae.Simd.Common;
using Vae.Simd.Tensors;

namespace Vae.Simd.Models;

/// <summary>
/// Counter-based standard normal noise: the value for (sample, dimension) depends only on the
/// seed, the sample's index and the dimension, never on which thread draws it or in what order.
/// That is what makes training bitwise identical for any number of threads.
/// </summary>
internal readonly struct NoiseSource(ulong seed)
{
    private readonly ulong _key = SeededRandom.Mix64(seed ^ 0x6A09E667F3BCC909UL);

    /// <summary>The seed this source was made from.</summary>
    public ulong Seed { get; } = seed;

    /// <summary>Fills row r of <paramref name="destination"/> with the noise of sample <paramref name="firstSample"/> + r.</summary>
    public void Fill(MatrixSpan destination, long firstSample)
    {
        for (int r = 0; r < destination.Rows; r++) FillRow(destination[r], firstSample + r);
    }

    /// <summary>The noise of one sample: one N(0, 1) value per dimension.</summary>
    [MethodImpl(HotPath.Kernel)]
    public void FillRow(Span<float> row, long sample)
    {
        // Box–Muller turns each pair of uniform draws into two independent normals: a radius √(−2 ln u₁) and an angle of
        // u₂ turns. The logarithm, sine and cosine are PortableMath's, so a seed draws the same noise on every host.
        ulong sampleKey = SeededRandom.Mix64(_key + (ulong)sample * 0xD1B54A32D192ED03UL);
        for (int d = 0; d < row.Length; d += 2)
        {
            ulong bits = SeededRandom.Mix64(sampleKey ^ ((ulong)(d >> 1) * 0x9E3779B97F4A7C15UL + 1));
            double u1 = ((bits >> 32) + 1) * (1.0 / ((1UL << 32) + 1));      // (0, 1): the log stays finite
            double radius = Math.Sqrt(2.0 * PortableMath.NegativeLog(u1));
            var (cos, sin) = PortableMath.CosSinOfTurn((uint)bits);
            row[d] = (float)(radius * cos);
            if (d + 1 < row.Length) row[d + 1] = (float)(radius * sin);
        }
    }
}
