using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Training;

namespace Vae.Simd;

public abstract partial class LatentModel
{
    /// <summary>The deterministic code of each row of <paramref name="x"/>: μ of q(z|x) for a VAE, the code for an autoencoder.
    /// Returns rows × <see cref="Latent"/> values.</summary>
    public float[] EncodeMean(ReadOnlySpan<float> x)
    {
        var codes = Output(RowsOf(x, InputSize, nameof(x)), Latent, nameof(x));
        EncodeMean(x, codes);
        return codes;
    }

    /// <summary>As <see cref="EncodeMean(ReadOnlySpan{float})"/>, into <paramref name="codes"/> (rows × <see cref="Latent"/>).</summary>
    public void EncodeMean(ReadOnlySpan<float> x, Span<float> codes)
    {
        int rows = RowsOf(x, InputSize, nameof(x));
        CheckOutput(codes.Length, rows, Latent, nameof(codes));
        using var lease = EnterInference();
        var ws = _workspaces.Rent();
        try { Network.EncodeMean(new ReadOnlyMatrixSpan(x, rows, InputSize), new MatrixSpan(codes, rows, Latent), ws); }
        finally { _workspaces.Return(ws); }
    }

    /// <summary>The decoder's output for each code in <paramref name="z"/> (rows of <see cref="Latent"/> values): Bernoulli
    /// probabilities, or the means of a Gaussian likelihood. Returns rows × <see cref="InputSize"/> values.</summary>
    public float[] Decode(ReadOnlySpan<float> z)
    {
        var output = Output(RowsOf(z, Latent, nameof(z)), InputSize, nameof(z));
        Decode(z, output);
        return output;
    }

    /// <summary>As <see cref="Decode(ReadOnlySpan{float})"/>, into <paramref name="output"/> (rows × <see cref="InputSize"/>).</summary>
    public void Decode(ReadOnlySpan<float> z, Span<float> output)
    {
        int rows = RowsOf(z, Latent, nameof(z));
        CheckOutput(output.Length, rows, InputSize, nameof(output));
        using var lease = EnterInference();
        var ws = _workspaces.Rent();
        try { Network.Decode(new ReadOnlyMatrixSpan(z, rows, Latent), new MatrixSpan(output, rows, InputSize), ws); }
        finally { _workspaces.Return(ws); }
    }

    /// <summary>decode(encode-mean(x)) for each row: the model's reconstruction. Returns rows × <see cref="InputSize"/> values.</summary>
    public float[] Reconstruct(ReadOnlySpan<float> x)
    {
        var output = new float[RowsOf(x, InputSize, nameof(x)) * InputSize];
        Reconstruct(x, output);
        return output;
    }

    /// <summary>As <see cref="Reconstruct(ReadOnlySpan{float})"/>, into <paramref name="output"/> (same length as x).</summary>
    public void Reconstruct(ReadOnlySpan<float> x, Span<float> output)
    {
        int rows = RowsOf(x, InputSize, nameof(x));
        CheckOutput(output.Length, rows, InputSize, nameof(output));
        using var lease = EnterInference();
        var ws = _workspaces.Rent();
        try { Network.Reconstruct(new ReadOnlyMatrixSpan(x, rows, InputSize), new MatrixSpan(output, rows, InputSize), ws); }
        finally { _workspaces.Return(ws); }
    }

