using System.Buffers.Binary;
using ActorKernel.Hardware;
using ActorKernel.Hardware.Tests.Fakes;
using ActorKernel.Runtime;

namespace ActorKernel.Hardware.Tests.Storage;

/// <summary>
/// A controller on a deterministic actor system with its rings at fixed addresses, driven at
/// register level as a driver would: SQ at 0x1000, CQ at 0x2000, segment lists from 0x3000, data from 0x10000.
/// </summary>
internal sealed class BlockControllerBed : IDisposable
{
    public const ulong SubmissionBase = 0x1000;
    public const ulong CompletionBase = 0x2000;
    public const ulong SegmentLists = 0x3000;
    public const ulong DataBase = 0x10000;

    private uint _tail;
    private uint _completionHead;

    public BlockControllerBed(BlockControllerOptions? options = null, uint depth = 8, long sectors = 2048)
    {
        System = ActorSystem.Create("storage", ActorSystemOptions.DeterministicWith(1));
        Image = new MemoryDiskImage(sectors);
        Controller = new BlockController(options ?? new BlockControllerOptions(), Image, Memory, Pin);
        Controller.Attach(System, "disk");
        Depth = depth;
        WriteRegister(BlockControllerRegister.SubmissionQueueBaseLow, (uint)SubmissionBase);
        WriteRegister(BlockControllerRegister.CompletionQueueBaseLow, (uint)CompletionBase);
        WriteRegister(BlockControllerRegister.QueueDepth, depth);
        WriteRegister(BlockControllerRegister.InterruptEnable, (uint)(BlockInterrupt.Completion | BlockInterrupt.Error));
        WriteRegister(BlockControllerRegister.Control, (uint)BlockControl.Enable | (ReadRegister(BlockControllerRegister.Control) & (uint)BlockControl.WriteCacheEnable));
    }

    public ActorSystem System { get; }

    public MemoryDiskImage Image { get; }

    public FakeDmaMemory Memory { get; } = new(1 << 20);

    public FakePin Pin { get; } = new();

    public BlockController Controller { get; }

    public uint Depth { get; }

    public DeterministicDispatcher Dispatcher => System.Deterministic!;

    public uint ReadRegister(BlockControllerRegister register) => Controller.Read((int)register, AccessWidth.Dword);

    public void WriteRegister(BlockControllerRegister register, uint value) => Controller.Write((int)register, AccessWidth.Dword, value);

    /// <summary>Queues one command whose segments are (address, length) pairs; <paramref name="ring"/> false leaves the doorbell for later.</summary>
    public void Submit(BlockOpcode opcode, uint id, ulong lba, uint sectors, (ulong Address, uint Length)[] segments, bool ring = true)
    {
        var list = SegmentLists + (_tail * 0x100);
        for (var i = 0; i < segments.Length; i++)
        {
            BlockCommandLayout.WriteSegment(Memory.Bytes.AsSpan((int)list + (i * BlockCommandLayout.SegmentSize)), segments[i].Address, segments[i].Length);
        }
        BlockCommandLayout.WriteCommand(Memory.Bytes.AsSpan((int)(SubmissionBase + (_tail * BlockCommandLayout.CommandSize))), opcode, id, lba, sectors,
            (ushort)segments.Length, list);
        _tail = (_tail + 1) % Depth;
        if (ring)
        {
            WriteRegister(BlockControllerRegister.SubmissionQueueTail, _tail);
        }
    }

    public void RingDoorbell() => WriteRegister(BlockControllerRegister.SubmissionQueueTail, _tail);

    /// <summary>Consumes every posted completion as an ISR would, returning them in order and writing CQ_HEAD.</summary>
    public List<(uint Id, BlockCommandStatus Status)> TakeCompletions(bool writeHead = true)
    {
        var result = new List<(uint, BlockCommandStatus)>();
        var tail = ReadRegister(BlockControllerRegister.CompletionQueueTail);
        while (_completionHead != tail)
        {
            result.Add(BlockCommandLayout.ReadCompletion(Memory.Bytes.AsSpan((int)(CompletionBase + (_completionHead * BlockCommandLayout.CompletionSize)))));
            _completionHead = (_completionHead + 1) % Depth;
        }
        if (writeHead)
        {
            WriteRegister(BlockControllerRegister.CompletionQueueHead, _completionHead);
        }
        return result;
    }

    public static byte[] Pattern(int length, byte seed)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 7) + seed);
        }
        return bytes;
    }

    public static uint Le32(byte[] bytes, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));

    public void Dispose() => System.Dispose();
}
