using Vae.Simd.Kernels;
using Vae.Simd.Layers;
using Vae.Simd.Tensors;

namespace Vae.Simd.Models;

internal abstract partial class LatentNetwork
{
    /// <summary>
    /// The importance-weighted bound of Burda et al. for <paramref name="x"/> holding k copies of each row back to back
    /// (row r's copies are rows r·k … r·k + k − 1) and one noise row per copy:
    /// L = −Σ_rows log (1/k) Σᵢ wᵢ, with log wᵢ = log p(x|zᵢ) + log p(zᵢ) − log q(zᵢ|x)
    ///   = −recᵢ − ½‖zᵢ‖² + ½‖εᵢ‖² + ½ Σⱼ log σ²ⱼ (the (2π)^{−d/2} factors cancel).
    /// Its gradient is Σᵢ w̃ᵢ ∇(−log wᵢ) with w̃ = softmax(log w) over each row's copies (log-sum-exp, so no weight over- or
    /// underflows). Leaves every layer's delta (the loss scaled by <paramref name="scale"/>) in the workspace, like
    /// <see cref="ComputeLossAndDeltas"/>; with <paramref name="withGradient"/> false it only evaluates.
    /// Reported: Reconstruction = Σ_rows mean recᵢ, Kl = the rest of the bound (L minus that), Total = scale·L, Samples = rows.
    /// </summary>
    internal LossBreakdown ComputeIwaeLossAndDeltas(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan epsilon, int k, float scale, NetworkWorkspace ws, bool withGradient = true)
    {
        if (!NeedsNoise) throw new InvalidOperationException("the importance-weighted bound needs a VAE");
        if (k <= 0 || x.Rows % k != 0) throw new ArgumentException($"x has {x.Rows} rows, not a whole number of groups of k = {k} copies", nameof(x));
        using var lease = Acquire(ws);
        int rows = x.Rows, latent = Latent;
        if (x.Columns != Config.InputSize)
            throw new ArgumentException($"x has shape {x.ToString()} but the model takes {Config.InputSize} values per image", nameof(x));
        if (rows > ws.MaxRows) throw new ArgumentException($"x has {rows} rows but the workspace holds at most {ws.MaxRows}", nameof(x));
        Shape.Check(epsilon, rows, latent, nameof(epsilon));
        ReadOnlySpan<float> p = Parameters;
        var buffers = ws.Buffers;

        // Forward, as for the ELBO: every copy's own z, logits and reconstruction term (∂rec/∂logits into the last delta).
        TransposedWeights forward = ForwardWeights(ws, withGradient);
        EncoderTrunk.Forward(p, x, buffers, forward);
        ReadOnlyMatrixSpan trunkOut = EncoderTrunk.Layers.Count == 0 ? x : EncoderTrunk.Output(buffers, EncoderTrunk.Layers.Count - 1, rows);
        MatrixSpan head = buffers.View(ws.Head, rows);
        Head.Forward(p, trunkOut, head, forward);
        ReadOnlyMatrixSpan mu = head.SliceColumns(0, latent), logVar = head.SliceColumns(latent, latent);
        MatrixSpan z = buffers.View(ws.Z, rows);
        Reparameterization.Forward(mu, logVar, epsilon, z);
        Decoder.Forward(p, z, buffers, forward);
        MatrixSpan logits = Decoder.Output(buffers, Decoder.Layers.Count - 1, rows);
        MatrixSpan dLogits = withGradient ? Decoder.Delta(buffers, Decoder.Layers.Count - 1, rows) : default;
        EvaluateReconstruction(logits, x, dLogits, 1f, ws, rows);
        Span<double> rec = buffers.RowDoubles(ws.RowReconstruction, rows);

        // log wᵢ, then per row the bound and the normalized weights w̃ (kept in the per-row KL slots, which the ELBO would use).
        Span<double> weight = buffers.RowDoubles(ws.RowKl, rows);
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<float> zi = z[i], ei = epsilon[i], lv = logVar[i];
            double zz = 0, ee = 0, lvSum = 0;
            for (int j = 0; j < latent; j++)
            {
                zz += (double)zi[j] * zi[j];
                ee += (double)ei[j] * ei[j];
                lvSum += lv[j];
            }
            weight[i] = -rec[i] - 0.5 * zz + 0.5 * ee + 0.5 * lvSum;
        }
        double bound = 0, meanReconstruction = 0;
        for (int g = 0; g < rows; g += k)
        {
            Span<double> logW = weight.Slice(g, k);
            double max = double.NegativeInfinity;
            foreach (double v in logW) max = Math.Max(max, v);
            double sum = 0;
            foreach (double v in logW) sum += Math.Exp(v - max);
            bound -= max + Math.Log(sum) - Math.Log(k);
            for (int i = 0; i < k; i++)
            {
                meanReconstruction += rec[g + i] / k;
                logW[i] = Math.Exp(logW[i] - max) / sum;   // w̃ᵢ from here on
            }
        }
        int groups = rows / k;
        var loss = new LossBreakdown(meanReconstruction, bound - meanReconstruction, scale * bound, groups);
        if (!withGradient) return loss;

        // Backward: copy i carries w̃ᵢ of the gradient of −log wᵢ = recᵢ + ½‖zᵢ‖² − ½‖εᵢ‖² − ½ Σ log σ².
        MatrixSpan dLogVariance = OutputLogVariance is null ? default : buffers.View(ws.OutputLogVarianceDelta, rows);
        for (int i = 0; i < rows; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(dLogits[i], (float)(scale * weight[i]), dLogits[i]);
            if (dLogVariance.Rows != 0) System.Numerics.Tensors.TensorPrimitives.Multiply(dLogVariance[i], (float)(scale * weight[i]), dLogVariance[i]);
        }
        MatrixSpan dz = buffers.View(ws.DZ, rows);
        Decoder.BackwardDeltas(p, buffers, rows, dz);
        for (int i = 0; i < rows; i++)
            System.Numerics.Tensors.TensorPrimitives.MultiplyAddEstimate(z[i], (float)(scale * weight[i]), dz[i], dz[i]);   // + w̃ᵢ·∂(½‖z‖²)/∂z
        MatrixSpan dHead = buffers.View(ws.HeadDelta, rows);
        dHead.Clear();
        MatrixSpan dMu = dHead.SliceColumns(0, latent), dLogVar = dHead.SliceColumns(latent, latent);
        Reparameterization.Backward(mu, z, dz, dMu, dLogVar);
        for (int i = 0; i < rows; i++)
            System.Numerics.Tensors.TensorPrimitives.Add(dLogVar[i], (float)(-0.5 * scale * weight[i]), dLogVar[i]);   // the −½ Σ log σ² term
        if (EncoderTrunk.Layers.Count != 0)
        {
            Head.BackwardInput(p, dHead, EncoderTrunk.Delta(buffers, EncoderTrunk.Layers.Count - 1, rows));
            EncoderTrunk.BackwardDeltas(p, buffers, rows, default);
        }
        return loss;
    }

    /// <summary>The importance-weighted bound and its gradient with respect to every parameter, written into <paramref name="gradients"/>.</summary>
    internal LossBreakdown ComputeIwaeLossAndGradients(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan epsilon, int k, float scale, NetworkWorkspace ws, Span<float> gradients)
    {
        Shape.CheckLength(gradients.Length, Parameters.Length, nameof(gradients));
        var loss = ComputeIwaeLossAndDeltas(x, epsilon, k, scale, ws);
        BackwardParameters(x, ws, gradients, Layers.GradientUpdate.Overwrite);
        return loss;
    }
}
