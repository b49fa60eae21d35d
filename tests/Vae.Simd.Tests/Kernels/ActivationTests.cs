using Vae.Simd.Common;
using FsCheck.Fluent;
using Vae.Simd;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Kernels;

public class ActivationTests
{
    public static double F(ActivationKind kind, double x) => kind switch
    {
        ActivationKind.ReLU => Math.Max(x, 0),
        ActivationKind.LeakyReLU => x > 0 ? x : 0.01 * x,
        ActivationKind.Tanh => Math.Tanh(x),
        ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-x)),
        ActivationKind.Identity => x,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static double Derivative(ActivationKind kind, double x) => kind switch
    {
        ActivationKind.ReLU => x > 0 ? 1 : 0,
        ActivationKind.LeakyReLU => x > 0 ? 1 : 0.01,
        ActivationKind.Tanh => 1 - Math.Tanh(x) * Math.Tanh(x),
        ActivationKind.Sigmoid => F(kind, x) * (1 - F(kind, x)),
        ActivationKind.Identity => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private sealed record Case(ActivationKind Kind, int Length, float Scale, bool InPlace, int Seed);

    private static readonly FsCheck.Gen<Case> Cases =
        from kind in Gen.Elements(Enum.GetValues<ActivationKind>())
        from n in Properties.Size(200)
        from scale in Gen.Elements(0.5f, 3f, 30f)
        from inPlace in Gen.Elements(false, true)
        from seed in Properties.Seed
        select new Case(kind, n, scale, inPlace, seed);

    [Fact]
    public void Forward_and_backward_match_the_double_reference()
    {
        Properties.Check(Cases, c =>
        {
            var random = new SeededRandom((ulong)c.Seed);
            float[] x = Enumerable.Range(0, c.Length).Select(_ => random.NextUniform(-c.Scale, c.Scale)).ToArray();
            float[] dy = Enumerable.Range(0, c.Length).Select(_ => random.NextUniform(-1, 1)).ToArray();
            float[] y = c.InPlace ? x.ToArray() : new float[c.Length];
            Activations.Forward(c.Kind, c.InPlace ? y : x, y);
            float[] dx = c.InPlace ? dy.ToArray() : new float[c.Length];
            Activations.Backward(c.Kind, y, c.InPlace ? dx : dy, dx);
            for (int i = 0; i < c.Length; i++)
            {
                Approx.Equal(F(c.Kind, x[i]), y[i], 1e-6, $"{c.Kind}({x[i]})");
                Approx.Equal(dy[i] * Derivative(c.Kind, x[i]), dx[i], 1e-5, $"{c.Kind}'({x[i]})");
            }
        }, maxTest: 200);
    }

    [Fact]
    public void Sigmoid_keeps_its_extremes_finite_and_NaN_as_NaN_on_every_width()
    {
        // 37 values: a 16-, 8- or 4-wide body and a one-lane tail each see the extremes (the tests run on every width).
        float[] x = [.. Enumerable.Range(0, 37).Select(i => (i % 6) switch
        {
            0 => float.PositiveInfinity, 1 => float.NegativeInfinity, 2 => 1000f, 3 => -1000f, 4 => float.NaN, _ => 0f,
        })];
        var y = new float[x.Length];
        Activations.Forward(ActivationKind.Sigmoid, x, y);
        for (int i = 0; i < x.Length; i++)
        {
            if (float.IsNaN(x[i])) { Assert.True(float.IsNaN(y[i]), $"σ(NaN) at {i} is {y[i]}"); continue; }
            if (x[i] == 0f) { Assert.Equal(0.5f, y[i]); continue; }
            // σ(x) for x below −87 is held at e^−87 ≈ 1.6e−38 rather than going subnormal; above, it reaches 1 exactly.
            Assert.Equal(x[i] > 0 ? 1f : MathF.Exp(-87f), y[i], 0.01f * MathF.Exp(-87f));
        }
    }

    [Fact]
    public void Lengths_that_differ_are_rejected_with_the_parameter_name()
    {
        var ex = Assert.Throws<ArgumentException>(() => Activations.Forward(ActivationKind.ReLU, new float[5], new float[4]));
        Assert.Equal("y", ex.ParamName);
        var ex2 = Assert.Throws<ArgumentException>(() => Activations.Backward(ActivationKind.Tanh, new float[5], new float[4], new float[5]));
        Assert.Equal("dy", ex2.ParamName);
        var buffer = new float[10];
        var ex3 = Assert.Throws<ArgumentException>(() => Activations.Forward(ActivationKind.ReLU, buffer.AsSpan(0, 8), buffer.AsSpan(1, 8)));
        Assert.Contains("overlaps", ex3.Message);
    }
}
