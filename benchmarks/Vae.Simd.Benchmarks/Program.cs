using BenchmarkDotNet.Running;
using Vae.Simd;
using Vae.Simd.Benchmarks;

// dotnet run -c Release --project benchmarks/Vae.Simd.Benchmarks -- --filter '*'        BenchmarkDotNet suites
// dotnet run -c Release --project benchmarks/Vae.Simd.Benchmarks -- peer-gemm THREADS   for benchmarks/peers/run.sh
if (args is ["peer-gemm", var threads]) { PeerGemm.Run(int.Parse(threads)); return; }
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
