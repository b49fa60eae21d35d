// Scratch: int8 decode, encode or reconstruct of 1000 rows (uniform noise), one thread, for SECONDS, to run under perf;
// after each reconstruct it also times the entry point's finiteness check (Guard.Finite) over the same input.
// dotnet run -c Release -- reconstruct 12
using System.Diagnostics;
using Vae.Simd;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
string which = args.Length > 0 ? args[0] : "decode";
int seconds = args.Length > 1 ? int.Parse(args[1]) : 20;
int batch = 1000;
var model = new VariationalNetwork(new ModelConfig(), 1);
model.SetInferencePrecision(InferencePrecision.Int8);
var ws = model.CreateWorkspace(batch, 1);
var rnd = new Random(5);
float[] x = Enumerable.Range(0, batch * 784).Select(_ => (float)rnd.NextDouble()).ToArray(), output = new float[batch * 784],
    mu = Enumerable.Range(0, batch * 20).Select(_ => (float)(rnd.NextDouble() * 2 - 1)).ToArray(), logVar = new float[batch * 20];
var sw = Stopwatch.StartNew(); int calls = 0; double guard = 0;
while (sw.Elapsed.TotalSeconds < seconds)
{
    if (which == "decode") model.Decode(new ReadOnlyMatrixSpan(mu, batch, 20), new MatrixSpan(output, batch, 784), ws);
    else if (which == "encode") model.Encode(new ReadOnlyMatrixSpan(x, batch, 784), new MatrixSpan(mu, batch, 20), new MatrixSpan(logVar, batch, 20), ws);
    else model.Reconstruct(new ReadOnlyMatrixSpan(x, batch, 784), new MatrixSpan(output, batch, 784), ws);
    calls++;
    if (which == "reconstruct") { long t0 = Stopwatch.GetTimestamp(); Vae.Simd.Tensors.Guard.Finite(new ReadOnlyMatrixSpan(x, batch, 784), "x"); guard += Stopwatch.GetElapsedTime(t0).TotalMicroseconds; }
}
Console.WriteLine($"guard after a call: {guard / calls:F1} µs");
Console.WriteLine($"{which}: {sw.Elapsed.TotalMicroseconds / calls:F1} µs per call");
