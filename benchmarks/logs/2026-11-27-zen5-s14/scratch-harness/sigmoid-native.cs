using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Vae.Simd;
using Vae.Simd.Kernels;
var rnd = new Random(5);
int n = 128 * 784;
float[] x = Enumerable.Range(0, n).Select(_ => (float)(rnd.NextDouble() * 16 - 8)).ToArray();
float[] d0 = new float[n], d1 = new float[n], d2 = new float[n], d3 = new float[n];
double Per(Action a) { for (int i = 0; i < 50; i++) a(); var sw = Stopwatch.StartNew(); int c = 0; while (sw.ElapsedMilliseconds < 400) { a(); c++; } return sw.Elapsed.TotalNanoseconds / c / n; }
for (int round = 0; round < 7; round++)
{
    Console.WriteLine($"library {Per(() => Activations.Forward(ActivationKind.Sigmoid, x, d0)):F3}  copy {Per(() => S.Map(x, d1, false)):F3}  native {Per(() => S.Map(x, d2, true)):F3}  native×2 {Per(() => S.Map2(x, d3)):F3} ns/elt");
    S.Rcp = true; Console.WriteLine($"rcp {Per(() => S.Map(x, d2, true)):F3}"); S.Rcp = false;
}
Console.WriteLine($"equal: {d0.AsSpan().SequenceEqual(d1)} {d0.AsSpan().SequenceEqual(d2)} {d0.AsSpan().SequenceEqual(d3)}");
static unsafe class S
{
    public static bool Rcp;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Sig(Vector512<float> x, bool native)
    {
        var a = Vector512<float>.Zero - Vector512.Abs(x);
        a = native ? Vector512.MaxNative(Vector512.Create(-87f), a) : Vector512.Max(a, Vector512.Create(-87f));
        var nn = Vector512.Round(a * Vector512.Create(1.44269504088896341f));
        var r = a - nn * Vector512.Create(0.693359375f);
        r = r - nn * Vector512.Create(-2.12194440e-4f);
        var p = Vector512.Create(1.9875691500E-4f);
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.3981999507E-3f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(8.3334519073E-3f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(4.1665795894E-2f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.6666665459E-1f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(5.0000001201E-1f));
        p = Vector512.MultiplyAddEstimate(p, r * r, r + Vector512.Create(1f));
        var ni = native ? Vector512.ConvertToInt32Native(nn) : Vector512.ConvertToInt32(nn);
        var e = p * ((ni + Vector512.Create(127)) << 23).AsSingle();
        var den = Vector512.Create(1f) + e;
        Vector512<float> q;
        if (native && Rcp) { var r0 = System.Runtime.Intrinsics.X86.Avx512F.Reciprocal14(den); q = r0 * (Vector512.Create(2f) - den * r0); }
        else q = Vector512.Create(1f) / den;
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), q, e * q);
    }
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Map(float[] x, float[] d, bool native)
    {
        fixed (float* px = x, pd = d)
        {
            if (native) for (int i = 0; i + 16 <= x.Length; i += 16) Sig(Vector512.Load(px + i), true).Store(pd + i);
            else for (int i = 0; i + 16 <= x.Length; i += 16) Sig(Vector512.Load(px + i), false).Store(pd + i);
        }
    }
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Map2(float[] x, float[] d)
    {
        fixed (float* px = x, pd = d)
            for (int i = 0; i + 32 <= x.Length; i += 32)
            {
                var a = Sig(Vector512.Load(px + i), true);
                var b = Sig(Vector512.Load(px + i + 16), true);
                a.Store(pd + i); b.Store(pd + i + 16);
            }
    }
}
