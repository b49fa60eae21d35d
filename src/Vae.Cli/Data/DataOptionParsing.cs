using System.CommandLine;

namespace Vae.Cli.Data;

/// <summary>The options that say how to read a CSV file or an image folder, shared by every command that reads <c>--data</c>.</summary>
internal sealed class DataOptionParsing
{
    private readonly Option<string?> _labelColumn = new("--label-column") { Description = "CSV: the column holding each row's label (integers, or text classes); not a feature" };
    private readonly Option<string?> _columns = new("--columns") { Description = "CSV: the feature columns to use, comma-separated, in order (default: every column but the label)" };
    private readonly Option<string> _impute = new("--impute") { Description = "CSV: none (refuse empty cells) or mean (fill them with the column's mean)", DefaultValueFactory = _ => "none" };
    private readonly Option<string?> _resize = new("--resize") { Description = "Image folders: resize every image to H,W (default: all images must have one size)" };

    public static DataOptionParsing Create() => new();

    public void AddTo(Command command)
    {
        command.Options.Add(_labelColumn);
        command.Options.Add(_columns);
        command.Options.Add(_impute);
        command.Options.Add(_resize);
    }

    /// <summary>The options given on the command line over <paramref name="recorded"/> ones, one by one: giving --resize does not
    /// drop a run's recorded columns. A recorded label column that a new file lacks means that file has no labels.</summary>
    public DataOptions Merge(ParseResult parse, DataOptions recorded)
    {
        var given = Read(parse);
        bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
        return recorded with
        {
            LabelColumn = Given(_labelColumn) ? given.LabelColumn : recorded.LabelColumn,
            LabelOptional = !Given(_labelColumn),
            Columns = Given(_columns) ? given.Columns : recorded.Columns,
            ImputeMean = Given(_impute) ? given.ImputeMean : recorded.ImputeMean,
            ResizeHeight = Given(_resize) ? given.ResizeHeight : recorded.ResizeHeight,
            ResizeWidth = Given(_resize) ? given.ResizeWidth : recorded.ResizeWidth,
        };
    }

    public DataOptions Read(ParseResult parse)
    {
        bool impute = parse.GetValue(_impute)!.ToLowerInvariant() switch
        {
            "none" => false,
            "mean" => true,
            var other => throw new CliError($"--impute: '{other}' is not one of none, mean"),
        };
        string? columnsText = parse.GetValue(_columns);
        string[]? columns = null;
        if (columnsText is not null)
        {
            columns = columnsText.Split(',', StringSplitOptions.TrimEntries);
            if (columns.Any(c => c.Length == 0)) throw new CliError($"--columns: '{columnsText}' has an empty name; give comma-separated column names");
            var twice = columns.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1);
            if (twice is not null) throw new CliError($"--columns: '{twice.Key}' is named twice");
        }
        var (height, width) = Resize(parse.GetValue(_resize));
        string? label = parse.GetValue(_labelColumn);
        if (label is not null && columns is not null && columns.Contains(label))
            throw new CliError($"--columns: '{label}' is the --label-column; a label is not a feature");
        return new DataOptions(label, columns, impute, height, width);
    }

    private static (int Height, int Width) Resize(string? text)
    {
        if (text is null) return (0, 0);
        var parts = text.Split(',', 'x', 'X');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int h) || !int.TryParse(parts[1], out int w) || h <= 0 || w <= 0 || h > 4096 || w > 4096)
            throw new CliError($"--resize: '{text}' is not H,W with sizes 1 to 4096 (e.g. 28,28)");
        return (h, w);
    }
}
