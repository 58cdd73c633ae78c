using ActorKernel.Benchmarks;
using BenchmarkDotNet.Running;

// `dotnet run -c Release --project bench/Benchmarks -- throughput` runs the whole-run shapes of
// issue 2 (see ThroughputRunner); anything else goes to BenchmarkDotNet, e.g.
// `dotnet run -c Release --project bench/Benchmarks -- --filter '*Tell*'` for the micro-benchmarks.
// `... -- usermode [--runs N] [--requests N]` runs the user-mode RAM-disk throughput (UserModeThroughput).
// `... -- irpprobe [--processors N] [--dpc] [--runs N]` runs the IRP stack loop per process (IrpStackProbe).
// `... -- diskprobe [--dispatcher D] [--runs N] [--alloc-types]` runs the disk-read loop per process (DiskReadProbe).
// `... -- fsprobe [--dispatcher D] [--runs N] [--requests N] [--cached] [--fastio]` runs the file-read loop through akfs (FsReadProbe).
// `... -- smoke` runs quick correctness checks of the dispatch hot path (RuntimeSmoke).
if (args.Length > 0 && args[0] == "throughput")
{
    return ThroughputRunner.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "usermode")
{
    return ActorKernel.Benchmarks.UserMode.UserModeThroughput.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "tracing")
{
    return ActorKernel.Benchmarks.Tracing.TracingOverhead.Run(args[1..]); // `... -- tracing [--runs N] [--duration T] [--smoke]`
}
if (args.Length > 0 && args[0] == "irpprobe")
{
    return ActorKernel.Benchmarks.Io.IrpStackProbe.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "diskprobe")
{
    return ActorKernel.Benchmarks.Hardware.DiskReadProbe.Run(args[1..]); // `... -- diskprobe [--dispatcher D] [--runs N] [--alloc-types]`
}
if (args.Length > 0 && args[0] == "fsprobe")
{
    return ActorKernel.Benchmarks.Stacks.FsReadProbe.Run(args[1..]); // `... -- fsprobe [--dispatcher D] [--runs N] [--requests N] [--cached] [--fastio] [--alloc-types]`
}
if (args.Length > 0 && args[0] == "smoke")
{
    return RuntimeSmoke.Run();
}
BenchmarkSwitcher.FromAssembly(typeof(ThroughputRunner).Assembly).Run(args);
return 0;
