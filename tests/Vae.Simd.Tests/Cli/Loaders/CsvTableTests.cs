using System.Text;
using Vae.Cli.Data;

namespace Vae.Simd.Tests.Cli.Loaders;

/// <summary>CSV files as users make them (labels as numbers or names, semicolons, quotes, gaps) and as they break them:
/// every refusal is one line naming the file, the line and the column.</summary>
public sealed class CsvTableTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));

    public CsvTableTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string content, string name = "data.csv")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    /// <summary>The refusal, checked to be one line that starts with the file's path.</summary>
    private static string Refusal(string path, CsvOptions? options = null)
    {
        var ex = Assert.Throws<DataFormatException>(() => CsvTable.Load(path, options ?? new CsvOptions()));
        Assert.StartsWith(path + ": ", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain('\r', ex.Message);
        return ex.Message;
    }

    [Fact]
    public void Integer_labels_are_used_as_they_are_and_every_other_column_is_a_feature()
    {
        string path = Write("x,label,y\n1.5,3,-2\n0,0,1e3\n.25,7,+4\n");
        var table = CsvTable.Load(path, new CsvOptions(LabelColumn: "label"));
        Assert.Equal((3, 2), (table.Rows, table.Features));
        Assert.Equal([1.5f, -2f, 0f, 1000f, 0.25f, 4f], table.Values);
        Assert.Equal([3, 0, 7], table.Labels!);
        Assert.Null(table.ClassNames);
        Assert.Equal(["x", "y"], table.FeatureNames);
        Assert.Equal((0, 0, 0), (table.ImageHeight, table.ImageWidth, table.ImageChannels));
        Assert.Equal(path, table.Source);
    }

    [Fact]
    public void Text_labels_become_classes_in_ordinal_order()
    {
        string path = Write("species,a\nsetosa,1\nVirginica,2\nversicolor,3\nsetosa,4\n");
        var table = CsvTable.Load(path, new CsvOptions(LabelColumn: "species"));
        Assert.Equal(["Virginica", "setosa", "versicolor"], table.ClassNames!);   // ordinal: capitals first
        Assert.Equal([1, 0, 2, 1], table.Labels!);
        Assert.Equal([1f, 2f, 3f, 4f], table.Values);
    }

    [Fact]
    public void Labels_that_are_not_all_whole_numbers_of_zero_or_more_are_names()
    {
        string path = Write("y,a\n-1,1\n+1,2\n1,3\n");
        var table = CsvTable.Load(path, new CsvOptions(LabelColumn: "y"));
        Assert.Equal(["+1", "-1", "1"], table.ClassNames!);
        Assert.Equal([1, 0, 2], table.Labels!);
    }

    [Fact]
    public void Without_a_label_column_every_column_is_a_feature()
    {
        var table = CsvTable.Load(Write("a,b\n1,2\n3,4\n"), new CsvOptions());
        Assert.Null(table.Labels);
        Assert.Null(table.ClassNames);
        Assert.Equal([1f, 2f, 3f, 4f], table.Values);
    }

    [Fact]
    public void Columns_pick_features_in_the_order_given_and_columns_not_picked_are_not_read()
    {
        string path = Write("id,a,b,c,label\nrow-one,1,2,3,0\nrow-two,4,5,6,1\n");
        var table = CsvTable.Load(path, new CsvOptions(LabelColumn: "label", Columns: ["c", "a"]));
        Assert.Equal(["c", "a"], table.FeatureNames);
        Assert.Equal([3f, 1f, 6f, 4f], table.Values);
        Assert.Equal([0, 1], table.Labels!);
    }

    [Theory]
    [InlineData(';')]
    [InlineData('\t')]
    [InlineData(',')]
    public void The_separator_is_found_from_the_header(char separator)
    {
        string s = separator.ToString();
        var table = CsvTable.Load(Write($"a{s}b{s}c\n1.5{s}2{s}3\n4{s}5{s}6.25\n"), new CsvOptions(LabelColumn: "b"));
        Assert.Equal([1.5f, 3f, 4f, 6.25f], table.Values);
        Assert.Equal([2, 5], table.Labels!);
    }

    [Fact]
    public void Quoted_fields_may_hold_separators_quotes_and_line_breaks_and_line_numbers_still_count_file_lines()
    {
        string path = Write("\"a\",\"the label\",b\n\"1.5\",\"x, \"\"y\"\"\",2\n 3 ,\"two\nlines\", \"4\" \n5,z,oops\n");
        var labelled = new CsvOptions(LabelColumn: "the label");
        string message = Refusal(path, labelled);
        Assert.Contains("line 5, column 'b' (3): 'oops' is not a number", message);

        File.WriteAllText(path, File.ReadAllText(path).Replace("oops", "6"));
        var table = CsvTable.Load(path, labelled);
        Assert.Equal(["a", "b"], table.FeatureNames);
        Assert.Equal([1.5f, 2f, 3f, 4f, 5f, 6f], table.Values);
        Assert.Equal(["two\nlines", "x, \"y\"", "z"], table.ClassNames!);
        Assert.Equal([1, 0, 2], table.Labels!);
    }

    [Fact]
    public void Whitespace_around_cells_windows_line_ends_and_blank_lines_are_allowed()
    {
        var table = CsvTable.Load(Write("a , b\r\n  1 ,\t2\r\n\r\n   \r\n3,4\r\n\r\n"), new CsvOptions(Columns: ["b", "a"]));
        Assert.Equal(2, table.Rows);
        Assert.Equal([2f, 1f, 4f, 3f], table.Values);
    }

    [Fact]
    public void Impute_mean_fills_empty_cells_with_the_exact_mean_of_the_column()
    {
        string path = Write("a,b,y\n1,,0\n2,10,1\n,0.1,0\n4,,1\n");
        var table = CsvTable.Load(path, new CsvOptions(LabelColumn: "y", ImputeMean: true));
        float meanA = (float)((1.0 + 2.0 + 4.0) / 3), meanB = (float)((10.0 + (double)0.1f) / 2);
        Assert.Equal([1f, meanB, 2f, 10f, meanA, 0.1f, 4f, meanB], table.Values);
        Assert.Equal([0, 1, 0, 1], table.Labels!);
    }

    [Fact]
    public void Impute_mean_never_fills_a_label()
    {
        string message = Refusal(Write("a,y\n1,0\n2,\n"), new CsvOptions(LabelColumn: "y", ImputeMean: true));
        Assert.Contains("line 3, column 'y' (2) is empty", message);
        Assert.Contains("label", message);
    }

    [Fact]
    public void Impute_mean_refuses_a_column_that_has_no_values_at_all()
    {
        string message = Refusal(Write("a,b\n1,\n2, \n"), new CsvOptions(ImputeMean: true));
        Assert.Contains("column 'b' (2) has no values", message);
    }

    [Fact]
    public void Max_rows_keeps_the_first_rows_and_reads_no_further()
    {
        string path = Write("a,y\n1,0\n2,1\n3,2\nnot a number,x\n");
        var table = CsvTable.Load(path, new CsvOptions(LabelColumn: "y", MaxRows: 3));
        Assert.Equal(3, table.Rows);
        Assert.Equal([1f, 2f, 3f], table.Values);
        Assert.Equal([0, 1, 2], table.Labels!);
        Assert.Contains("line 5", Refusal(path, new CsvOptions(LabelColumn: "y")));
    }

    [Fact]
    public void A_large_file_is_streamed_so_a_few_rows_cost_little_memory()
    {
        string path = Path.Combine(_dir, "large.csv");
        using (var writer = new StreamWriter(path))
        {
            writer.WriteLine("a,b,c,d");
            for (int i = 0; i < 300_000; i++) writer.WriteLine($"{i},{i + 0.5},{-i},{i % 7}");
        }
        Assert.True(new FileInfo(path).Length > 6 << 20);
        CsvTable.Load(path, new CsvOptions(MaxRows: 5));   // warm up
        // This thread's allocations (the loader runs on it): the process-wide count took in tests running beside it and
        // once passed 2 MiB in a full run.
        long before = GC.GetAllocatedBytesForCurrentThread();
        var table = CsvTable.Load(path, new CsvOptions(MaxRows: 5));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal([4f, 4.5f, -4f, 4f], table.Values[16..]);
        Assert.True(allocated < 2 << 20, $"{allocated:N0} bytes allocated to read 5 rows of an {new FileInfo(path).Length:N0}-byte file");
    }

    public static TheoryData<string, string, string[]> BrokenFiles => new()
    {
        // content, label column ("" for none), what the message must say
        { "a,b,c\n1,2,3\n4,5\n", "", ["line 3 has 2 fields but the header has 3"] },
        { "a,b,c\n1,2,3\n4,5,6,7\n", "", ["line 3 has 4 fields but the header has 3"] },
        { "a,temp,c\n1,2,3\n4,abc,6\n", "", ["line 3, column 'temp' (2): 'abc' is not a number"] },
        { "a,b\n1,2\n3,1;5\n", "", ["line 3, column 'b' (2): '1;5' is not a number"] },
        { "a,b\n1,2\n3,\n", "", ["line 3, column 'b' (2) is empty", "--impute mean"] },
        { "a,b\n1,NaN\n", "", ["line 2, column 'b' (2): 'NaN' is not finite"] },
        { "a,b\n1,nan\n", "", ["line 2, column 'b' (2): 'nan' is not finite"] },
        { "a,b\n1,2\ninf,2\n", "", ["line 3, column 'a' (1): 'inf' is not finite"] },
        { "a,b\n1,-Infinity\n", "", ["line 2, column 'b' (2): '-Infinity' is not finite"] },
        { "a,b\n1,2\n2,1e999\n", "", ["line 3, column 'b' (2): '1e999' is not finite"] },
        { "a,b,a\n1,2,3\n", "", ["line 1 (the header), columns 1 and 3 are both named 'a'"] },
        { "a,,c\n1,2,3\n", "", ["line 1 (the header), column 2 has no name"] },
        { "a,b,c\n1,2,3\n", "label", ["no label column 'label'", "'a', 'b', 'c'"] },
        { "a,y\n1,2\n3,\n", "y", ["line 3, column 'y' (2) is empty"] },
        { "", "", ["the file is empty"] },
        { "\n\n", "", ["line 1 is blank"] },
        { "a,b,c\n", "", ["header line but no rows of data"] },
        { "a,b,c\n\n\n", "", ["header line but no rows of data"] },
        { "y\n1\n", "y", ["no feature columns", "'y'"] },
        { "a,b\n1,\"unterminated\n2,3\n", "", ["line 2, column 'b' (2): 'unterminated\\n2,3' is not a number"] },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Broken_files_are_refused_in_one_line_naming_the_file_the_line_and_the_column(string content, string label, string[] expected)
    {
        string message = Refusal(Write(content), new CsvOptions(LabelColumn: label == "" ? null : label));
        foreach (var part in expected) Assert.Contains(part, message);
    }

    [Fact]
    public void Unknown_picked_columns_are_refused_with_the_names_there_are()
    {
        string path = Write("alpha,beta,y\n1,2,0\n");
        Assert.Contains("no column 'gamma'; the header names 'alpha', 'beta', 'y'", Refusal(path, new CsvOptions(Columns: ["alpha", "gamma"])));
        Assert.Contains("column 'y' (3) is the label column", Refusal(path, new CsvOptions(LabelColumn: "y", Columns: ["alpha", "y"])));
        Assert.Contains("column 'beta' (2) is picked twice", Refusal(path, new CsvOptions(Columns: ["beta", "beta"])));
    }

    [Fact]
    public void A_quote_never_closed_in_a_large_file_is_refused_where_it_opens()
    {
        string path = Path.Combine(_dir, "unclosed.csv");
        using (var writer = new StreamWriter(path))
        {
            writer.Write("a,b\n1,2\n3,\"4\n");
            for (int i = 0; i < 300_000; i++) writer.Write("5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28\n");
        }
        string message = Refusal(path);
        Assert.StartsWith($"{path}: the row after line 2: ", message);
        Assert.Contains("quotes", message);
    }

    [Fact]
    public void A_binary_file_is_refused_as_not_text()
    {
        string path = Path.Combine(_dir, "image.csv");
        File.WriteAllBytes(path, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H']);
        Assert.Contains("is not a text file (byte 8 is NUL)", Refusal(path));
    }

    [Fact]
    public void A_NUL_character_past_the_first_block_is_refused_with_its_line()
    {
        var text = new StringBuilder("a,b\n");
        for (int i = 0; i < 20_000; i++) text.Append("1,2\n");
        text.Append("3,\0\n");
        Assert.Contains($"line {20_002} has a NUL character", Refusal(Write(text.ToString())));
    }

    [Fact]
    public void A_folder_or_a_missing_file_is_refused_by_name()
    {
        Assert.Equal($"{_dir}: is a directory; give a CSV file", Refusal(_dir));
        string missing = Path.Combine(_dir, "missing.csv");
        Assert.Equal($"{missing}: file not found", Refusal(missing));
    }

    [Fact]
    public void Utf16_text_with_a_byte_order_mark_is_text()
    {
        string path = Path.Combine(_dir, "wide.csv");
        File.WriteAllText(path, "a;b\n1;2\n", Encoding.Unicode);
        Assert.Equal([1f, 2f], CsvTable.Load(path, new CsvOptions()).Values);
    }
}
