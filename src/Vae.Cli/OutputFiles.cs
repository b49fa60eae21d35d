using System.Text.Json;

namespace Vae.Cli;

/// <summary>
/// Checks a user-named output before any work is done. An output may replace an earlier output of the same
/// kind (running a command again refreshes its picture), never any other file: `--out m/model.safetensors`
/// or `--out m/config.json` must not destroy the model the command reads.
/// </summary>
internal static class OutputFiles
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A PNG file to write: it may replace a PNG, nothing else.</summary>
    public static void Png(string path, string option) => Check(path, option, "a PNG image", IsPng);

    /// <summary>An evaluation to write (JSON with the metrics <c>vae evaluate</c> writes): it may replace an earlier evaluation, nothing else.</summary>
    public static void Evaluation(string path, string option) => Check(path, option, "an evaluation written by 'vae evaluate'", IsEvaluation);

    /// <summary>A directory to write into: neither it nor the nearest existing ancestor may be a file.</summary>
    public static void OutputDirectory(string path, string option)
    {
        string full = Path.GetFullPath(path);
        if (File.Exists(full)) throw new CliError($"{option}: {path} is a file; give a directory");
        CheckParents(full, option);
    }

    /// <summary>A directory to write figures into (see <see cref="OutputDirectory"/>); the figures it would replace must be PNGs.</summary>
    public static void FigureDirectory(string path, string option, IEnumerable<string> figureNames)
    {
        OutputDirectory(path, option);
        foreach (var name in figureNames) Png(Path.Combine(path, name), option);
    }

    /// <summary>A data file to write (codes, scores, decoded rows): an existing file is replaced only with --force.</summary>
    public static void RefuseExisting(string path, bool force, string option)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new CliError($"{option}: {path} is a directory; give a file name");
        if (File.Exists(full) && !force) throw new CliError($"{option}: {path} exists; pass --force to replace it");
        CheckParents(Path.GetDirectoryName(full)!, option);
    }

    /// <summary>Writes a file through a temporary sibling and a rename: a failure midway leaves any earlier file as it was.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        EnsureParent(path);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write)) write(stream);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Creates the directory a file is about to be written into.</summary>
    public static void EnsureParent(string file)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(file));
        if (dir is not null) Directory.CreateDirectory(dir);
    }

    private static void Check(string path, string option, string kind, Func<string, bool> isSameKind)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new CliError($"{option}: {path} is a directory; give a file name");
        if (File.Exists(full) && !isSameKind(full))
            throw new CliError($"{option}: {path} exists and is not {kind}; refusing to replace it (choose another path, or delete it first)");
        CheckParents(Path.GetDirectoryName(full)!, option);
    }

    /// <summary>The nearest existing ancestor must be a directory, or the write would fail after all the work.</summary>
    private static void CheckParents(string directory, string option)
    {
        for (string? d = directory; d is not null; d = Path.GetDirectoryName(d))
        {
            if (Directory.Exists(d)) return;
            if (File.Exists(d)) throw new CliError($"{option}: {d} is a file, so nothing can be written below it");
        }
    }

    private static bool IsPng(string file)
    {
        Span<byte> head = stackalloc byte[8];
        using var stream = File.OpenRead(file);
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.SequenceEqual(PngSignature);
    }

    private static bool IsEvaluation(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            using var document = JsonDocument.Parse(stream);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("test_recon_mse", out _) && root.TryGetProperty("aggregate_kl", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
