namespace Vae.Simd.Common;

/// <summary>Checks a large allocation against the memory this process may use, before making it: a model or a batch too big
/// for the machine gets a message with the estimate instead of an out-of-memory kill.</summary>
internal static class MemoryBudget
{
    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="what"/>, the bytes it needs and the bytes available,
    /// when <paramref name="bytes"/> exceeds what the GC reports as available to this process.</summary>
    public static void Require(long bytes, string what, string parameter)
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0 && bytes > available)
            throw new ArgumentException($"{what} needs about {Gb(bytes)} of memory but this process can use {Gb(available)}", parameter);
    }

    public static string Gb(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):F1} GiB" : $"{bytes / (double)(1L << 20):F0} MiB";
}
