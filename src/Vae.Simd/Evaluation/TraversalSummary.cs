using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Evaluation;

/// <summary>
/// A number for "each latent variable is interpretable": walk each dimension over its traversal range and ask the
/// judge what it sees. A dimension that changes the predicted digit or stroke smoothly while every frame stays a
/// clear digit (low entropy) is the kind the lecture calls interpretable; the picture remains the real evidence.
/// </summary>
internal sealed record TraversalSummary(double MeanEntropy, int DimensionsChangingDigit, double MeanStepChange)
{
    public static TraversalSummary Measure(LatentNetwork model, Dataset test, Classifier judge, int image, int steps, float span)
    {
        int latent = model.Latent, pixels = model.Config.InputSize, frames = latent * steps;
        using var ws = model.CreateWorkspace(Math.Min(frames, 512));
        using var codes = Traversal.Codes(model, test, image, steps, span, ws);
        using var images = new Matrix(frames, pixels);
        model.Decode(codes.AsReadOnlySpan(), images.AsSpan(), ws);
        using var probabilities = new Matrix(frames, judge.Classes);
        using (var cws = judge.CreateWorkspace(Math.Min(frames, 512)))
            judge.Predict(images.AsReadOnlySpan(), probabilities.AsSpan(), cws);

        double entropy = 0, change = 0;
        int changing = 0;
        var p = probabilities.AsReadOnlySpan();
        var x = images.AsReadOnlySpan();
        for (int d = 0; d < latent; d++)
        {
            var digits = new HashSet<int>();
            for (int k = 0; k < steps; k++)
            {
                var row = p[d * steps + k];
                entropy += Measures.Entropy(row);
                digits.Add(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row));
                if (k > 0)
                {
                    double sq = Measures.SquaredError(x[d * steps + k], x[d * steps + k - 1]);
                    change += Math.Sqrt(sq / pixels);
                }
            }
            if (digits.Count > 1) changing++;
        }
        return new TraversalSummary(entropy / frames, changing, change / (latent * (steps - 1)));
    }
}
