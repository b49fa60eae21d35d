namespace Vae.Simd.Common;

/// <summary>Checks a large allocation against the memory this process may use, before making it: a model or a batch too big
/// for the machine gets a message with the estimate instead of an out-of-memory kill.</summary>
internal static class MemoryBudget
{
    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="what"/>, the bytes it needs and the bytes available,
    /// when <paramref name="bytes"/> exceeds what the GC reports as available to this process.</summary>
    public static void Require(long bytes, string what, string parameter)
    {
        if (!Fits(bytes, out long available))
            throw new ArgumentException($"{what} needs about {Gb(bytes)} of memory but this process can use {Gb(available)}", parameter);
    }

    /// <summary>Whether <paramref name="bytes"/> fit in what the GC reports as available to this process (<paramref name="available"/>;
    /// 0 when it reports nothing, and then anything fits): for callers that throw an exception of their own.</summary>
    public static bool Fits(long bytes, out long available)
    {
        available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return available <= 0 || bytes <= available;
    }

    public static string Gb(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):F1} GiB" : $"{bytes / (double)(1L << 20):F0} MiB";
}
