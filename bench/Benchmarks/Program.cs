using BenchmarkDotNet.Running;

// `dotnet run -c Release --project bench/Benchmarks -- --filter '*'` runs every micro-benchmark.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
