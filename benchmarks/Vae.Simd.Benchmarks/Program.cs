using BenchmarkDotNet.Running;
using Vae.Simd;
using Vae.Simd.Benchmarks;

// dotnet run -c Release --project benchmarks/Vae.Simd.Benchmarks -- --filter '*'        BenchmarkDotNet suites
// dotnet run -c Release --project benchmarks/Vae.Simd.Benchmarks -- peer-gemm THREADS   for benchmarks/peers/run.sh
// dotnet run -c Release --project benchmarks/Vae.Simd.Benchmarks -- precision-latency [ROUNDS] [BATCH] [uniform|mnist] [THREADS]   float32 vs bfloat16 vs int8
// dotnet run -c Release --project benchmarks/Vae.Simd.Benchmarks -- gemm-layout [ROUNDS]         what alignment and row blocks cost the GEMM
// dotnet run -c Release --project benchmarks/Vae.Simd.Benchmarks -- step-pieces [ROUNDS]         the step's optimizer and Wᵀ refresh
// dotnet run -c Release --project benchmarks/Vae.Simd.Benchmarks -- core-pair [ROUNDS] [SECONDS]   do two busy threads get two cores' FMA rate?
// dotnet run -c Release --project benchmarks/Vae.Simd.Benchmarks -- core-link [ROUNDS]             how fast do the two cores hand each other data?
// dotnet run -c Release --project benchmarks/Vae.Simd.Benchmarks -- int8-rate [ROUNDS]             VNNI's peak beside FMA's, and the int8 layers at batch 1000
if (args is ["peer-gemm", var threads]) { PeerGemm.Run(int.Parse(threads)); return; }
if (args is ["gemm-layout", .. var layoutRounds]) { GemmLayoutCosts.Run(layoutRounds is [var r] ? int.Parse(r) : 15); return; }
if (args is ["step-pieces", .. var pieceRounds]) { StepPieces.Run(pieceRounds is [var p] ? int.Parse(p) : 15); return; }
if (args is ["core-pair", .. var pairArgs]) { CorePair.Run(pairArgs.Length > 0 ? int.Parse(pairArgs[0]) : 10, pairArgs.Length > 1 ? double.Parse(pairArgs[1], System.Globalization.CultureInfo.InvariantCulture) : 0.2); return; }
if (args is ["core-link", .. var linkArgs]) { CoreLink.Run(linkArgs is [var l] ? int.Parse(l) : 5); return; }
if (args is ["int8-rate", .. var rateArgs]) { Int8Rate.Run(rateArgs is [var q] ? int.Parse(q) : 5); return; }
if (args is ["precision-latency", .. var rest])
{
    var input = rest.Length > 2 ? rest[2] switch
    {
        "uniform" => InferenceInput.Uniform,
        "mnist" => InferenceInput.MnistTest,
        _ => throw new ArgumentException($"precision-latency: the input is uniform or mnist, not '{rest[2]}'"),
    } : InferenceInput.Uniform;
    PrecisionLatency.Run(rest.Length > 0 ? int.Parse(rest[0]) : 41, rest.Length > 1 ? int.Parse(rest[1]) : 1, input, rest.Length > 3 ? int.Parse(rest[3]) : 1);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
