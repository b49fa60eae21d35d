using Vae.Simd.Evaluation;

namespace Vae.Simd;

public abstract partial class LatentModel
{
    /// <summary>
    /// Checks the model's hand-derived gradient — exactly what <see cref="ComputeLossAndGradients(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, LossWeights?)"/> and training compute — against
    /// central finite differences of an independent double-precision evaluation of the same loss, on the rows <paramref name="x"/>
    /// with the noise <paramref name="epsilon"/> (rows × <see cref="Latent"/>; empty for an autoencoder). Returns a report per
    /// parameter tensor; <see cref="GradientCheckReport.Passed"/> says whether every checked entry is within the tolerances of
    /// <paramref name="options"/>. Small batches (a few rows) keep the double-precision evaluations cheap.
    /// </summary>
    public GradientCheckReport CheckGradients(ReadOnlySpan<float> x, ReadOnlySpan<float> epsilon, LossWeights? weights = null, GradientCheckOptions? options = null)
    {
        var gradients = new float[ParameterCount];
        ComputeLossAndGradients(x, epsilon, gradients, weights);
        return CheckGradients(x, epsilon, gradients, weights, options);
    }

    /// <summary>
    /// Checks <paramref name="gradients"/> — for instance from one's own backward pass, in <see cref="ParameterTensors"/> order — against
    /// finite differences of the model's loss on <paramref name="x"/> and <paramref name="epsilon"/>, as the other overload does.
    /// </summary>
    public GradientCheckReport CheckGradients(ReadOnlySpan<float> x, ReadOnlySpan<float> epsilon, ReadOnlySpan<float> gradients, LossWeights? weights = null, GradientCheckOptions? options = null)
    {
        weights ??= new LossWeights();
        options ??= new GradientCheckOptions();
        int rows = RowsOf(x, InputSize, nameof(x));
        CheckTargets(new Tensors.ReadOnlyMatrixSpan(x, rows, InputSize), nameof(x));
        if (Network.NeedsNoise)
        {
            CheckOutput(epsilon.Length, rows, Latent, nameof(epsilon));
            Tensors.Guard.Finite(new Tensors.ReadOnlyMatrixSpan(epsilon, rows, Latent), nameof(epsilon));
        }
        CheckOutput(gradients.Length, ParameterCount, 1, nameof(gradients));
        using var lease = EnterInference();
        return GradientChecker.Check(Network, x, epsilon, weights, gradients, options);
    }
}
