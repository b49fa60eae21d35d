using Vae.Simd;
using Vae.Simd.Evaluation;

namespace Vae.Cli.Anomaly;

/// <summary>
/// The linear baseline for anomaly scores: the k principal directions of the training rows (eigenvectors of their covariance,
/// from the library's own Jacobi solver) and each row's squared distance from that subspace, Σ (x − μ − VVᵀ(x − μ))².
/// A VAE with latent dimension k should do at least as well, or its nonlinearity buys nothing.
/// </summary>
internal sealed class PcaBaseline
{
    private readonly double[] _mean;
    private readonly double[] _components;   // k × d, row i = the i-th principal direction
    private double[] _residualVariance = [];    // per feature, of the training rows' residuals

    public int Components { get; }

    /// <summary>Share of the training rows' variance the kept directions explain.</summary>
    public double ExplainedVariance { get; }

    private PcaBaseline(double[] mean, double[] components, int k, double explained) => (_mean, _components, Components, ExplainedVariance) = (mean, components, k, explained);

    /// <summary>Fits <paramref name="k"/> directions on <paramref name="train"/> (k below its number of features).</summary>
    public static PcaBaseline Fit(Dataset train, int k)
    {
        int d = train.Features;
        if (k <= 0 || k >= d) throw new CliError($"PCA baseline: {k} components for {d} features; it needs 1 to {d - 1}");
        if (d > 2048) throw new CliError($"PCA baseline: {d} features make a covariance too large for the Jacobi solver (at most 2048)");
        var mean = new double[d];
        for (int i = 0; i < train.Count; i++) { var row = train.Row(i); for (int j = 0; j < d; j++) mean[j] += row[j]; }
        for (int j = 0; j < d; j++) mean[j] /= train.Count;
        var covariance = new double[d * d];
        var centred = new double[d];
        for (int i = 0; i < train.Count; i++)
        {
            var row = train.Row(i);
            for (int j = 0; j < d; j++) centred[j] = row[j] - mean[j];
            for (int a = 0; a < d; a++)
                for (int b = a; b < d; b++) covariance[a * d + b] += centred[a] * centred[b];
        }
        for (int a = 0; a < d; a++)
            for (int b = a; b < d; b++) covariance[b * d + a] = covariance[a * d + b] /= Math.Max(1, train.Count - 1);
        var values = new double[d];
        var vectors = new double[d * d];
        SymmetricEigen.Decompose(covariance, d, values, vectors);
        var order = Enumerable.Range(0, d).OrderByDescending(i => values[i]).ToArray();
        var components = new double[k * d];
        for (int c = 0; c < k; c++)
            for (int j = 0; j < d; j++) components[c * d + j] = vectors[j * d + order[c]];
        double total = values.Sum(v => Math.Max(v, 0)), kept = order.Take(k).Sum(i => Math.Max(values[i], 0));
        var pca = new PcaBaseline(mean, components, k, total > 0 ? kept / total : 0);
        var residualVariance = new double[d];
        var residual = new double[d];
        for (int i = 0; i < train.Count; i++)
        {
            pca.Residual(train.Row(i), residual);
            for (int j = 0; j < d; j++) residualVariance[j] += residual[j] * residual[j] / train.Count;
        }
        pca._residualVariance = residualVariance;
        return pca;
    }

    /// <summary>Each row's squared reconstruction error from the kept directions.</summary>
    public double[] ReconstructionError(Dataset data) => Errors(data, weighted: false);

    /// <summary>Each row's reconstruction error with every feature's residual divided by its variance over the training rows:
    /// what a linear model with a noise level per feature (as the VAE's learned variance is) would score.</summary>
    public double[] WeightedReconstructionError(Dataset data) => Errors(data, weighted: true);

    private double[] Errors(Dataset data, bool weighted)
    {
        int d = _mean.Length;
        if (data.Features != d) throw new CliError($"PCA baseline: the data have {data.Features} features, the fit had {d}");
        var errors = new double[data.Count];
        var residual = new double[d];
        for (int i = 0; i < data.Count; i++)
        {
            Residual(data.Row(i), residual);
            double sum = 0;
            for (int j = 0; j < d; j++) sum += residual[j] * residual[j] / (weighted ? Math.Max(_residualVariance[j], 1e-12) : 1);
            errors[i] = sum;
        }
        return errors;
    }

    /// <summary>x − μ − VVᵀ(x − μ).</summary>
    private void Residual(ReadOnlySpan<float> row, Span<double> residual)
    {
        int d = _mean.Length;
        for (int j = 0; j < d; j++) residual[j] = row[j] - _mean[j];
        Span<double> dots = stackalloc double[Components];
        for (int c = 0; c < Components; c++)
        {
            double dot = 0;
            for (int j = 0; j < d; j++) dot += _components[c * d + j] * residual[j];
            dots[c] = dot;
        }
        for (int c = 0; c < Components; c++)
            for (int j = 0; j < d; j++) residual[j] -= dots[c] * _components[c * d + j];
    }
}
