using Vae.Simd.Common;
using Vae.Simd.Models;

namespace Vae.Simd.Evaluation;

/// <summary>
/// Compares a model's analytic gradient with central finite differences of <see cref="ReferenceLoss"/>, an independent
/// double-precision evaluation of the same loss, tensor by tensor (see <see cref="GradientCheckOptions"/> for the step and
/// the tolerances, and why they are what they are).
/// </summary>
internal static class GradientChecker
{
    /// <summary>The ELBO-style loss Σ w_rec·rec + w_kl·KL.</summary>
    public static GradientCheckReport Check(LatentNetwork network, ReadOnlySpan<float> x, ReadOnlySpan<float> epsilon, LossScale weights,
        ReadOnlySpan<float> analytic, GradientCheckOptions options)
    {
        var reference = new ReferenceLoss(network.Config, network.Layout);
        float[] rows = x.ToArray(), noise = epsilon.ToArray();
        return Check(network, (p, kinks) => reference.Loss(p, rows, noise, weights.Reconstruction, weights.Kl, kinks), analytic, options);
    }

    /// <summary>Any loss of the parameters that <paramref name="reference"/> evaluates in double (recording the kinks it passes).</summary>
    public static GradientCheckReport Check(LatentNetwork network, Func<double[], List<bool>, double> reference, ReadOnlySpan<float> analytic, GradientCheckOptions options)
    {
        options.Validate();
        double[] p = Array.ConvertAll(network.Parameters, v => (double)v);
        float[] gradient = analytic.ToArray();
        var baseKinks = new List<bool>();
        reference(p, baseKinks);

        var random = new SeededRandom(options.Seed);
        var numeric = new List<(int Tensor, int Index, double Value)>();
        var skipped = new int[network.Layout.Tensors.Count];
        for (int t = 0; t < network.Layout.Tensors.Count; t++)
        {
            var tensor = network.Layout.Tensors[t];
            int[] entries = Enumerable.Range(0, tensor.Length).ToArray();
            if (options.EntriesPerTensor > 0 && entries.Length > options.EntriesPerTensor)
            {
                random.Shuffle(entries);
                entries = entries[..options.EntriesPerTensor];
                Array.Sort(entries);
            }
            foreach (int e in entries)
            {
                int i = tensor.Offset + e;
                double saved = p[i];
                List<bool> plusKinks = [], minusKinks = [];
                p[i] = saved + options.Step;
                double plus = reference(p, plusKinks);
                p[i] = saved - options.Step;
                double minus = reference(p, minusKinks);
                p[i] = saved;
                if (!plusKinks.SequenceEqual(baseKinks) || !minusKinks.SequenceEqual(baseKinks)) { skipped[t]++; continue; }
                numeric.Add((t, i, (plus - minus) / (2 * options.Step)));
            }
        }

        double scale = 1 + numeric.Select(n => Math.Abs(n.Value)).DefaultIfEmpty(0).Max();
        double floor = options.AbsoluteTolerance * scale;
        var report = new List<TensorGradientCheck>();
        for (int t = 0; t < network.Layout.Tensors.Count; t++)
        {
            var tensor = network.Layout.Tensors[t];
            var mine = numeric.Where(n => n.Tensor == t).ToList();
            int failed = 0;
            double maxScaled = 0, worstRatio = -1;
            string worst = "–";
            var relative = new List<double>();
            foreach (var (_, i, n) in mine)
            {
                double a = gradient[i], error = Math.Abs(a - n), allowed = options.RelativeTolerance * Math.Abs(n) + floor;
                if (!(error <= allowed)) failed++;
                maxScaled = Math.Max(maxScaled, double.IsNaN(error) ? double.PositiveInfinity : error / scale);
                if (Math.Abs(n) > floor) relative.Add(error / Math.Abs(n));
                double ratio = double.IsNaN(error) ? double.PositiveInfinity : error / Math.Max(allowed, double.Epsilon);
                if (ratio > worstRatio) (worstRatio, worst) = (ratio, $"{i - tensor.Offset}: analytic {a:G6}, numeric {n:G6}");
            }
            relative.Sort();
            report.Add(new TensorGradientCheck(tensor.Name, tensor.Length, mine.Count, skipped[t], failed,
                relative.Count == 0 ? 0 : relative[^1], relative.Count == 0 ? 0 : relative[relative.Count / 2], maxScaled, worst));
        }
        return new GradientCheckReport { Tensors = report, Scale = scale, Options = options };
    }
}
