using Vae.Simd.Tensors;

namespace Vae.Simd.Evaluation;

/// <summary>
/// "Holes": how often a draw from the prior N(0, I) lands where no data point's code is. For each prior draw,
/// the distance to the nearest test code; a draw is in a hole when that distance exceeds the given quantile of
/// the codes' own nearest-neighbour distances (how far a typical code is from its neighbour).
/// </summary>
internal static class LatentCoverage
{
    /// <summary>The fraction of rows of <paramref name="priorDraws"/> whose nearest row of <paramref name="codes"/> is
    /// farther than the <paramref name="quantile"/> quantile of nearest-neighbour distances among the codes themselves
    /// (measured for the first <paramref name="referenceRows"/> codes against all others).</summary>
    public static double HoleFraction(ReadOnlyMatrixSpan codes, ReadOnlyMatrixSpan priorDraws, double quantile = 0.99, int referenceRows = 1000)
    {
        if (codes.Rows < 2) throw new ArgumentException($"at least 2 codes are needed; got {codes.Rows}", nameof(codes));
        if (priorDraws.Columns != codes.Columns)
            throw new ArgumentException($"the draws have {priorDraws.Columns} dimensions but the codes {codes.Columns}", nameof(priorDraws));
        if (!(quantile > 0 && quantile < 1)) throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "must be in (0, 1)");
        Guard.Finite(codes, nameof(codes));
        Guard.Finite(priorDraws, nameof(priorDraws));
        int reference = Math.Min(referenceRows, codes.Rows);
        var own = new double[reference];
        for (int i = 0; i < reference; i++) own[i] = Nearest(codes, codes[i], skip: i);
        Array.Sort(own);
        double threshold = own[Math.Min(reference - 1, (int)Math.Ceiling(quantile * reference) - 1)];
        int holes = 0;
        for (int i = 0; i < priorDraws.Rows; i++)
            if (Nearest(codes, priorDraws[i], skip: -1) > threshold) holes++;
        return priorDraws.Rows == 0 ? 0 : (double)holes / priorDraws.Rows;
    }

    private static double Nearest(ReadOnlyMatrixSpan codes, ReadOnlySpan<float> point, int skip)
    {
        double best = double.PositiveInfinity;
        for (int r = 0; r < codes.Rows; r++)
        {
            if (r == skip) continue;
            var row = codes[r];
            double d = 0;
            for (int j = 0; j < row.Length && d < best; j++) d += (double)(row[j] - point[j]) * (row[j] - point[j]);
            if (d < best) best = d;
        }
        return Math.Sqrt(best);
    }
}
