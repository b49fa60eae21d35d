using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Evaluation;

/// <summary>The two terms of the ELBO of each image: ELBO = −(reconstruction + KL).</summary>
internal sealed class ElboResult
{
    /// <summary>Per image: −log p(x|z) at one z ~ q(z|x) (an AE: z = its code). Bernoulli: nats;
    /// Gaussian: the squared error, i.e. −log N(x; x̂, ½I) without its constant.</summary>
    public required double[] Reconstruction { get; init; }

    /// <summary>Per image: KL(q(z|x) ‖ N(0, I)), analytic (0 for an AE).</summary>
    public required double[] Kl { get; init; }

    /// <summary>Number of images.</summary>
    public int Count => Reconstruction.Length;

    /// <summary>ELBO of image <paramref name="i"/>.</summary>
    public double ElboOf(int i) => -(Reconstruction[i] + Kl[i]);

    /// <summary>Mean over images of the reconstruction term.</summary>
    public double MeanReconstruction => Reconstruction.Average();

    /// <summary>Mean over images of the KL term.</summary>
    public double MeanKl => Kl.Average();

    /// <summary>Mean over images of the ELBO.</summary>
    public double MeanElbo => -(MeanReconstruction + MeanKl);
}

/// <summary>The evidence lower bound log p(x) ≥ E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)), image by image.</summary>
internal static class Elbo
{
    /// <summary>
    /// The ELBO terms of every row of <paramref name="images"/>. The expectation is estimated with
    /// <paramref name="samplesPerImage"/> draws of z (noise keyed by image index and draw, so the result is
    /// reproducible); the KL is exact. One draw is the usual "test loss".
    /// </summary>
    public static ElboResult Evaluate(LatentNetwork model, ReadOnlyMatrixSpan images, ulong seed, int samplesPerImage = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (samplesPerImage <= 0) throw new ArgumentOutOfRangeException(nameof(samplesPerImage), samplesPerImage, "at least one draw per image is needed");
        if (images.Rows == 0) throw new ArgumentException("there are no images to evaluate", nameof(images));
        Guard.Finite(images, nameof(images));
        int n = images.Rows;
        var reconstruction = new double[n];
        var kl = new double[n];
        const int chunk = 256;
        using var ws = model.CreateWorkspace(Math.Min(chunk, Math.Max(n, 1)));
        using var epsilon = new Matrix(ws.MaxRows, model.Latent);
        var noise = new NoiseSource(seed);
        var weights = new LossScale(1, 1);
        for (int start = 0; start < n; start += ws.MaxRows)
        {
            int count = Math.Min(ws.MaxRows, n - start);
            MatrixSpan eps = epsilon.AsSpan().SliceRows(0, count);
            for (int draw = 0; draw < samplesPerImage; draw++)
            {
                for (int r = 0; r < count; r++) noise.FillRow(eps[r], (long)(start + r) * samplesPerImage + draw);
                model.ComputeLoss(images.SliceRows(start, count), eps, weights, ws);
                var rowReconstruction = ws.LastReconstruction(count);
                for (int r = 0; r < count; r++) reconstruction[start + r] += rowReconstruction[r] / samplesPerImage;
            }
            ws.LastKl(count).CopyTo(kl.AsSpan(start, count));
        }
        return new ElboResult { Reconstruction = reconstruction, Kl = kl };
    }
}
