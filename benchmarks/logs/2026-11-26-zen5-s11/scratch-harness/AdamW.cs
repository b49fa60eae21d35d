using System.Diagnostics;
using System.Runtime.Intrinsics;
public static class AdamW
{
    public static void Run()
    {
        int n = 64 * 1024; // 256 KB per array: L2
        float[] p = new float[n], g = new float[n], m = new float[n], v = new float[n];
        var r = new Random(1);
        for (int i = 0; i < n; i++) { p[i] = r.NextSingle(); g[i] = r.NextSingle() - 0.5f; v[i] = r.NextSingle(); }
        for (int round = 0; round < 5; round++)
        {
            double t512 = Time(() => Body512(p, g, m, v)), t256 = Time(() => Body256(p, g, m, v));
            Console.WriteLine($"ns/param: 512-bit {t512 / n * 1e9:F3}, 256-bit {t256 / n * 1e9:F3}");
        }
    }
    static double Time(Action f) { for (int i = 0; i < 50; i++) f(); var sw = Stopwatch.StartNew(); int k = 0; while (sw.ElapsedMilliseconds < 300) { f(); k++; } return sw.Elapsed.TotalSeconds / k; }
    static void Body512(float[] p, float[] g, float[] m, float[] v)
    {
        var b1 = Vector512.Create(0.9f); var b2 = Vector512.Create(0.999f); var c1 = Vector512.Create(0.1f); var c2 = Vector512.Create(0.001f);
        var step = Vector512.Create(1e-3f); var rc2 = Vector512.Create(1.3f); var eps = Vector512.Create(1e-8f);
        for (int i = 0; i <= p.Length - 16; i += 16)
        {
            var gi = Vector512.Create(g.AsSpan(i));
            var mi = Vector512.Create(m.AsSpan(i)) * b1 + gi * c1;
            var vi = Vector512.Create(v.AsSpan(i)) * b2 + gi * gi * c2;
            mi.CopyTo(m.AsSpan(i)); vi.CopyTo(v.AsSpan(i));
            var den = Vector512.Sqrt(vi) * rc2 + eps;
            (Vector512.Create(p.AsSpan(i)) - mi * step / den).CopyTo(p.AsSpan(i));
        }
    }
    static void Body256(float[] p, float[] g, float[] m, float[] v)
    {
        var b1 = Vector256.Create(0.9f); var b2 = Vector256.Create(0.999f); var c1 = Vector256.Create(0.1f); var c2 = Vector256.Create(0.001f);
        var step = Vector256.Create(1e-3f); var rc2 = Vector256.Create(1.3f); var eps = Vector256.Create(1e-8f);
        for (int i = 0; i <= p.Length - 8; i += 8)
        {
            var gi = Vector256.Create(g.AsSpan(i));
            var mi = Vector256.Create(m.AsSpan(i)) * b1 + gi * c1;
            var vi = Vector256.Create(v.AsSpan(i)) * b2 + gi * gi * c2;
            mi.CopyTo(m.AsSpan(i)); vi.CopyTo(v.AsSpan(i));
            var den = Vector256.Sqrt(vi) * rc2 + eps;
            (Vector256.Create(p.AsSpan(i)) - mi * step / den).CopyTo(p.AsSpan(i));
        }
    }
}
