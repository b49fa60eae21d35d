using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vae.Simd.Kernels;

/// <summary>Which GEMM micro-kernel runs: chosen once at start-up from the processor's instruction sets.</summary>
internal enum GemmPath
{
    /// <summary>Plain scalar code: runs everywhere.</summary>
    Scalar,
    /// <summary>128-bit vectors with fused multiply-add (SSE with FMA on x64, AdvSimd on Arm64).</summary>
    Vector128,
    /// <summary>256-bit vectors with fused multiply-add (AVX2 + FMA, or Arm with 256-bit support).</summary>
    Vector256,
    /// <summary>512-bit vectors (AVX-512).</summary>
    Vector512,
}

/// <summary>Reports what this machine supports.</summary>
internal static class GemmPaths
{
    /// <summary>The fastest path this processor supports; what the public GEMM entry points use.</summary>
    public static GemmPath Best { get; } = Detect();

    /// <summary>Rows of C one micro-kernel call computes on the <see cref="Best"/> path (8, 6, 4 or 4). A product whose row count is a
    /// multiple of it runs on full tiles only; any other count pads its last tile and copies it in and out.</summary>
    public static int BestRowTile { get; } = GemmMicroKernels.For(Best).MR;

    /// <summary>
    /// True when this processor runs <paramref name="path"/> in hardware: its vectors and fused multiply-adds are instructions
    /// here. Every path also runs where this is false, only slower: its kernels are written with the portable vector types,
    /// which .NET runs lane by lane, or as two halves of the next width down, where the hardware lacks the width. They do the
    /// same multiply-adds in the same order, so the product has the same bits (fused where the hardware has FMA). The GEMM
    /// tests run every path that way, so the AVX-512 kernels are tested on machines without AVX-512 too.
    /// </summary>
    public static bool IsSupported(GemmPath path) => path switch
    {
        GemmPath.Scalar => true,
        GemmPath.Vector128 => Vector128.IsHardwareAccelerated,
        GemmPath.Vector256 => Vector256.IsHardwareAccelerated && (Fma.IsSupported || !X86Base.IsSupported),
        GemmPath.Vector512 => Vector512.IsHardwareAccelerated,
        _ => false,
    };

    private static GemmPath Detect()
    {
        // VAE_SIMD_GEMM_PATH lets a benchmark or a bug report pin the path without recompiling.
        var forced = Environment.GetEnvironmentVariable("VAE_SIMD_GEMM_PATH");
        if (!string.IsNullOrEmpty(forced) && Enum.TryParse<GemmPath>(forced, ignoreCase: true, out var path) && IsSupported(path))
            return path;
        if (IsSupported(GemmPath.Vector512)) return GemmPath.Vector512;
        if (IsSupported(GemmPath.Vector256)) return GemmPath.Vector256;
        if (IsSupported(GemmPath.Vector128)) return GemmPath.Vector128;
        return GemmPath.Scalar;
    }
}
