namespace ActorKernel.Runtime;

/// <summary>One delivery as the deterministic dispatcher made it.</summary>
/// <param name="Sequence">Its number, from 0.</param>
/// <param name="VirtualTimeNanoseconds">The virtual time it happened at.</param>
/// <param name="Sender">Who sent it, or <see langword="null"/>.</param>
/// <param name="Receiver">Who got it.</param>
/// <param name="MessageType">The message's type.</param>
public readonly record struct DeliveryRecord(long Sequence, long VirtualTimeNanoseconds, ActorPath? Sender, ActorPath Receiver, Type MessageType)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Sequence,8} {VirtualTimeNanoseconds,14}ns {Sender?.ToString() ?? "-"} -> {Receiver} : {MessageType.Name}";
}

/// <summary>
/// The record of a deterministic run: a running hash of every delivery (virtual time, sender,
/// receiver, message type) and, up to a capacity, the deliveries themselves. Two runs are the same
/// run exactly when their hashes and counts are equal.
/// </summary>
public sealed class DeliveryLog
{
    private readonly List<DeliveryRecord> _records = [];
    private readonly Dictionary<Type, ulong> _typeHashes = [];

    /// <summary>Creates a log that keeps the first <paramref name="capacity"/> records (0: hash only).</summary>
    public DeliveryLog(int capacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
    }

    /// <summary>How many records are kept.</summary>
    public int Capacity { get; }

    /// <summary>The running FNV-1a hash over all deliveries so far.</summary>
    public ulong Hash { get; private set; } = Fnv1a.OffsetBasis;

    /// <summary>Deliveries recorded.</summary>
    public long Count { get; private set; }

    /// <summary>The first <see cref="Capacity"/> deliveries.</summary>
    public IReadOnlyList<DeliveryRecord> Records => _records;

    internal void Record(long now, IActorRef? sender, ActorCell receiver, object message)
    {
        var type = message.GetType();
        if (!_typeHashes.TryGetValue(type, out var typeHash))
        {
            typeHash = Fnv1a.Hash(Fnv1a.OffsetBasis, type.FullName ?? type.Name);
            _typeHashes.Add(type, typeHash);
        }
        var senderPath = sender?.Path;
        var hash = Fnv1a.Hash(Hash, (ulong)now);
        hash = Fnv1a.Hash(hash, senderPath?.StableHash ?? 0);
        hash = Fnv1a.Hash(hash, receiver.Path.StableHash);
        Hash = Fnv1a.Hash(hash, typeHash);
        if (_records.Count < Capacity)
        {
            _records.Add(new DeliveryRecord(Count, now, senderPath, receiver.Path, type));
        }
        Count++;
    }
}
