using System.Globalization;
using ScottPlot;

namespace Vae.Cli;

/// <summary>
/// The charts of the latent-space figures, drawn with ScottPlot. Image grids (samples, traversals) are plain
/// PNGs from <see cref="ImageGrid"/>; these are the plots with axes. Each is written through a temporary file,
/// so a failure never leaves half a PNG behind.
/// </summary>
internal static class Plots
{
    private const int PanelWidth = 220, PanelHeight = 180;

    /// <summary>One panel per latent dimension: the test codes as a probability density, with the N(0, 1) density over it,
    /// so a glance shows which dimensions are off-centre, too wide, too narrow or skewed. <paramref name="title"/> (short: the model name) heads the first panel.</summary>
    public static void LatentHistograms(string path, float[] codes, int count, int latent, string title)
    {
        int columns = Math.Min(latent, 5), rows = (latent + columns - 1) / columns;
        var multiplot = new Multiplot();
        multiplot.AddPlots(latent);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        var gaussianX = Enumerable.Range(0, 161).Select(i => -8 + i * 0.1).ToArray();
        for (int d = 0; d < latent; d++)
        {
            var values = new double[count];
            for (int i = 0; i < count; i++) values[i] = codes[(long)i * latent + d];
            Array.Sort(values);
            double low = Math.Min(-4, Quantile(values, 0.005)), high = Math.Max(4, Quantile(values, 0.995));
            const int bins = 40;
            double width = (high - low) / bins;
            var density = new double[bins];
            foreach (double v in values)
            {
                int b = (int)((v - low) / width);
                if (b >= 0 && b < bins) density[b] += 1.0 / (count * width);
            }
            var plot = multiplot.GetPlot(d);
            var bars = plot.Add.Bars(Enumerable.Range(0, bins).Select(b => low + (b + 0.5) * width).ToArray(), density);
            foreach (var bar in bars.Bars)
            {
                bar.Size = width;
                bar.LineWidth = 0;
                bar.FillColor = Colors.SteelBlue.WithAlpha(0.8);
            }
            var normal = plot.Add.ScatterLine(gaussianX, gaussianX.Select(x => Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI)).ToArray());
            normal.Color = Colors.OrangeRed;
            normal.LineWidth = 1.5f;
            plot.Axes.SetLimitsX(low, high);
            plot.Axes.SetLimitsY(0, Math.Max(0.45, density.Max() * 1.05));
            plot.Title(d == 0 && title.Length > 0 ? $"{title}: z{d}" : $"z{d}", size: 11);
            plot.Axes.Left.TickLabelStyle.FontSize = 9;
            plot.Axes.Bottom.TickLabelStyle.FontSize = 9;
        }
        Save(path, file => multiplot.SavePng(file, columns * PanelWidth, rows * PanelHeight));
    }

    /// <summary>The rows of each label, in increasing label order, or every row in one unnamed group when the data has no labels
    /// (an unlabelled table or array): any number of classes, not only digits.</summary>
    private static List<(string? Name, int Colour, int[] Rows)> Classes(int count, ReadOnlySpan<int> labels)
    {
        if (labels.IsEmpty) return [(null, 0, Enumerable.Range(0, count).ToArray())];
        var byLabel = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < count; i++)
        {
            if (!byLabel.TryGetValue(labels[i], out var rows)) byLabel[labels[i]] = rows = [];
            rows.Add(i);
        }
        // The label is the colour's index, so that a digit keeps its colour in every plot, whichever digits a subset holds.
        return byLabel.Select(c => ((string?)c.Key.ToString(CultureInfo.InvariantCulture), Math.Max(0, c.Key), c.Value.ToArray())).ToList();
    }

    /// <summary>The 2-D codes of the test set coloured by class: where each class lives, and where nothing does.</summary>
    public static void LatentScatter(string path, float[] codes, int count, ReadOnlySpan<int> labels, string title)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var (name, colour, rows) in Classes(count, labels))
        {
            var points = plot.Add.ScatterPoints(rows.Select(i => (double)codes[2 * i]).ToArray(), rows.Select(i => (double)codes[2 * i + 1]).ToArray());
            points.Color = palette.GetColor(colour).WithAlpha(0.6);
            points.MarkerSize = 3;
            if (name is not null) points.LegendText = name;
        }
        plot.Title(title, size: 13);
        plot.XLabel("z0");
        plot.YLabel("z1");
        plot.ShowLegend(Edge.Right);
        Save(path, file => plot.SavePng(file, 640, 540));
    }

    /// <summary>Several 2-D code sets side by side on one shared scale (the 0.5–99.5 % range of all of them), coloured by digit.</summary>
    public static void LatentScatterPanels(string path, IReadOnlyList<(string Title, float[] Codes)> panels, ReadOnlySpan<int> labels, string axisNote)
    {
        var all = panels.SelectMany(p => p.Codes.Select(v => (double)v)).Order().ToArray();
        double low = Quantile(all, 0.005), high = Quantile(all, 0.995), pad = 0.05 * (high - low);
        (low, high) = (low - pad, high + pad);
        var multiplot = new Multiplot();
        multiplot.AddPlots(panels.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        var palette = new ScottPlot.Palettes.Category10();
        for (int p = 0; p < panels.Count; p++)
        {
            var plot = multiplot.GetPlot(p);
            var codes = panels[p].Codes;
            int count = codes.Length / 2;
            foreach (var (name, colour, rows) in Classes(count, labels))
            {
                var points = plot.Add.ScatterPoints(rows.Select(i => (double)codes[2 * i]).ToArray(), rows.Select(i => (double)codes[2 * i + 1]).ToArray());
                points.Color = palette.GetColor(colour).WithAlpha(0.5);
                points.MarkerSize = 2;
                if (p == panels.Count - 1 && name is not null) points.LegendText = name;
            }
            plot.Axes.SetLimits(low, high, low, high);
            plot.Title(panels[p].Title, size: 13);
            plot.XLabel("z0");
            plot.YLabel(p == 0 ? $"z1 ({axisNote})" : "z1");
            if (p == panels.Count - 1) plot.ShowLegend(Edge.Right);
        }
        Save(path, file => multiplot.SavePng(file, 480 * panels.Count, 440));
    }

    /// <summary>A line chart with a legend (training curves and the like).</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IReadOnlyList<(string Name, double[] X, double[] Y)> series)
    {
        var plot = new Plot();
        foreach (var (name, x, y) in series)
        {
            var line = plot.Add.Scatter(x, y);
            line.LegendText = name;
        }
        plot.Title(title, size: 13);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend();
        Save(path, file => plot.SavePng(file, 640, 420));
    }

    /// <summary>One panel per anomaly score: the normal and the anomalous rows' scores as two overlaid densities on a signed log
    /// scale, sign(s)·log10(1 + |s|) (anomaly scores are heavy-tailed, and −log p(x) may be negative), titled with the ROC AUC.</summary>
    public static void ScoreHistograms(string path, IReadOnlyList<Anomaly.AnomalyExperiment.Method> methods)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(methods.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(1, methods.Count);
        for (int p = 0; p < methods.Count; p++)
        {
            var m = methods[p];
            static double SignedLog(double v) => Math.Sign(v) * Math.Log10(1 + Math.Abs(v));
            var sorted = m.Scores.Select(SignedLog).Order().ToArray();
            double low = sorted[0], high = sorted[^1];
            if (!(high > low)) high = low + 1;
            const int bins = 30;
            double width = (high - low) / bins;
            var plot = multiplot.GetPlot(p);
            foreach (var (values, colour, name) in new[] { (m.Normal, Colors.SteelBlue, "normal"), (m.Anomalous, Colors.OrangeRed, "anomalous") })
            {
                var density = new double[bins];
                foreach (double v in values) density[Math.Clamp((int)((SignedLog(v) - low) / width), 0, bins - 1)] += 1.0 / (values.Length * width);
                var bars = plot.Add.Bars(Enumerable.Range(0, bins).Select(b => low + (b + 0.5) * width).ToArray(), density);
                bars.LegendText = $"{name} ({values.Length})";
                foreach (var bar in bars.Bars)
                {
                    bar.Size = width;
                    bar.LineWidth = 0;
                    bar.FillColor = colour.WithAlpha(0.55);
                }
            }
            plot.Title(string.Create(CultureInfo.InvariantCulture, $"{(m.Name.Length > 48 ? m.Name[..m.Name.IndexOf(" (", StringComparison.Ordinal)] : m.Name)}: AUC {m.Auc:F3}"), size: 12);
            plot.XLabel("sign(s)·log10(1 + |s|) of the score s (higher = more anomalous)", size: 12);
            plot.Axes.Left.TickLabelStyle.FontSize = 9;
            plot.Axes.Bottom.TickLabelStyle.FontSize = 9;
            plot.ShowLegend(Alignment.UpperRight);
        }
        Save(path, file => multiplot.SavePng(file, 480 * methods.Count, 360));
    }

    private static double Quantile(double[] sorted, double q) => sorted[Math.Clamp((int)(q * (sorted.Length - 1)), 0, sorted.Length - 1)];

    private static void Save(string path, Action<string> render)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp.png");
        try
        {
            render(temporary);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
