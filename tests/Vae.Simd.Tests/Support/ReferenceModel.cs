using Vae.Simd.Common;
using Vae.Simd;
using Vae.Simd.Kernels;
using Vae.Simd.Layers;
using Vae.Simd.Models;
using Vae.Simd.Tests.Kernels;

namespace Vae.Simd.Tests.Support;

/// <summary>
/// An independent double-precision implementation of the whole loss, written from the formulas
/// (not from the library's code), reading parameters by their PyTorch names. The gradient checker
/// differentiates it numerically.
/// </summary>
internal sealed class ReferenceModel(LatentNetwork model)
{
    private readonly ModelConfig _config = model.Config;
    private readonly ParameterLayout _layout = model.Layout;

    /// <summary>The loss Σ_images (w_rec·rec + w_kl·KL); <paramref name="pattern"/> records which side of
    /// each kink (ReLU, LeakyReLU) every pre-activation fell on, so a finite difference that crosses one can be detected.</summary>
    public double Loss(double[] p, float[,] x, float[,] eps, LossWeights w, List<bool>? pattern = null)
    {
        int batch = x.GetLength(0), latent = _config.Latent;
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            double[] h = Enumerable.Range(0, _config.InputSize).Select(j => (double)x[b, j]).ToArray();
            for (int i = 0; i < _config.Hidden.Count; i++) h = Activate(Affine(p, $"encoder.{2 * i}", h), pattern);
            double[] z;
            double kl = 0;
            if (_config.Kind == ModelKind.Variational)
            {
                double[] mu = Affine(p, "encoder_mu", h), logVar = Affine(p, "encoder_logvar", h);
                z = new double[latent];
                for (int j = 0; j < latent; j++)
                {
                    z[j] = mu[j] + Math.Exp(0.5 * logVar[j]) * eps[b, j];
                    kl += -0.5 * (1 + logVar[j] - mu[j] * mu[j] - Math.Exp(logVar[j]));
                }
            }
            else z = Affine(p, "encoder_code", h);

            double[] d = z;
            int hidden = _config.Hidden.Count;
            for (int i = 0; i < hidden; i++) d = Activate(Affine(p, $"decoder.{2 * i}", d), pattern);
            double[] logits = Affine(p, $"decoder.{2 * hidden}", d);
            double rec = 0;
            for (int j = 0; j < logits.Length; j++) rec += ReconstructionLossTests.PixelLoss(_config.Likelihood, logits[j], x[b, j]);
            total += w.Reconstruction * rec + w.Kl * kl;
        }
        return total;
    }

    private double[] Affine(double[] p, string name, double[] input)
    {
        var weight = _layout.Find(name + ".weight")!;
        var bias = _layout.Find(name + ".bias")!;
        int outputs = weight.Shape[0], inputs = weight.Shape[1];
        if (inputs != input.Length) throw new InvalidOperationException($"{name}: {inputs} inputs expected, {input.Length} given");
        var y = new double[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double s = p[bias.Offset + o];
            for (int i = 0; i < inputs; i++) s += p[weight.Offset + o * inputs + i] * input[i];
            y[o] = s;
        }
        return y;
    }

    private double[] Activate(double[] a, List<bool>? pattern)
    {
        if (pattern is not null && _config.Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU)
            foreach (double v in a) pattern.Add(v > 0);
        return a.Select(v => ActivationTests.F(_config.Activation, v)).ToArray();
    }
}

/// <summary>Compares an analytic gradient with central finite differences of the <see cref="ReferenceModel"/>.</summary>
internal static class GradientChecker
{
    internal sealed record Result(int Checked, int SkippedAtKinks, List<string> Mismatches)
    {
        public bool Passed => Mismatches.Count == 0;
    }

    /// <summary>
    /// Step h = 1e-5: the central difference's truncation error is O(h²·f‴) ≈ 1e-10 and its rounding
    /// error ≈ 1e-16·|L|/h ≈ 1e-9 for losses below 100, both far inside the tolerance.
    /// Tolerance: |analytic − numeric| ≤ 2e-3·|numeric| + 2e-4·(1 + max|numeric|). The analytic gradient
    /// is computed in float32 (ε ≈ 6e-8) through at most a few hundred accumulated terms per entry, so its
    /// error stays near 1e-5 of the gradient's scale; 2e-3 leaves two orders of magnitude of margin, while a
    /// dropped or mis-scaled term changes entries by a sizeable fraction of their value.
    /// A parameter whose ±h step moves any ReLU/LeakyReLU pre-activation across 0 is skipped: there the
    /// finite difference measures a kink, not a derivative.
    /// </summary>
    public static Result Check(LatentNetwork model, float[,] x, float[,] eps, LossWeights w, float[] analytic, int maxParameters = 4000, int seed = 0)
    {
        var reference = new ReferenceModel(model);
        double[] p = model.Parameters.Select(v => (double)v).ToArray();
        var basePattern = new List<bool>();
        reference.Loss(p, x, eps, w, basePattern);

        IEnumerable<int> indices = Enumerable.Range(0, p.Length);
        if (p.Length > maxParameters)
        {
            var random = new SeededRandom((ulong)seed);
            int[] all = indices.ToArray();
            random.Shuffle(all);
            indices = all.Take(maxParameters);
        }

        const double h = 1e-5;
        var numeric = new Dictionary<int, double>();
        int skipped = 0;
        foreach (int i in indices)
        {
            double saved = p[i];
            var plusPattern = new List<bool>(); var minusPattern = new List<bool>();
            p[i] = saved + h; double plus = reference.Loss(p, x, eps, w, plusPattern);
            p[i] = saved - h; double minus = reference.Loss(p, x, eps, w, minusPattern);
            p[i] = saved;
            if (!plusPattern.SequenceEqual(basePattern) || !minusPattern.SequenceEqual(basePattern)) { skipped++; continue; }
            numeric[i] = (plus - minus) / (2 * h);
        }

        double scale = 1 + numeric.Values.Select(Math.Abs).DefaultIfEmpty(0).Max();
        var mismatches = new List<string>();
        foreach (var (i, n) in numeric)
        {
            double a = analytic[i];
            if (!(Math.Abs(a - n) <= 2e-3 * Math.Abs(n) + 2e-4 * scale))
                mismatches.Add($"{NameOf(model, i)}: analytic {a:G6}, numeric {n:G6}");
        }
        return new Result(numeric.Count, skipped, mismatches);
    }

    private static string NameOf(LatentNetwork model, int index)
    {
        var t = model.Layout.Tensors.Last(t => t.Offset <= index);
        return $"{t.Name}[{index - t.Offset}]";
    }
}