    /// <summary><paramref name="count"/> new rows: decoded draws z ~ N(0, I). The same seed gives the same rows.</summary>
    public float[] Sample(int count, ulong seed = 1)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "cannot draw a negative number of samples");
        if ((long)count * InputSize > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} samples of {InputSize} values do not fit in one array; draw them in parts with Sample(Span<float>, seed, firstSample)");
        var output = Output(count, InputSize, nameof(count));
        Sample(output, seed, 0);
        return output;
    }

    /// <summary>Fills <paramref name="output"/> (whole rows) with decoded draws z ~ N(0, I). Draw i is the seed's i-th,
    /// counting from <paramref name="firstSample"/>: a long run can be drawn in parts and match one call.</summary>
    public void Sample(Span<float> output, ulong seed, long firstSample)
    {
        int rows = RowsOf(output, InputSize, nameof(output));
        if (firstSample < 0) throw new ArgumentOutOfRangeException(nameof(firstSample), firstSample, "sample indices start at 0");
        if (firstSample > long.MaxValue - rows)
            throw new ArgumentOutOfRangeException(nameof(firstSample), firstSample, $"{rows} samples from index {firstSample} would count past {long.MaxValue}");
        using var lease = EnterInference();
        var ws = _workspaces.Rent();
        try { Network.Sample(new MatrixSpan(output, rows, InputSize), new NoiseSource(seed), ws, firstSample); }
        finally { _workspaces.Return(ws); }
    }

    /// <summary>
    /// Each row's negative ELBO, −log p(x|z) + KL(q(z|x) ‖ N(0, I)), with one z ~ q(z|x) per row (noise keyed by the seed and the
    /// row's index, so the same call gives the same scores): the usual anomaly score, high for rows the model finds unlikely.
    /// An autoencoder has no KL: its score is the reconstruction term at its code. Bernoulli models need x in [0, 1].
    /// </summary>
    public double[] NegativeElbo(ReadOnlySpan<float> x, ulong seed = 1)
    {
        var scores = new double[RowsOf(x, InputSize, nameof(x))];
        NegativeElbo(x, scores, default, default, seed);
        return scores;
    }

    /// <summary>As <see cref="NegativeElbo(ReadOnlySpan{float}, ulong)"/>, into <paramref name="scores"/> (one per row), and each row's
    /// <paramref name="reconstruction"/> and <paramref name="kl"/> terms (pass empty spans to skip them).</summary>
    public void NegativeElbo(ReadOnlySpan<float> x, Span<double> scores, Span<double> reconstruction, Span<double> kl, ulong seed)
    {
        int rows = RowsOf(x, InputSize, nameof(x));
        CheckOutput(scores.Length, rows, 1, nameof(scores));
        if (!reconstruction.IsEmpty) CheckOutput(reconstruction.Length, rows, 1, nameof(reconstruction));
        if (!kl.IsEmpty) CheckOutput(kl.Length, rows, 1, nameof(kl));
        var input = new ReadOnlyMatrixSpan(x, rows, InputSize);
        CheckTargets(input, nameof(x));
        var noise = new NoiseSource(seed);
        using var lease = EnterInference();
        var ws = _workspaces.Rent();
        try
        {
            for (int start = 0; start < rows; start += ws.MaxRows)
            {
                int count = Math.Min(ws.MaxRows, rows - start);
                MatrixSpan eps = ws.Buffers.View(ws.Noise, count);
                noise.Fill(eps, start);
                Network.ComputeLoss(input.SliceRows(start, count), eps, new LossScale(1, 1), ws);
                ReadOnlySpan<double> r = ws.LastReconstruction(count), k = ws.LastKl(count);
                for (int i = 0; i < count; i++) scores[start + i] = r[i] + k[i];
                if (!reconstruction.IsEmpty) r.CopyTo(reconstruction.Slice(start, count));
                if (!kl.IsEmpty) k.CopyTo(kl.Slice(start, count));
            }
        }
        finally { _workspaces.Return(ws); }
    }

    /// <summary>
    /// The loss terms of every row of <paramref name="data"/>, summed (per row: <see cref="LossBreakdown.TotalPerSample"/>), under
    /// <paramref name="weights"/> (default 1 and 1: the negative ELBO), with one z ~ q(z|x) per row keyed by <paramref name="seed"/>
    /// and the row's index — the noise training's validation loss draws, which is not the noise <see cref="Score"/> and
    /// <see cref="NegativeElbo(ReadOnlySpan{float}, ulong)"/> draw for the same seed, so their sums differ by the draw.
    /// <paramref name="threads"/>: 0 = one per processor; the result does not depend on it.
    /// </summary>
    public LossBreakdown Evaluate(Dataset data, LossWeights? weights = null, ulong seed = 1, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        weights ??= new LossWeights();
        weights.RequireNonZero(nameof(weights), Network.NeedsNoise);
        if (threads < 0 || threads > TrainingOptions.MaxThreads)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, $"the thread count must be 0 (one per processor) to {TrainingOptions.MaxThreads}");
        CheckWidth(data, nameof(data));
        data = InModelUnits(data);
        CheckData(data, nameof(data));
        int workers = threads == 0 ? Environment.ProcessorCount : threads;
        using var lease = EnterInference();
        using var pool = new WorkerPool(workers);
        using var evaluator = new LossEvaluator(Network, workers);
        return evaluator.Evaluate(data, weights, seed, pool);
    }

    // ------------------------------------------------------------------ argument checks

    private protected static int RowsOf(ReadOnlySpan<float> values, int width, string name)
    {
        if (values.Length % width != 0)
            throw new ArgumentException($"{name} has {values.Length} values, which is not a whole number of rows of {width}", name);
        return values.Length / width;
    }

    /// <summary>An array for <paramref name="rows"/> results of <paramref name="width"/> values, refused with the reason when no
    /// array can hold them (instead of an overflow in rows × width).</summary>
    private protected static float[] Output(long rows, int width, string name)
    {
        long length = rows * width;
        if (length > Array.MaxLength)
            throw new ArgumentException($"{name}: {rows:N0} rows of {width:N0} results are {length:N0} values, more than one array holds; call in chunks (or use the span overload)", name);
        return new float[length];
    }

    private protected static void CheckOutput(int length, int rows, int width, string name)
    {
        if (length != (long)rows * width)
            throw new ArgumentException($"{name} has length {length} but {rows} row(s) × {width} need {(long)rows * width}", name);
    }

    /// <summary>The data's rows must be the model's width, and targets of a Bernoulli likelihood must lie in [0, 1].</summary>
    private protected void CheckData(Dataset data, string name)
    {
        if (data.Features != InputSize)
            throw new ArgumentException($"{name} has {data.Features} values per row but the model takes {InputSize} (ModelConfig.InputSize)", name);
        if (Config.Likelihood == Likelihood.Bernoulli && (data.Min < 0 || data.Max > 1))
        {
            try { data.RequireUnitRange("the Bernoulli likelihood"); }
            catch (ArgumentException e) { throw new ArgumentException($"{name}: {e.Message}", name, e); }
        }
    }

    /// <summary>Finite everywhere, and in [0, 1] for a Bernoulli likelihood (a pixel of 2 or −5 is no probability's outcome).</summary>
    private protected void CheckTargets(ReadOnlyMatrixSpan x, string name)
    {
        Guard.Finite(x, name);
        if (Config.Likelihood != Likelihood.Bernoulli) return;
        for (int r = 0; r < x.Rows; r++)
        {
            ReadOnlySpan<float> row = x[r];
            if (row.IsEmpty || (System.Numerics.Tensors.TensorPrimitives.Min(row) >= 0 && System.Numerics.Tensors.TensorPrimitives.Max(row) <= 1)) continue;
            int c = row.IndexOfAnyExceptInRange(0f, 1f);
            throw new ArgumentException($"{name}[{r}, {c}] is {row[c]}, but the Bernoulli likelihood needs values in [0, 1]: "
                + "scale the data into [0, 1] (pixels: divide by 255), or use Likelihood.Gaussian for real-valued data", name);
        }
    }
}
