using Vae.Simd.Common;
using Vae.Simd.Kernels;

namespace Vae.Simd.Tests.Kernels;

public class LargestMagnitudeTests
{
    /// <summary>Every length up to 100 (every width's body, overlapping last vector and short spans), at an odd offset so
    /// that no load is aligned, with the largest magnitude placed at every position in turn.</summary>
    [Fact]
    public void The_largest_magnitude_is_found_wherever_it_is()
    {
        var random = new SeededRandom(3);
        for (int n = 0; n <= 100; n++)
        {
            var buffer = new float[n + 1];
            for (int i = 0; i < buffer.Length; i++) buffer[i] = random.NextUniform(-1, 1) * MathF.Pow(2, random.NextUniform(-140, 20));
            Assert.Equal(n == 0 ? 0f : buffer.Skip(1).Max(MathF.Abs), LargestMagnitude.Of(buffer.AsSpan(1, n)));
            for (int at = 0; at < n; at++)
            {
                var x = (float[])buffer.Clone();
                float planted = (at % 2 == 0 ? -1 : 1) * 3.5e6f;
                x[1 + at] = planted;
                Assert.Equal(3.5e6f, LargestMagnitude.Of(x.AsSpan(1, n)));
                x[0] = -7e7f; // outside the span: never seen
                Assert.Equal(3.5e6f, LargestMagnitude.Of(x.AsSpan(1, n)));
            }
        }
    }

    [Fact]
    public void Zeros_negative_zeros_and_subnormals_keep_their_order()
    {
        Assert.Equal(0f, LargestMagnitude.Of([]));
        Assert.Equal(0f, LargestMagnitude.Of(new float[37]));
        var x = new float[37];
        Array.Fill(x, -0f);
        Assert.Equal(0f, LargestMagnitude.Of(x));
        x[20] = -float.Epsilon;
        x[30] = 2 * float.Epsilon;
        Assert.Equal(2 * float.Epsilon, LargestMagnitude.Of(x));
        x[5] = -float.MaxValue;
        Assert.Equal(float.MaxValue, LargestMagnitude.Of(x));
    }

    [Fact]
    public void An_infinity_anywhere_gives_infinity_and_a_NaN_anywhere_gives_NaN()
    {
        var random = new SeededRandom(5);
        foreach (int n in new[] { 1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 97 })
            for (int at = 0; at < n; at++)
            {
                var x = Enumerable.Range(0, n).Select(_ => random.NextUniform(-1, 1)).ToArray();
                x[at] = at % 2 == 0 ? float.NegativeInfinity : float.PositiveInfinity;
                Assert.Equal(float.PositiveInfinity, LargestMagnitude.Of(x));
                x[at] = -float.NaN; // a NaN with its sign bit set is still found
                Assert.True(float.IsNaN(LargestMagnitude.Of(x)), $"NaN at {at} of {n} was missed");
                x[(at + 1) % n] = float.PositiveInfinity;
                if (n > 1) Assert.True(float.IsNaN(LargestMagnitude.Of(x)), $"NaN at {at} of {n} was hidden by an infinity");
            }
    }
}
