using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Evaluation;

/// <summary>
/// Latent traversals: the code of one image with one dimension at a time moved over a range. A VAE's z_d runs over ±span
/// (the prior's scale); an AE has no prior, so its z_d runs over m_d ± span·s_d, the mean and standard deviation of the
/// test codes in that dimension.
/// </summary>
internal static class Traversal
{
    /// <summary>The latent points of a traversal: row d·steps + k is test image <paramref name="image"/>'s code with
    /// z_d at step k of its range. The caller disposes the matrix.</summary>
    public static Matrix Codes(LatentNetwork model, Dataset test, int image, int steps, float span, NetworkWorkspace ws)
    {
        int latent = model.Latent;
        var (low, high) = Range(model, test, span, ws);
        using var baseCode = new Matrix(1, latent);
        model.EncodeMean(test.Matrix.SliceRows(image, 1), baseCode.AsSpan(), ws);
        var codes = new Matrix(latent * steps, latent);
        var c = codes.AsSpan();
        for (int d = 0; d < latent; d++)
            for (int k = 0; k < steps; k++)
            {
                var row = c[d * steps + k];
                baseCode.Span.CopyTo(row);
                row[d] = low[d] + (high[d] - low[d]) * k / (steps - 1);
            }
        return codes;
    }

    /// <summary>The traversal bounds per dimension (see <see cref="Traversal"/>).</summary>
    public static (float[] Low, float[] High) Range(LatentNetwork model, Dataset test, float span, NetworkWorkspace ws)
    {
        int latent = model.Latent;
        if (model is VariationalNetwork)
            return (Enumerable.Repeat(-span, latent).ToArray(), Enumerable.Repeat(span, latent).ToArray());
        using var codes = new Matrix(test.Count, latent);
        model.EncodeMean(test.Matrix, codes.AsSpan(), ws);
        var stats = LatentStatistics.Of(codes.AsReadOnlySpan());
        return (Enumerable.Range(0, latent).Select(d => (float)(stats.Mean[d] - span * stats.StandardDeviation[d])).ToArray(),
                Enumerable.Range(0, latent).Select(d => (float)(stats.Mean[d] + span * stats.StandardDeviation[d])).ToArray());
    }
}
