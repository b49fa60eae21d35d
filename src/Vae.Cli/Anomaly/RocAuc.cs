namespace Vae.Cli.Anomaly;

/// <summary>The area under the ROC curve of a score that should be higher for anomalies: the probability that a random
/// anomalous row outscores a random normal one (ties count half), from ranks (Mann–Whitney U), in O(n log n).</summary>
internal static class RocAuc
{
    public static double Compute(IReadOnlyList<double> normal, IReadOnlyList<double> anomalous)
    {
        if (normal.Count == 0 || anomalous.Count == 0) throw new CliError("ROC AUC: needs both normal and anomalous rows");
        var all = normal.Select(v => (Value: v, Anomaly: false)).Concat(anomalous.Select(v => (Value: v, Anomaly: true))).OrderBy(p => p.Value).ToArray();
        if (all.Any(p => double.IsNaN(p.Value))) throw new CliError("ROC AUC: a score is NaN");
        double rankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j].Value == all[i].Value) j++;
            double averageRank = (i + 1 + j) / 2.0;   // ranks i+1 … j share their mean
            for (int t = i; t < j; t++) if (all[t].Anomaly) rankSum += averageRank;
            i = j;
        }
        double u = rankSum - anomalous.Count * (anomalous.Count + 1) / 2.0;
        return u / ((double)anomalous.Count * normal.Count);
    }
}
