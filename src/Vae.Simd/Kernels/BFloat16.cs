namespace Vae.Simd.Kernels;

/// <summary>
/// bfloat16: the upper half of a float32 (sign, the full 8-bit exponent, 7 stored mantissa bits). Widening back to float32 is
/// exact (append 16 zero bits), so a product that reads bfloat16 weights and does float32 arithmetic computes exactly what
/// the float32 product computes on the rounded weights; only the rounding itself changes the result.
/// </summary>
internal static class BFloat16
{
    /// <summary>The bfloat16 nearest to <paramref name="value"/> (ties to even), as the float32 it widens to. Finite values that
    /// would round past the largest bfloat16 are truncated to it instead: a weight never becomes infinite.</summary>
    public static float Round(float value) => Widen(ToBits(value));

    /// <summary>The 16 bits of the bfloat16 nearest to <paramref name="value"/> (see <see cref="Round"/>).</summary>
    public static ushort ToBits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40); // stays a NaN (quiet), whatever its payload
        uint rounded = bits + 0x7FFF + ((bits >> 16) & 1);
        // Rounding carried into an all-ones exponent: a finite value would become ±infinity.
        if (float.IsFinite(value) && (rounded & 0x7F800000) == 0x7F800000) rounded = bits;
        return (ushort)(rounded >> 16);
    }

    /// <summary>The float32 that bfloat16 <paramref name="bits"/> stands for (exact).</summary>
    public static float Widen(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Low half of a packed pair (<see cref="Tensors.BFloat16Pairs"/>), widened.</summary>
    public static float Low(uint pair) => BitConverter.UInt32BitsToSingle(pair << 16);

    /// <summary>High half of a packed pair, widened.</summary>
    public static float High(uint pair) => BitConverter.UInt32BitsToSingle(pair & 0xFFFF0000);
}
