using System.Runtime.Intrinsics.X86;
using Vae.Simd.Kernels;

namespace Vae.Simd.Tests.Kernels;

/// <summary>The L1 size read from CPUID (which sets the AVX-512 GEMM's depth block) is the one the operating system reports.</summary>
public class CacheSizesTests
{
    [Fact]
    public void L1DataCacheMatchesWhatLinuxReports()
    {
        const string dir = "/sys/devices/system/cpu/cpu0/cache";
        if (!X86Base.IsSupported || !Directory.Exists(dir)) return;   // Arm64 reads nothing; elsewhere there is nothing to compare with
        string? l1Data = Directory.GetDirectories(dir, "index*").FirstOrDefault(d =>
            File.ReadAllText(Path.Combine(d, "level")).Trim() == "1" && File.ReadAllText(Path.Combine(d, "type")).Trim() == "Data");
        if (l1Data is null) return;
        string size = File.ReadAllText(Path.Combine(l1Data, "size")).Trim();
        Assert.EndsWith("K", size);
        Assert.Equal(int.Parse(size[..^1]) * 1024, CacheSizes.L1DataBytes);
    }
}
