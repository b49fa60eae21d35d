using Vae.Simd;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using System.Diagnostics;
public static class Inf
{
    public static void Run(double seconds)
    {
        int batch = 1000;
        var model = new VariationalNetwork(new ModelConfig(), 1);
        model.SetInferencePrecision(InferencePrecision.Int8);
        var ws = model.CreateWorkspace(batch, 1);
        var r = new Random(1);
        float[] x = Enumerable.Range(0, batch * 784).Select(_ => r.NextSingle()).ToArray(), output = new float[batch * 784];
        var sw = Stopwatch.StartNew(); var lap = Stopwatch.StartNew(); int n = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            model.Reconstruct(new ReadOnlyMatrixSpan(x, batch, 784), new MatrixSpan(output, batch, 784), ws); n++;
            if (lap.Elapsed.TotalSeconds > 1) { Console.WriteLine($"{lap.Elapsed.TotalMilliseconds / n:F3} ms per call"); lap.Restart(); n = 0; }
        }
    }
}
