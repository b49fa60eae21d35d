using System.Diagnostics;

namespace Vae.Cli;

/// <summary>
/// Training progress: a redrawn bar per epoch on a terminal, plain lines per epoch when output is
/// redirected, nothing with --quiet.
/// </summary>
internal sealed class EpochProgress(bool quiet, TextWriter output, bool interactive)
{
    private readonly Stopwatch _sinceDraw = new();
    private readonly Stopwatch _epochClock = new();

    public static EpochProgress ForConsole(bool quiet) => new(quiet, Console.Out, !Console.IsOutputRedirected);

    public void StartEpoch()
    {
        _epochClock.Restart();
        _sinceDraw.Reset(); // the first step of an epoch always draws
    }

    public void Step(int epoch, int epochs, int done, int total, double lossPerImage)
    {
        if (quiet || !interactive || (_sinceDraw.IsRunning && _sinceDraw.ElapsedMilliseconds < 100 && done < total)) return;
        _sinceDraw.Restart();
        const int width = 30;
        int filled = (int)((long)width * done / Math.Max(total, 1));
        double rate = done / Math.Max(_epochClock.Elapsed.TotalSeconds, 1e-9);
        output.Write($"\repoch {epoch}/{epochs} [{new string('#', filled)}{new string('-', width - filled)}] {100.0 * done / total,5:F1}%  loss {lossPerImage,8:F3}  {rate,8:N0} samples/s ");
    }

    public void EndEpoch(string line)
    {
        if (quiet) return;
        if (interactive) output.Write("\r" + new string(' ', 100) + "\r");
        output.WriteLine(line);
    }

    public void Info(string line)
    {
        if (!quiet) output.WriteLine(line);
    }
}
