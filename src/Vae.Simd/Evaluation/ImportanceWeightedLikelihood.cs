using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Evaluation;

/// <summary>
/// The importance-weighted estimate of log p(x) (Burda et al., 2016):
/// log p(x) ≈ log (1/K) Σₖ p(x|zₖ) p(zₖ) / q(zₖ|x), zₖ ~ q(z|x). It is never below the ELBO in expectation
/// and tightens as K grows. Only a Bernoulli decoder and the learned-variance Gaussian have a normalised likelihood to put
/// in it: the sigmoid-mean Gaussian term is a squared error without its variance or constant, so its "log p(x)" would mean nothing.
/// </summary>
internal static class ImportanceWeightedLikelihood
{
    /// <summary>The default number of importance samples per image.</summary>
    public const int DefaultSamples = 5000;

    /// <summary>The most importance samples per image: each worker keeps one log-weight per sample, and far beyond
    /// Burda et al.'s 5000 the estimate stops changing while its cost grows linearly.</summary>
    public const int MaxSamples = 1_000_000;

    /// <summary>Latent points decoded per product: large enough for the GEMM to run at full speed, small enough to stay in cache.</summary>
    private const int ChunkRows = 500;

    /// <summary>True when the likelihood is a normalised density (or mass), so that log p(x) means something.</summary>
    public static bool HasDensity(Likelihood likelihood) => likelihood is Likelihood.Bernoulli or Likelihood.GaussianLearnedVariance;

    /// <summary>Why another likelihood has no log p(x).</summary>
    public static string NoDensityMessage(Likelihood likelihood)
        => $"the importance-weighted log-likelihood needs a Bernoulli or learned-variance Gaussian decoder; this model's is {likelihood} "
            + "(a squared error without its variance and constant, which is no normalised density)";

    /// <summary>
    /// log p(x) of every row of <paramref name="images"/> (pixels in [0, 1]; binarize them for a true Bernoulli
    /// likelihood) with <paramref name="samples"/> draws each. The noise of draw k of image i is keyed by (i, k),
    /// so the result does not depend on <paramref name="threads"/>.
    /// </summary>
    public static double[] Estimate(VariationalNetwork model, ReadOnlyMatrixSpan images, int samples = DefaultSamples, ulong seed = 1, int threads = 1,
        Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!HasDensity(model.Config.Likelihood))
            throw new ArgumentException(NoDensityMessage(model.Config.Likelihood), nameof(model));
        if (samples <= 0 || samples > MaxSamples) throw new ArgumentOutOfRangeException(nameof(samples), samples, $"the number of importance samples must be 1 to {MaxSamples:N0}");
        if (threads <= 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread is needed");
        if (images.Columns != model.Config.InputSize)
            throw new ArgumentException($"images has shape {images.ToString()} but the model takes {model.Config.InputSize} values per image", nameof(images));
        Guard.Finite(images, nameof(images));

        var result = new double[images.Rows];
        var copy = images.ToArray();
        using var work = new Work(model, copy, images.Columns, samples, seed, threads, result) { Progress = progress, Total = images.Rows };
        using var pool = new WorkerPool(threads);
        pool.Run(work, images.Rows);
        return result;
    }

    /// <summary>One image per work item; each worker has its own buffers.</summary>
    private sealed class Work : IParallelWork, IDisposable
    {
        private readonly VariationalNetwork _model;
        private readonly float[] _images;
        private readonly int _pixels, _samples;
        private readonly NoiseSource _noise;
        private readonly double[] _result;
        private readonly NetworkWorkspace[] _workspaces;
        private readonly Matrix[] _z, _targets, _epsilon;
        private readonly double[][] _logWeights, _rowLoss;
        private readonly float[][] _mu, _logVar;

        public Work(VariationalNetwork model, float[] images, int pixels, int samples, ulong seed, int workers, double[] result)
        {
            (_model, _images, _pixels, _samples, _noise, _result) = (model, images, pixels, samples, new NoiseSource(seed), result);
            int rows = Math.Min(ChunkRows, samples);
            _workspaces = new NetworkWorkspace[workers];
            _z = new Matrix[workers];
            _epsilon = new Matrix[workers];
            _targets = new Matrix[workers];
            _logWeights = new double[workers][];
            _rowLoss = new double[workers][];
            _mu = new float[workers][];
            _logVar = new float[workers][];
            for (int w = 0; w < workers; w++)
            {
                _workspaces[w] = model.CreateWorkspace(rows);
                _z[w] = new Matrix(rows, model.Latent);
                _epsilon[w] = new Matrix(rows, model.Latent);
                _targets[w] = new Matrix(rows, pixels);
                _logWeights[w] = new double[samples];
                _rowLoss[w] = new double[rows];
                _mu[w] = new float[model.Latent];
                _logVar[w] = new float[model.Latent];
            }
        }

        public Action<int, int>? Progress { get; init; }
        public int Total { get; init; }
        private int _done;

        public void Execute(int image, int worker)
        {
            try { Estimate(image, worker); }
            finally { if (Progress is { } report) report(Interlocked.Increment(ref _done), Total); }
        }

        private void Estimate(int image, int worker)
        {
            var ws = _workspaces[worker];
            int latent = _model.Latent;
            var x = new ReadOnlyMatrixSpan(_images.AsSpan(image * _pixels, _pixels), 1, _pixels);
            var mu = _mu[worker];
            var logVar = _logVar[worker];
            _model.Encode(x, new MatrixSpan(mu, 1, latent), new MatrixSpan(logVar, 1, latent), ws);
            double halfLogVarSum = 0;
            foreach (float v in logVar) halfLogVarSum += 0.5 * v;

            MatrixSpan targets = _targets[worker].AsSpan();
            for (int r = 0; r < targets.Rows; r++) x[0].CopyTo(targets[r]);
            var logWeights = _logWeights[worker];
            for (int start = 0; start < _samples; start += ws.MaxRows)
            {
                int count = Math.Min(ws.MaxRows, _samples - start);
                MatrixSpan eps = _epsilon[worker].AsSpan().SliceRows(0, count), z = _z[worker].AsSpan().SliceRows(0, count);
                for (int k = 0; k < count; k++) _noise.FillRow(eps[k], (long)image * _samples + start + k);
                for (int k = 0; k < count; k++)
                    for (int j = 0; j < latent; j++) z[k][j] = mu[j] + MathF.Exp(0.5f * logVar[j]) * eps[k][j];
                MatrixSpan logits = _model.DecodeLogits(z, ws);
                var rowLoss = _rowLoss[worker].AsSpan(0, count);
                _model.ReconstructionRows(logits, targets.SliceRows(0, count), rowLoss);
                for (int k = 0; k < count; k++)
                {
                    // log p(z) − log q(z|x) = −½‖z‖² + ½‖ε‖² + ½ Σ log σ²; the (2π)^{-d/2} factors cancel.
                    double zz = 0, ee = 0;
                    for (int j = 0; j < latent; j++)
                    {
                        zz += (double)z[k][j] * z[k][j];
                        ee += (double)eps[k][j] * eps[k][j];
                    }
                    logWeights[start + k] = -rowLoss[k] - 0.5 * zz + 0.5 * ee + halfLogVarSum;
                }
            }
            _result[image] = SoftmaxCrossEntropy.LogSumExp(logWeights.AsSpan()) - Math.Log(_samples);
        }

        public void Dispose()
        {
            foreach (var w in _workspaces) w.Dispose();
            foreach (var m in _z) m.Dispose();
            foreach (var m in _epsilon) m.Dispose();
            foreach (var m in _targets) m.Dispose();
        }
    }
}
