using System.Runtime.Intrinsics.X86;

namespace Vae.Simd.Kernels;

/// <summary>
/// The running core's L1 data cache, read once from CPUID, for blocking the GEMM to the machine it runs on: a Zen 4 has
/// 32 KiB, a Zen 5 or a recent Intel core 48. Null where it cannot be read (Arm64, or a CPU or hypervisor that reports
/// nothing), so the caller keeps the size that is safe everywhere.
/// </summary>
internal static class CacheSizes
{
    public static readonly int? L1DataBytes = X86Base.IsSupported ? ReadL1DataX86() : null;

    private static int? ReadL1DataX86()
    {
        // AMD: leaf 0x8000_0005 gives the L1 data cache in KiB in ECX[31:24] (Intel leaves it zero).
        uint maxExtended = (uint)X86Base.CpuId(unchecked((int)0x8000_0000), 0).Eax;
        if (maxExtended >= 0x8000_0005)
        {
            uint kib = (uint)X86Base.CpuId(unchecked((int)0x8000_0005), 0).Ecx >> 24;
            if (kib > 0) return (int)kib * 1024;
        }
        // Intel: leaf 4, deterministic cache parameters, one sub-leaf per cache; the level-1 data cache is type 1, level 1.
        // Size = ways × partitions × line size × sets.
        if (X86Base.CpuId(0, 0).Eax >= 4)
        {
            for (int sub = 0; sub < 16; sub++)
            {
                var (eax, ebx, ecx, _) = X86Base.CpuId(4, sub);
                int type = eax & 0x1F, level = (eax >> 5) & 0x7;
                if (type == 0) break;
                if (type == 1 && level == 1)
                    return (((ebx >> 22) & 0x3FF) + 1) * (((ebx >> 12) & 0x3FF) + 1) * ((ebx & 0xFFF) + 1) * (ecx + 1);
            }
        }
        return null;
    }
}
