using Vae.Simd.Layers;
using Vae.Simd.Models;

namespace Vae.Simd.Evaluation;

/// <summary>
/// An independent double-precision implementation of a model's whole loss, written from the formulas rather than from the
/// library's kernels: row by row, layer by layer, parameters read by their PyTorch names. The gradient check differentiates
/// it numerically; nothing in it shares code with the float32 forward and backward passes it checks.
/// </summary>
internal sealed class ReferenceLoss(ModelConfig config, ParameterLayout layout)
{
    /// <summary>Σ over rows of w_rec·(−log p(x|z)) + w_kl·KL for rows <paramref name="x"/> [rows × input] and noise
    /// <paramref name="epsilon"/> [rows × latent]. <paramref name="kinks"/> (optional) records on which side of 0 every
    /// pre-activation of a ReLU or LeakyReLU fell, so that a finite difference that crosses a kink can be told apart.</summary>
    public double Loss(double[] p, ReadOnlySpan<float> x, ReadOnlySpan<float> epsilon, double reconstructionWeight, double klWeight, List<bool>? kinks = null)
    {
        int input = config.InputSize, latent = config.Latent, rows = x.Length / input;
        double total = 0;
        for (int b = 0; b < rows; b++)
        {
            var row = x.Slice(b * input, input);
            double[] h = new double[input];
            for (int j = 0; j < input; j++) h[j] = row[j];
            for (int i = 0; i < config.Hidden.Count; i++) h = Activate(Affine(p, $"encoder.{2 * i}", h), kinks);
            double[] z;
            double kl = 0;
            if (config.Kind == ModelKind.Variational)
            {
                double[] mu = Affine(p, "encoder_mu", h), logVar = Affine(p, "encoder_logvar", h);
                z = new double[latent];
                for (int j = 0; j < latent; j++)
                {
                    z[j] = mu[j] + Math.Exp(0.5 * logVar[j]) * epsilon[b * latent + j];
                    kl += -0.5 * (1 + logVar[j] - mu[j] * mu[j] - Math.Exp(logVar[j]));
                }
            }
            else z = Affine(p, "encoder_code", h);

            double[] d = z;
            int hidden = config.Hidden.Count;
            for (int i = 0; i < hidden; i++) d = Activate(Affine(p, $"decoder.{2 * i}", d), kinks);
            double[] logits = Affine(p, $"decoder.{2 * hidden}", d);
            double reconstruction = 0;
            reconstruction += Reconstruction(p, logits, row, kinks);
            total += reconstructionWeight * reconstruction + klWeight * kl;
        }
        return total;
    }

    /// <summary>
    /// Burda et al.'s bound, −Σ_rows log (1/k) Σᵢ wᵢ with log wᵢ = log p(x|zᵢ) + log N(zᵢ; 0, I) − log N(zᵢ; μ, σ²), for
    /// <paramref name="x"/> holding k copies of each row back to back and one noise row per copy (zᵢ = μ + σ ⊙ εᵢ).
    /// Log-sum-exp in double.
    /// </summary>
    public double IwaeLoss(double[] p, ReadOnlySpan<float> x, ReadOnlySpan<float> epsilon, int k, List<bool>? kinks = null)
    {
        int input = config.InputSize, latent = config.Latent, rows = x.Length / input;
        double total = 0;
        var logW = new double[k];
        for (int g = 0; g < rows; g += k)
        {
            for (int c = 0; c < k; c++)
            {
                int b = g + c;
                var row = x.Slice(b * input, input);
                double[] h = new double[input];
                for (int j = 0; j < input; j++) h[j] = row[j];
                for (int i = 0; i < config.Hidden.Count; i++) h = Activate(Affine(p, $"encoder.{2 * i}", h), kinks);
                double[] mu = Affine(p, "encoder_mu", h), logVar = Affine(p, "encoder_logvar", h);
                double[] z = new double[latent];
                double logPrior = 0, logPosterior = 0;
                for (int j = 0; j < latent; j++)
                {
                    double e = epsilon[b * latent + j];
                    z[j] = mu[j] + Math.Exp(0.5 * logVar[j]) * e;
                    logPrior += -0.5 * z[j] * z[j];
                    logPosterior += -0.5 * e * e - 0.5 * logVar[j];   // log N(z; μ, σ²) with (z − μ)/σ = ε
                }
                double[] d = z;
                int hidden = config.Hidden.Count;
                for (int i = 0; i < hidden; i++) d = Activate(Affine(p, $"decoder.{2 * i}", d), kinks);
                double[] logits = Affine(p, $"decoder.{2 * hidden}", d);
                double reconstruction = 0;
                reconstruction += Reconstruction(p, logits, row, kinks);
                logW[c] = -reconstruction + logPrior - logPosterior;
            }
            double max = logW.Max();
            total -= max + Math.Log(logW.Sum(v => Math.Exp(v - max))) - Math.Log(k);
        }
        return total;
    }

