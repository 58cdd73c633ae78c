using System.Diagnostics;

namespace ActorKernel.Benchmarks.Diagnostics;

/// <summary>
/// The machine's core-to-core round trip: two threads pass a counter back and forth through two
/// cache lines, spinning. No runtime code runs; it tells what the cores cost now.
/// </summary>
/// <remarks>
/// On the 2-core virtual machine these benchmarks run on, this takes 110-130 ns in most minutes and
/// 340-520 ns in others (a C version gave the same two levels), and the runtime's cross-core shapes
/// (the blocking Ask, the 4-processor IRP probe) are slow in the same minutes (docs/performance.md,
/// "Session 8, lead"). Printed beside each process's figures so that a slow process can be told from
/// a slow machine.
/// </remarks>
internal static class CoreToCore
{
    private static PaddedLong s_ping;
    private static PaddedLong s_pong;

    /// <summary>Nanoseconds per round trip, over <paramref name="roundTrips"/> of them.</summary>
    public static double RoundTripNs(int roundTrips = 200_000)
    {
        if (Environment.ProcessorCount < 2)
        {
            return double.NaN; // both spinning threads on one CPU: each round trip waits for a time slice
        }
        Volatile.Write(ref s_ping.Value, 0);
        Volatile.Write(ref s_pong.Value, 0);
        var other = new Thread(() =>
        {
            for (long i = 1; i <= roundTrips; i++)
            {
                while (Volatile.Read(ref s_ping.Value) != i)
                {
                }
                Volatile.Write(ref s_pong.Value, i);
            }
        }) { IsBackground = true, Name = "core-to-core" };
        other.Start();
        var start = Stopwatch.GetTimestamp();
        for (long i = 1; i <= roundTrips; i++)
        {
            Volatile.Write(ref s_ping.Value, i);
            while (Volatile.Read(ref s_pong.Value) != i)
            {
            }
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        other.Join();
        return elapsed.TotalNanoseconds / roundTrips;
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 3 * 64)]
    private struct PaddedLong
    {
        [System.Runtime.InteropServices.FieldOffset(64)]
        public long Value;
    }
}
