using ActorKernel.Runtime;

// Placeholder entry point until the host verbs land: runs a deterministic ping-pong demo.
var seed = args.Length > 1 && args[0] == "--seed" ? ulong.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1UL;
using var system = ActorSystem.Create("demo", ActorSystemOptions.DeterministicWith(seed, recordDeliveries: true));
var pong = system.ActorOf(Props.Create(() => new Echo()), "pong");
for (var i = 0; i < 1000; i++)
{
    pong.Tell(i);
}
var delivered = system.Deterministic!.RunUntilQuiescent();
Console.WriteLine($"seed {seed}: {delivered} deliveries, hash {system.Deterministic.DeliveryLog!.Hash:x16}");

internal sealed class Echo : ReceiveActor
{
    public Echo() => Receive<int>(_ => { });
}
