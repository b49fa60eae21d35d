using FsCheck;
using FsCheck.Fluent;

namespace Vae.Simd.Testing;

/// <summary>
/// The ready property: for every generated case, <see cref="LatentModel.CheckGradients(ReadOnlySpan{float}, ReadOnlySpan{float}, LossWeights?, GradientCheckOptions?)"/>
/// passes. One line in a test checks one's own configurations:
/// <code>[Fact] public void Gradients_are_right() => GradientProperty.Check(new ModelConfig { Hidden = [64, 32], Latent = 8, InputSize = 24 });</code>
/// A failure throws with FsCheck's counter-example (shrunk) and the per-tensor report.
/// </summary>
public static class GradientProperty
{
    /// <summary>Checks <paramref name="cases"/> random cases from <paramref name="configs"/> (default: every kind of architecture).
    /// <paramref name="gradientOf"/> (optional) supplies the gradient to check instead of the model's own (for a custom backward pass).</summary>
    public static void Check(Gen<ModelConfig>? configs = null, int cases = 50, GradientCheckOptions? options = null,
        Func<LatentModel, GradientCase, float[]>? gradientOf = null, int maxRows = 6)
        => Run(VaeGenerators.Cases(configs, maxRows), cases, options, gradientOf);

    /// <summary>Checks one architecture over <paramref name="cases"/> random loss weights, batch sizes and seeds.</summary>
    public static void Check(ModelConfig config, int cases = 20, GradientCheckOptions? options = null, Func<LatentModel, GradientCase, float[]>? gradientOf = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Run(VaeGenerators.Cases(Gen.Constant(config.Validate())), cases, options, gradientOf);
    }

    /// <summary>The report of one case (what the property asserts passes).</summary>
    public static GradientCheckReport Report(GradientCase c, GradientCheckOptions? options = null, Func<LatentModel, GradientCase, float[]>? gradientOf = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        using var model = c.CreateModel();
        float[] x = c.Inputs(), epsilon = c.Noise();
        return gradientOf is null
            ? model.CheckGradients(x, epsilon, c.Weights, options)
            : model.CheckGradients(x, epsilon, gradientOf(model, c), c.Weights, options);
    }

    private static void Run(Gen<GradientCase> generator, int cases, GradientCheckOptions? options, Func<LatentModel, GradientCase, float[]>? gradientOf)
    {
        if (cases <= 0) throw new ArgumentOutOfRangeException(nameof(cases), cases, "at least one case is needed");
        var property = Prop.ForAll(generator.ToArbitrary(), (GradientCase c) =>
        {
            var report = Report(c, options, gradientOf);
            if (!report.Passed) throw new GradientCheckFailedException($"{c}:{Environment.NewLine}{report}");
        });
        try { FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true), property); }
        // FsCheck reports a falsified property with its own exception; callers catch one type, whose message keeps FsCheck's
        // counter-example and replay seed.
        catch (Exception e) when (e is not GradientCheckFailedException) { throw new GradientCheckFailedException(e.Message); }
    }
}

/// <summary>A hand-derived gradient disagreed with finite differences; the message holds the case and the per-tensor report.</summary>
public sealed class GradientCheckFailedException(string message) : Exception(message);
