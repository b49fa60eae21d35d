namespace Vae.Simd.Common;

/// <summary>
/// A small, fast, reproducible generator (xoshiro256**, seeded through SplitMix64) for
/// initialisation and shuffling: the same seed gives the same numbers on every platform and
/// .NET version, which <see cref="System.Random"/> does not promise.
/// </summary>
internal sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>A generator whose whole sequence is fixed by <paramref name="seed"/>.</summary>
    public SeededRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x); _s1 = SplitMix64(ref x); _s2 = SplitMix64(ref x); _s3 = SplitMix64(ref x);
    }

    /// <summary>64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, 1) with 24 random bits.</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public float NextUniform(float low, float high) => (float)(low + (high - low) * NextDouble());

    /// <summary>Uniform integer in [0, <paramref name="n"/>), without modulo bias (Lemire's method).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "must be positive");
        ulong bound = (ulong)n;
        while (true)
        {
            UInt128 product = (UInt128)NextUInt64() * bound;
            ulong low = (ulong)product;
            if (low >= bound || low >= (0UL - bound) % bound) return (int)(product >> 64);
        }
    }

    /// <summary>Fisher–Yates shuffle.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    internal static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        return Mix64(z);
    }

    internal static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
