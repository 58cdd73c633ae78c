using ActorKernel.Benchmarks;

// `dotnet run -c Release --project bench/AkkaComparison -- --runs 5` runs the runtime's comparison
// shapes and the same shapes on Akka.NET, alternating runtime, Akka.NET, runtime, ... each run in a
// process of its own, and prints one markdown table (medians, spreads, ratios). `--runs 1 --quick`
// is a smoke run of a few seconds. See ComparisonRunner.
return ComparisonRunner.Run(args);
