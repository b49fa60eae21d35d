using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using nietras.SeparatedValues;
using Vae.Simd;

namespace Vae.Cli.Data;

/// <summary>How a CSV file becomes rows of features.</summary>
/// <param name="LabelColumn">Header name of the column that holds each row's class, or null for none.</param>
/// <param name="Columns">Header names of the feature columns, in the order wanted; null takes every column but the label.
/// Columns not named are not read at all, so they may hold text (ids, notes).</param>
/// <param name="ImputeMean">Fill empty feature cells with the mean of their column's other cells (never labels).</param>
/// <param name="MaxRows">Stop after this many rows of data when positive.</param>
/// <param name="LabelOptional">A file without the label column is read without labels (new rows to score often have none).</param>
internal sealed record CsvOptions(string? LabelColumn = null, IReadOnlyList<string>? Columns = null, bool ImputeMean = false, int MaxRows = 0, bool LabelOptional = false);

/// <summary>
/// Reads a CSV file with a header line into a <see cref="LoadedTable"/>. The file is streamed (Sep), so memory follows the
/// rows kept rather than the file. Every problem is a one-line <see cref="DataFormatException"/> that names the file, the line
/// (the header is line 1) and the column, because a user with a 100,000-line file needs to know where to look.
/// Blank lines are skipped, as spreadsheets and pandas do; a line of empty fields (",,") is not blank.
/// </summary>
internal static class CsvTable
{
    /// <summary>How much of the start of a file is checked for NUL bytes before parsing: enough to catch binaries at once.</summary>
    private const int SniffBytes = 64 * 1024;

