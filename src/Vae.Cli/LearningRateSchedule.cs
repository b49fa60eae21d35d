namespace Vae.Cli;

/// <summary>How the learning rate changes from epoch to epoch.</summary>
internal enum ScheduleKind
{
    /// <summary>The same rate every epoch.</summary>
    Constant,
    /// <summary>Burda, Grosse &amp; Salakhutdinov (2016): stage i = 0…7 lasts 3^i epochs at rate lr · 10^(−i/7) — 3,280 epochs in all.</summary>
    Burda,
}

internal static class LearningRateSchedule
{
    /// <summary>Epochs in Burda et al.'s whole schedule: Σ 3^i for i = 0…7.</summary>
    public const int BurdaEpochs = 3280;

    /// <summary>The learning rate of epoch <paramref name="epoch"/> (0-based).</summary>
    public static float At(ScheduleKind kind, float baseRate, int epoch)
    {
        if (kind == ScheduleKind.Constant) return baseRate;
        int stage = 0;
        for (long end = 1, length = 1; epoch >= end && stage < 7; stage++)
        {
            length *= 3;
            end += length;
        }
        return (float)(baseRate * Math.Pow(10, -stage / 7.0));
    }
}
