using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Vae.Simd.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