    public static LoadedTable Load(string path, CsvOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxRows < 0) throw new ArgumentOutOfRangeException(nameof(options), options.MaxRows, "0 keeps every row; a limit must be positive");
        if (Directory.Exists(path)) throw Error(path, "is a directory; give a CSV file");
        if (!File.Exists(path)) throw Error(path, "file not found");
        // Opening a named pipe blocks until something writes to it: refuse what is not a regular file first, as the
        // library's IDX and .npy readers do (a pipe, like an empty file, has length 0).
        if (new FileInfo(path).Length == 0)
            throw Error(path, "the file is empty, or not a regular file (a device or a pipe); a CSV needs a header line naming the columns, then rows of data");
        int lastLine = 1;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            RequireText(path, stream);
            using var text = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
            // The header is read as a plain row: Sep refuses duplicate names with an exception of its own, and this reader's
            // messages must say which line and columns. Field counts are checked here for the same reason.
            using var reader = Sep.Reader(o => o with
            {
                HasHeader = false,
                DisableColCountCheck = true,
                Unescape = true,
                Trim = SepTrim.Outer,
            }).From(text);
            return Read(path, reader, options, ref lastLine);
        }
        // Sep's own refusals: a row longer than its buffer (usually an unclosed quote) or undecodable text.
        catch (Exception e) when (e is NotSupportedException or InvalidDataException)
        {
            throw Error(path, $"the row after line {lastLine}: {OneLine(e.Message)}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(path, $"cannot be read: {OneLine(e.Message)}", e);
        }
    }

    private static LoadedTable Read(string path, SepReader reader, CsvOptions options, ref int lastLine)
    {
        if (!reader.MoveNext()) throw Error(path, "the file is empty; a CSV needs a header line naming the columns, then rows of data");
        string[] names = Header(path, reader.Current);
        int label = options.LabelColumn is null ? -1 : Array.IndexOf(names, options.LabelColumn);
        if (options.LabelColumn is not null && label < 0 && !options.LabelOptional)
            throw Error(path, $"line 1 (the header) has no label column '{Shown(options.LabelColumn)}'; the header names {List(names)}");
        int[] features = FeatureColumns(path, names, label, options.Columns);

        var values = new List<float>();
        var sums = new double[features.Length];
        var counts = new int[features.Length];
        bool anyEmpty = false;
        var classIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var classes = classIds.GetAlternateLookup<ReadOnlySpan<char>>();
        var labels = new List<int>();
        int rows = 0;
        while ((options.MaxRows == 0 || rows < options.MaxRows) && reader.MoveNext())
        {
            var row = reader.Current;
            int line = lastLine = row.LineNumberFrom;
            var span = row.Span;
            if (span.Contains('\0')) throw Error(path, $"line {line} has a NUL character; this does not look like a text file");
            if (span.IsWhiteSpace()) continue;
            if (row.ColCount != names.Length) throw Error(path, $"line {line} has {row.ColCount} fields but the header has {names.Length}");
            for (int j = 0; j < features.Length; j++)
            {
                int c = features[j];
                var cell = row[c].Span.Trim();
                // With imputation, the usual missing-value markers count as empty cells too (pandas' NA, NaN; UCI's ?).
                if (cell.IsEmpty || (options.ImputeMean && IsMissingMarker(cell)))
                {
                    if (!options.ImputeMean)
                        throw Error(path, $"line {line}, {Column(names, c)} is empty; pass --impute mean to fill empty cells with the column's mean");
                    values.Add(float.NaN); // a placeholder: parsed NaNs are refused below, so NaN means "empty" until imputed
                    anyEmpty = true;
                    continue;
                }
                float value = Number(path, line, names, c, cell);
                values.Add(value);
                sums[j] += value;
                counts[j]++;
            }
            if (label >= 0)
            {
                var cell = row[label].Span.Trim();
                if (cell.IsEmpty)
                    throw Error(path, $"line {line}, {Column(names, label)} is empty; every row needs a label (labels are never imputed)");
                if (!classes.TryGetValue(cell, out int id))
                {
                    id = classIds.Count;
                    classes[cell] = id;
                }
                labels.Add(id);
            }
            rows++;
        }
        if (rows == 0) throw Error(path, "has a header line but no rows of data");

        var data = values.ToArray();
        if (anyEmpty) Impute(path, data, features, names, sums, counts);
        var (labelValues, classNames) = label >= 0 ? Classes(classIds, labels) : (null, null);
        var featureNames = Array.ConvertAll(features, c => names[c]);
        return new LoadedTable(data, rows, features.Length, labelValues, featureNames, classNames, 0, 0, 0, path);
    }

    /// <summary>The header's names, trimmed; each must be non-empty and unique, since columns are picked by name.</summary>
    private static string[] Header(string path, SepReader.Row row)
    {
        var span = row.Span;
        if (span.Contains('\0')) throw Error(path, "line 1 has a NUL character; this does not look like a text file");
        if (span.IsWhiteSpace()) throw Error(path, "line 1 is blank; the first line must be a header naming the columns");
        var names = new string[row.ColCount];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < names.Length; c++)
        {
            names[c] = row[c].Span.Trim().ToString();
            if (names[c].Length == 0) throw Error(path, $"line 1 (the header), column {c + 1} has no name; every column needs one");
            if (!seen.TryAdd(names[c], c))
                throw Error(path, $"line 1 (the header), columns {seen[names[c]] + 1} and {c + 1} are both named '{Shown(names[c])}'; column names must be unique");
        }
        return names;
    }

    private static int[] FeatureColumns(string path, string[] names, int label, IReadOnlyList<string>? picked)
    {
        if (picked is null)
        {
            var all = Enumerable.Range(0, names.Length).Where(c => c != label).ToArray();
            if (all.Length == 0) throw Error(path, $"has no feature columns: its only column, '{Shown(names[label])}', is the label");
            return all;
        }
        if (picked.Count == 0) throw Error(path, "no feature columns were picked; name at least one");
        var columns = new int[picked.Count];
        for (int j = 0; j < columns.Length; j++)
        {
            columns[j] = Array.IndexOf(names, picked[j]);
            if (columns[j] < 0) throw Error(path, $"line 1 (the header) has no column '{Shown(picked[j])}'; the header names {List(names)}");
            if (columns[j] == label) throw Error(path, $"{Column(names, label)} is the label column; it cannot also be a feature");
            if (Array.IndexOf(columns, columns[j], 0, j) >= 0) throw Error(path, $"{Column(names, columns[j])} is picked twice");
        }
        return columns;
    }

    /// <summary>Text that marks a missing value: NA, N/A, NaN, null, None, "?" (any case).</summary>
    private static bool IsMissingMarker(ReadOnlySpan<char> cell)
    {
        foreach (var marker in (ReadOnlySpan<string>)["NA", "N/A", "NaN", "null", "None", "?"])
            if (cell.Equals(marker, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static float Number(string path, int line, string[] names, int column, ReadOnlySpan<char> cell)
    {
        if (float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
        {
            if (float.IsFinite(value)) return value;
            throw Error(path, $"line {line}, {Column(names, column)}: '{Shown(cell)}' is not finite; every value must be a finite number"
                + (IsMissingMarker(cell) ? " (pass --impute mean to treat it as a missing value)" : ""));
        }
        // .NET reads "NaN" and "Infinity" but not "inf" or "∞": they are refused as not finite too, not as "not a number".
        var bare = cell.TrimStart("+-");
        if (bare.Equals("inf", StringComparison.OrdinalIgnoreCase) || bare.Equals("infinity", StringComparison.OrdinalIgnoreCase)
            || bare.Equals("nan", StringComparison.OrdinalIgnoreCase) || bare.SequenceEqual("∞"))
            throw Error(path, $"line {line}, {Column(names, column)}: '{Shown(cell)}' is not finite; every value must be a finite number"
                + (IsMissingMarker(cell) ? " (pass --impute mean to treat it as a missing value)" : ""));
        throw Error(path, $"line {line}, {Column(names, column)}: '{Shown(cell)}' is not a number"
            + (IsMissingMarker(cell) ? "; pass --impute mean to treat it as a missing value" : ""));
    }

    /// <summary>Replaces the empty-cell placeholders with their column's mean, summed in double so the mean is the one a
    /// user checks by hand.</summary>
    private static void Impute(string path, float[] data, int[] features, string[] names, double[] sums, int[] counts)
    {
        int width = features.Length;
        var means = new float[width];
        for (int j = 0; j < width; j++) means[j] = counts[j] == 0 ? float.NaN : (float)(sums[j] / counts[j]);
        for (int i = 0; i < data.Length; i++)
        {
            if (!float.IsNaN(data[i])) continue;
            int j = i % width;
            if (counts[j] == 0) throw Error(path, $"{Column(names, features[j])} has no values at all; there is no mean to fill its empty cells with");
            data[i] = means[j];
        }
    }

    /// <summary>Labels that are all whole numbers ≥ 0 are used as they are; any other text makes classes of the distinct
    /// texts in ordinal order, so the same file always gives the same numbering.</summary>
    private static (int[] Labels, string[]? Names) Classes(Dictionary<string, int> classIds, List<int> ids)
    {
        var texts = new string[classIds.Count];
        foreach (var (text, id) in classIds) texts[id] = text;
        var numbers = new int[texts.Length];
        bool numeric = true;
        for (int i = 0; i < texts.Length && numeric; i++)
            numeric = int.TryParse(texts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]);
        var idSpan = CollectionsMarshal.AsSpan(ids);
        var labels = new int[idSpan.Length];
        if (numeric)
        {
            for (int i = 0; i < labels.Length; i++) labels[i] = numbers[idSpan[i]];
            return (labels, null);
        }
        var sorted = (string[])texts.Clone();
        Array.Sort(sorted, StringComparer.Ordinal);
        var rank = new int[texts.Length];
        for (int id = 0; id < texts.Length; id++) rank[id] = Array.BinarySearch(sorted, texts[id], StringComparer.Ordinal);
        for (int i = 0; i < labels.Length; i++) labels[i] = rank[idSpan[i]];
        return (labels, sorted);
    }

    /// <summary>Refuses a binary file before a parser turns it into nonsense: text has no NUL bytes (unless it is UTF-16 or
    /// UTF-32, which say so with a byte order mark).</summary>
    private static void RequireText(string path, FileStream stream)
    {
        var start = new byte[(int)Math.Min(SniffBytes, stream.Length)];
        stream.ReadExactly(start);
        stream.Position = 0;
        bool wide = start is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..] or [0x00, 0x00, 0xFE, 0xFF];
        int nul = Array.IndexOf(start, (byte)0);
        if (!wide && nul >= 0) throw Error(path, $"is not a text file (byte {nul} is NUL); give a CSV file");
    }

    private static DataFormatException Error(string path, string what, Exception? inner = null) => new($"{path}: {what}", inner);

    private static string Column(string[] names, int column) => $"column '{Shown(names[column])}' ({column + 1})";

    /// <summary>The header names for a message, cut short when there are many so that the message stays one readable line.</summary>
    private static string List(string[] names)
    {
        const int most = 20;
        var shown = string.Join(", ", names.Take(most).Select(n => $"'{Shown(n)}'"));
        return names.Length <= most ? shown : $"{shown}, … ({names.Length} in all)";
    }

    /// <summary>File text as it goes into a one-line message: control characters escaped, long text cut.</summary>
    private static string Shown(ReadOnlySpan<char> text)
    {
        const int most = 40;
        var builder = new StringBuilder();
        foreach (char ch in text.Length > most ? text[..most] : text)
        {
            if (char.IsControl(ch)) builder.Append(ch switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => $"\\u{(int)ch:X4}" });
            else builder.Append(ch);
        }
        if (text.Length > most) builder.Append('…');
        return builder.ToString();
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
