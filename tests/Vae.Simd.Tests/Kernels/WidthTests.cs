using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Tests.Kernels;

/// <summary>Every vector width computes the same numbers. The CI legs (DOTNET_EnableAVX512=0, EnableAVX2=0, EnableHWIntrinsic=0)
/// run the whole suite on each path; these tests compare the paths this machine has, side by side, in one process.</summary>
public class WidthTests
{
    private static (float[] Logits, float[] Targets) PixelCases(int n, ulong seed)
    {
        var random = new SeededRandom(seed);
        // Logits from tiny to huge (|l| up to 200, where e^−|l| is clamped), targets in [0, 1] and exactly 0 and 1.
        var logits = Enumerable.Range(0, n).Select(i => random.NextUniform(-1, 1) * (i % 4 == 0 ? 200f : i % 4 == 1 ? 20f : 3f)).ToArray();
        var targets = Enumerable.Range(0, n).Select(i => i % 5 == 0 ? 0f : i % 5 == 1 ? 1f : random.NextSingle()).ToArray();
        return (logits, targets);
    }

    private static void SameAsOneLane<TV>(Likelihood likelihood) where TV : struct, ISimdVector<TV>
    {
        if (!TV.IsAccelerated) return;
        const int n = 4096;
        var (logits, targets) = PixelCases(n, 3);
        float[] loss = new float[n], d = new float[n];
        ReconstructionLosses.PixelLosses<TV>(likelihood, logits, targets, loss, d);
        for (int i = 0; i < n; i++)
        {
            float expected = ReconstructionLosses.PixelLoss(likelihood, logits[i], targets[i], out float dExpected);
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(loss[i]), $"{typeof(TV).Name} {likelihood} loss at logit {logits[i]}: {loss[i]:R} vs {expected:R}");
            Assert.True(BitConverter.SingleToInt32Bits(dExpected) == BitConverter.SingleToInt32Bits(d[i]), $"{typeof(TV).Name} {likelihood} gradient at logit {logits[i]}");
        }
    }

    [Theory]
    [InlineData(Likelihood.Bernoulli)]
    [InlineData(Likelihood.Gaussian)]
    public void Every_width_computes_each_pixel_loss_and_gradient_to_the_bit(Likelihood likelihood)
    {
        SameAsOneLane<V512>(likelihood);
        SameAsOneLane<V256>(likelihood);
        SameAsOneLane<V128>(likelihood);
        // …and the one-lane path is the formula, to float accuracy.
        var (logits, targets) = PixelCases(1000, 4);
        for (int i = 0; i < logits.Length; i++)
        {
            double exact = ReconstructionLossTests.PixelLoss(likelihood, logits[i], targets[i]);
            float ours = ReconstructionLosses.PixelLoss(likelihood, logits[i], targets[i], out _);
            Assert.True(Math.Abs(ours - exact) <= 2e-6 * (1 + Math.Abs(exact)), $"{likelihood} at {logits[i]}, {targets[i]}: {ours} vs {exact}");
        }
    }

    [Fact]
    public void Every_GEMM_path_gives_the_same_product_bit_for_bit()
    {
        // Each element is one multiply-add chain over k in order, whatever the tile shape or vector width.
        var random = new SeededRandom(5);
        int m = 37, k = 301, n = 45;
        var a = Enumerable.Range(0, m * k).Select(_ => random.NextUniform(-1, 1)).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => random.NextUniform(-1, 1)).ToArray();
        float[]? expected = null;
        // Paths this processor lacks run in software (see GemmPaths.IsSupported): the AVX-512 kernels are held to the others' bits here too.
        foreach (var path in Enum.GetValues<GemmPath>())
        {
            var c = new float[m * n];
            Gemm.Multiply(new ReadOnlyMatrixSpan(a, m, k), false, new ReadOnlyMatrixSpan(b, k, n), false, new MatrixSpan(c, m, n), false, path);
            if (expected is null) expected = c;
            else Assert.True(expected.AsSpan().SequenceEqual(c), $"{path} differs from the first path");
        }
    }

    [Fact]
    public void A_width_leg_of_CI_runs_the_width_it_names()
    {
        // .ci/run sets VAE_SIMD_EXPECTED_WIDTH beside the runtime switches of each leg: if a switch is misspelt or the
        // runtime renames it, the leg would quietly test the default path again. Outside those legs there is nothing to check.
        string? expected = Environment.GetEnvironmentVariable("VAE_SIMD_EXPECTED_WIDTH");
        if (string.IsNullOrEmpty(expected)) return;
        int widest = V512.IsAccelerated ? 512 : V256.IsAccelerated ? 256 : V128.IsAccelerated ? 128 : 32;
        Assert.Equal(int.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), widest);
        Assert.Equal(widest switch { 512 => GemmPath.Vector512, 256 => GemmPath.Vector256, 128 => GemmPath.Vector128, _ => GemmPath.Scalar }, GemmPaths.Best);
    }

    [Fact]
    public void Multiply_add_fuses_exactly_when_the_hardware_has_FMA()
    {
        // a·b + c where the product's low bits matter: fused gives 2⁻⁴⁶, two roundings give 0. Every width must agree,
        // and must fuse only where it is cheap (software FMA made the 128-bit path 45 times slower on a CPU without FMA).
        float a = 1.0000001f, c = -1.0000002f;
        bool hardwareFma = System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;
        float expected = hardwareFma ? MathF.FusedMultiplyAdd(a, a, c) : a * a + c;
        Assert.NotEqual(MathF.FusedMultiplyAdd(a, a, c), a * a + c);
        Assert.Equal(expected, Lane0(V1.MultiplyAdd(V1.Create(a), V1.Create(a), V1.Create(c))));
        if (V128.IsAccelerated) Assert.Equal(expected, Lane0(V128.MultiplyAdd(V128.Create(a), V128.Create(a), V128.Create(c))));
        if (V256.IsAccelerated) Assert.Equal(expected, Lane0(V256.MultiplyAdd(V256.Create(a), V256.Create(a), V256.Create(c))));
        if (V512.IsAccelerated) Assert.Equal(expected, Lane0(V512.MultiplyAdd(V512.Create(a), V512.Create(a), V512.Create(c))));
    }

    private static float Lane0<TV>(TV v) where TV : struct, ISimdVector<TV>
    {
        float[] lanes = new float[TV.Count];
        TV.Store(v, ref lanes[0], 0);
        return lanes[0];
    }
}
