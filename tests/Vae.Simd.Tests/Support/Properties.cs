using FsCheck;
using FsCheck.Fluent;

namespace Vae.Simd.Tests.Support;

/// <summary>Runs FsCheck properties from xunit tests, throwing (with the counter-example) on failure.</summary>
internal static class Properties
{
    public static void Check<T>(Gen<T> generator, Action<T> property, int maxTest = 100)
    {
        var prop = Prop.ForAll(generator.ToArbitrary(), property);
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(maxTest).WithQuietOnSuccess(true), prop);
    }

    /// <summary>Sizes that stress vector loops: 1, odd sizes, just below/at/above 8, 16 and 32 wide vectors, and random ones.</summary>
    public static Gen<int> Size(int max = 80) => Gen.OneOf(
        Gen.Elements(new[] { 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65 }.Where(s => s <= max).ToArray()),
        Gen.Choose(1, max));

    /// <summary>0 (dense) or a few extra elements of pitch.</summary>
    public static Gen<int> Pitch => Gen.Frequency((2, Gen.Constant(0)), (1, Gen.Choose(1, 5)));

    public static Gen<int> Seed => Gen.Choose(0, int.MaxValue);

    /// <summary>A few-row product y = x·Wᵀ + b (x [rows × k], Wᵀ [k × n]) computed on columns [col0, col0 + cols) only, col0 a
    /// multiple of <paramref name="columnStep"/> (or the last column).</summary>
    public sealed record GemvCase(int Rows, int K, int N, int Col0, int Cols, int Seed);

    public static Gen<GemvCase> GemvCases(int maxRows, int maxK, int maxN, int columnStep) =>
        from rows in Gen.Choose(1, maxRows)
        from k in Size(maxK)
        from n in Size(maxN)
        from start in Gen.Choose(0, 3)
        from seed in Seed
        let col0 = Math.Min(start * columnStep, n - 1)
        from cols in Gen.Choose(1, n - col0)
        select new GemvCase(rows, k, n, col0, cols, seed);
}
