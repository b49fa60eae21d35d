namespace Vae.Simd.Evaluation;

/// <summary>Small measures the evaluations share, summed in double.</summary>
internal static class Measures
{
    /// <summary>−Σ p log p of a probability vector, in nats (terms with p = 0 contribute 0).</summary>
    public static double Entropy(ReadOnlySpan<float> probabilities)
    {
        double entropy = 0;
        foreach (float p in probabilities) if (p > 0) entropy -= p * Math.Log(p);
        return entropy;
    }

    /// <summary>Σ (a − b)², in double.</summary>
    public static double SquaredError(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"b has length {b.Length} but a has {a.Length}", nameof(b));
        double sum = 0;
        for (int j = 0; j < a.Length; j++) sum += (double)(a[j] - b[j]) * (a[j] - b[j]);
        return sum;
    }
}
