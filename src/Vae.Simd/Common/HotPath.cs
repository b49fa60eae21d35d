using System.Runtime.CompilerServices;

namespace Vae.Simd.Common;

/// <summary>How a hot kernel is compiled, whatever the host's JIT settings.</summary>
internal static class HotPath
{
    /// <summary>
    /// Fully optimized on first call (no tier-0 code, no OSR, no PGO instrumentation) and never inlined into its caller.
    /// Both halves matter. Without AggressiveOptimization an app with default tiering runs the loops in instrumented
    /// code until tier-up. Without NoInlining the JIT inlines the kernel into a tier-1 caller and compiles it under that
    /// caller's inlining budget: measured in a plain console app (Zen 3, AVX2), the Bernoulli loss's vector helpers
    /// (V256.Multiply, MultiplyAdd, …) were then left as calls, 15 % of the training time, and the app trained at
    /// 0.75–0.85× the CLI's speed (the CLI turns tiering off). Call overhead is nothing beside a kernel's loop.
    /// </summary>
    public const MethodImplOptions Kernel = MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining;
}