    /// <summary>−log p(x|z) of a row from its logits; the learned-variance Gaussian reads <c>decoder_logvar</c> and records on
    /// which side of the variance floor each feature lies (a kink, like a ReLU's).</summary>
    private double Reconstruction(double[] p, double[] logits, ReadOnlySpan<float> row, List<bool>? kinks)
    {
        double sum = 0;
        if (config.Likelihood != Likelihood.GaussianLearnedVariance)
        {
            for (int j = 0; j < logits.Length; j++) sum += PixelLoss(config.Likelihood, logits[j], row[j]);
            return sum;
        }
        var logVariance = layout.Find("decoder_logvar") ?? throw new InvalidOperationException("no tensor decoder_logvar");
        for (int j = 0; j < logits.Length; j++)
        {
            double v = p[logVariance.Offset + j];
            kinks?.Add(v >= Kernels.ReconstructionLosses.MinLogVariance);
            sum += GaussianPixelLoss(logits[j], row[j], v);
        }
        return sum;
    }

    /// <summary>−log N(x; m, e^v) with v floored at <see cref="Kernels.ReconstructionLosses.MinLogVariance"/>, constant included.</summary>
    public static double GaussianPixelLoss(double mean, double target, double logVariance)
    {
        double v = Math.Max(logVariance, Kernels.ReconstructionLosses.MinLogVariance);
        return 0.5 * (Math.Log(2 * Math.PI) + v + (target - mean) * (target - mean) * Math.Exp(-v));
    }

    /// <summary>−log p(x|z) of one pixel from its logit: BCE with logits (Bernoulli) or (sigmoid(logit) − x)² (Gaussian).</summary>
    public static double PixelLoss(Likelihood likelihood, double logit, double target)
    {
        if (likelihood == Likelihood.Bernoulli)
            return Math.Max(logit, 0) - logit * target + Math.Log(1 + Math.Exp(-Math.Abs(logit)));
        double p = 1 / (1 + Math.Exp(-logit));
        return (p - target) * (p - target);
    }

    /// <summary>The activation in double.</summary>
    public static double Activation(ActivationKind kind, double x) => kind switch
    {
        ActivationKind.ReLU => Math.Max(x, 0),
        ActivationKind.LeakyReLU => x > 0 ? x : 0.01 * x,
        ActivationKind.Tanh => Math.Tanh(x),
        ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-x)),
        ActivationKind.Identity => x,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown activation"),
    };

    private double[] Affine(double[] p, string name, double[] input)
    {
        var weight = layout.Find(name + ".weight") ?? throw new InvalidOperationException($"no tensor {name}.weight");
        var bias = layout.Find(name + ".bias") ?? throw new InvalidOperationException($"no tensor {name}.bias");
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

    private double[] Activate(double[] a, List<bool>? kinks)
    {
        if (kinks is not null && config.Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU)
            foreach (double v in a) kinks.Add(v > 0);
        var y = new double[a.Length];
        for (int i = 0; i < a.Length; i++) y[i] = Activation(config.Activation, a[i]);
        return y;
    }
}
