namespace Vae.Cli;

/// <summary>
/// An output folder that holds one consistent run. While a command writes into it, it holds the folder's lock (a second
/// writer is refused, not mixed in); the files of an earlier run are never replaced without --force, and with --force they
/// are all removed before anything new is written, so old and new files never stand side by side; temporary files that
/// killed runs left behind are removed.
/// </summary>
internal sealed class RunFolder : IDisposable
{
    private const string LockName = ".vae.lock";
    private readonly FileStream _lock;

    public string Path { get; }

    private RunFolder(string path, FileStream lockFile) => (Path, _lock) = (path, lockFile);

    /// <summary>Creates the folder if needed and takes its lock; throws <see cref="CliError"/> when another run holds it.</summary>
    public static RunFolder Claim(string path, string option)
    {
        OutputFiles.OutputDirectory(path, option);
        Directory.CreateDirectory(path);
        string lockPath = System.IO.Path.Combine(path, LockName);
        FileStream stream;
        try { stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose); }
        catch (IOException)
        {
            throw new CliError($"{option}: another run is writing into {path} right now (it holds {LockName}); wait for it, or choose another directory");
        }
        var folder = new RunFolder(path, stream);
        folder.RemoveDebris();
        return folder;
    }

    /// <summary>The files of an earlier run among <paramref name="names"/> (relative paths: files or folders).</summary>
    public IReadOnlyList<string> Existing(IEnumerable<string> names)
        => names.Where(n => File.Exists(System.IO.Path.Combine(Path, n)) || Directory.Exists(System.IO.Path.Combine(Path, n))).ToList();

    /// <summary>Refuses to go on if an earlier run's files are there, unless <paramref name="force"/>; with it, removes them all first.</summary>
    public void ReplaceEarlierRun(IEnumerable<string> names, bool force, string what)
    {
        var existing = Existing(names);
        if (existing.Count == 0) return;
        if (!force)
            throw new CliError($"{System.IO.Path.Combine(Path, existing[0])} already exists ({what}{(existing.Count > 1 ? $", with {existing.Count - 1} more of its files" : "")}); "
                + "pass --force to replace that run or choose another --out");
        foreach (var name in existing)
        {
            string full = System.IO.Path.Combine(Path, name);
            if (Directory.Exists(full)) Directory.Delete(full, recursive: true);
            else File.Delete(full);
        }
    }

    /// <summary>Temporary files of interrupted writes (".name.….tmp", ".name.….tmp.png"): with the lock held, nobody is writing them.</summary>
    private void RemoveDebris()
    {
        foreach (var file in Directory.EnumerateFiles(Path, ".*.tmp*"))
            if (System.IO.Path.GetFileName(file) != LockName) File.Delete(file);
    }

    public void Dispose() => _lock.Dispose();
}
