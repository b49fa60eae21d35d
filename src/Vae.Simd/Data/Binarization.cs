using System.Runtime.CompilerServices;
using Vae.Simd.Common;

namespace Vae.Simd.Data;

/// <summary>
/// Counter-based Bernoulli draws: pixel j of image i in epoch e is 1 when a hash of (seed, e, i, j)
/// falls below the pixel value, so the result does not depend on threads or batch order.
/// </summary>
internal static class Binarization
{
    /// <summary>Binarizes <paramref name="source"/> into <paramref name="destination"/> as image <paramref name="image"/> of epoch <paramref name="epoch"/>.</summary>
    [MethodImpl(HotPath.Kernel)]
    public static void Sample(ReadOnlySpan<float> source, Span<float> destination, ulong seed, long epoch, long image)
    {
        if (destination.Length != source.Length) throw new ArgumentException($"destination has length {destination.Length} but source has {source.Length}", nameof(destination));
        ulong key = SeededRandom.Mix64(seed ^ SeededRandom.Mix64((ulong)epoch * 0x9E3779B97F4A7C15UL + (ulong)image));
        for (int j = 0; j < source.Length; j++)
        {
            // 24 uniform bits per pixel: pixel values are multiples of 1/255, far coarser.
            ulong bits = SeededRandom.Mix64(key + (ulong)j * 0xD1B54A32D192ED03UL);
            float u = (bits >> 40) * (1f / (1 << 24));
            destination[j] = u < source[j] ? 1f : 0f;
        }
    }
}
