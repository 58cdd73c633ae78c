using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// A bus-master block storage controller with a command queue in host memory, read like a QEMU
/// device model: the register map is <see cref="BlockControllerRegister"/>, all state is in this
/// class, <see cref="Read"/> and <see cref="Write"/> switch on the offset, and
/// <see cref="UpdateInterrupt"/> alone decides the interrupt line.
/// </summary>
/// <remarks>
/// <para><b>Datasheet.</b> One 128-byte memory BAR of 32-bit registers; one level-triggered
/// interrupt; a disk image of CAPACITY sectors of 2^CAP[27:24] bytes.</para>
/// <para><b>Bring-up.</b> With CONTROL.EN clear, the driver writes SQ_BASE, CQ_BASE (physical
/// addresses of two rings it allocated) and QUEUE_DEPTH, then sets INT_ENABLE and CONTROL.EN;
/// STATUS.RDY follows EN. Clearing EN resets both rings (all four indices to 0), drops any command
/// in flight (it is never completed), clears INT_STATUS and takes the controller out of a hang
/// (a hang injected with a count of N lasts through N - 1 resets: a controller that dies again).</para>
/// <para><b>Commands.</b> The driver fills the command entry at SQ_TAIL (layout in
/// <see cref="BlockCommandLayout"/>): opcode READ, WRITE or FLUSH, LBA, sector count and a list of
/// physical address + length segments (scatter/gather), then writes the new tail to SQ_TAIL (the
/// doorbell). The controller fetches commands in ring order one at a time, advancing SQ_HEAD as it
/// fetches, and executes each for its cost on the virtual clock: CommandOverheadNs, plus SeekNs when
/// the media access does not start where the last one ended, plus SectorTransferNs per sector; a
/// write with the write-back cache on costs only the overhead and lands in the cache; a FLUSH costs a
/// seek per dirty run plus the sectors' transfer and writes the cache back. Data moves only by DMA
/// through <see cref="IDmaMemory"/>, at the end of the command's time.</para>
/// <para><b>Completions.</b> Each command ends with a completion entry (command id, status, SQ head)
/// at CQ_TAIL, which then advances; INT_STATUS.CMPL is set, and INT_STATUS.ERR too (with ERROR
/// loaded) when the status is not Success. The controller never overruns the completion ring: it
/// waits while the ring is full until the driver frees slots by writing CQ_HEAD.</para>
/// <para><b>Interrupt.</b> The line is asserted while (INT_STATUS &amp; INT_ENABLE) != 0 and
/// deasserted once the driver acknowledges every enabled cause by writing 1s to INT_STATUS.</para>
/// <para><b>Faults.</b> <see cref="InjectFault"/>: stop answering (until a reset), DMA error (the command completes
/// with DataTransferError), surprise unplug (registers read all ones).</para>
/// <para><b>Threads.</b> Register handlers run synchronously on the processor that accesses the
/// BAR; commands execute on the controller's actor. Both take the controller's own lock.</para>
/// </remarks>
public sealed partial class BlockController : IRegisterWindow
{
    /// <summary>The BAR's size in bytes.</summary>
    public const int RegisterSpaceLength = 0x80;

    /// <summary>VERSION's value: 1.0.</summary>
    public const uint VersionValue = 0x0001_0000;

    private readonly Lock _lock = new();
    private readonly BlockControllerOptions _options;
    private readonly IDiskImage _image;
    private readonly IDmaMemory _dma;
    private readonly IInterruptPin _pin;
    private readonly SortedDictionary<long, byte[]> _dirty = [];
    private readonly (ulong Address, uint Length)[] _segments;
    private byte[] _buffer = new byte[4096];
    private IActorRef? _engine;

    // Registers.
    private BlockControl _control;
    private BlockInterrupt _interruptStatus;
    private BlockInterrupt _interruptEnable;
    private uint _error;
    private ulong _submissionBase;
    private ulong _completionBase;
    private uint _depth = 2;
    private uint _submissionTail;
    private uint _submissionHead;
    private uint _completionTail;
    private uint _completionHead;

    // The command in execution (fetched, waiting for its time to pass).
    private bool _busy;
    private BlockOpcode _opcode;
    private uint _commandId;
    private long _lba;
    private int _sectors;
    private int _segmentCount;
    private BlockCommandStatus _status;

    // Medium and faults.
    private long _headLba;
    private bool _lineAsserted;
    private bool _hung;

    // Resets still needed to clear the hang (StopAnswering's count).
    private int _hangResetsLeft;
    private bool _unplugged;
    private int _dmaErrorsPending;

    /// <summary>Creates a controller over <paramref name="image"/>; it does nothing until <see cref="Attach"/>.</summary>
    /// <param name="options">Queue limits and costs.</param>
    /// <param name="image">The medium.</param>
    /// <param name="dma">What its bus-master engine reaches (physical memory).</param>
    /// <param name="pin">Its interrupt output.</param>
    public BlockController(BlockControllerOptions options, IDiskImage image, IDmaMemory dma, IInterruptPin pin)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(dma);
        ArgumentNullException.ThrowIfNull(pin);
        options.Validate();
        if ((image.SectorSize & (image.SectorSize - 1)) != 0 || image.SectorSize < 512)
        {
            throw new ArgumentException("The image's sector size must be a power of two of at least 512.", nameof(image));
        }
        _options = options;
        _image = image;
        _dma = dma;
        _pin = pin;
        _segments = new (ulong, uint)[options.MaxSegments];
        _control = options.WriteCacheEnabled ? BlockControl.WriteCacheEnable : BlockControl.None;
    }

    /// <inheritdoc />
    public int Length => RegisterSpaceLength;

    /// <summary>The medium.</summary>
    public IDiskImage Image => _image;

    /// <summary>Commands completed (any status) since creation.</summary>
    public long CompletedCommands { get; private set; }

    /// <summary>Sectors in the write-back cache not yet on the medium.</summary>
    public int DirtySectors
    {
        get
        {
            lock (_lock)
            {
                return _dirty.Count;
            }
        }
    }

    /// <summary>Whether the interrupt line is asserted now.</summary>
    public bool InterruptAsserted
    {
        get
        {
            lock (_lock)
            {
                return _lineAsserted;
            }
        }
    }

    /// <summary>Creates the controller's actor, which executes its commands on <paramref name="system"/>'s clock.</summary>
    /// <param name="system">The actor system of the machine.</param>
    /// <param name="name">The actor's name.</param>
    /// <returns>The actor.</returns>
    public IActorRef Attach(ActorSystem system, string name)
    {
        ArgumentNullException.ThrowIfNull(system);
        if (_engine is not null)
        {
            throw new InvalidOperationException("The controller is already attached.");
        }
        _engine = system.ActorOf(Props.Create(() => new BlockControllerEngine(this)), name);
        return _engine;
    }

    /// <summary>Injects <paramref name="fault"/> (a DMA error into the next <paramref name="count"/> data transfers; a hang that only the <paramref name="count"/>th reset clears).</summary>
    /// <param name="fault">The fault.</param>
    /// <param name="count">How many transfers a DMA error hits; how many resets (CONTROL.EN cleared) a hang needs to clear.</param>
    public void InjectFault(BlockControllerFault fault, int count = 1)
    {
        lock (_lock)
        {
            switch (fault)
            {
                case BlockControllerFault.StopAnswering:
                    ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
                    _hung = true;
                    _hangResetsLeft = count;
                    break;
                case BlockControllerFault.DmaError:
                    ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
                    _dmaErrorsPending += count;
                    break;
                case BlockControllerFault.SurpriseUnplug:
                    // Power is gone with the device: the command in flight and the dirty cache are lost.
                    _unplugged = true;
                    _busy = false;
                    _dirty.Clear();
                    UpdateInterrupt();
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(fault), fault, "Unknown fault.");
            }
        }
    }

    /// <inheritdoc />
    public uint Read(int offset, AccessWidth width)
    {
        var shift = (offset & 3) * 8;
        var mask = width == AccessWidth.Dword ? uint.MaxValue : (1u << ((int)width * 8)) - 1;
        lock (_lock)
        {
            // A removed device does not answer: the bus master-aborts and the processor reads all ones.
            var value = _unplugged || _poweredOff ? uint.MaxValue : ReadRegister((BlockControllerRegister)(offset & ~3));
            return (value >> shift) & mask;
        }
    }

    /// <inheritdoc />
    public void Write(int offset, AccessWidth width, uint value)
    {
        var kick = false;
        lock (_lock)
        {
            if (_unplugged || _poweredOff)
            {
                return;
            }
            kick = WriteRegister((BlockControllerRegister)(offset & ~3), value);
        }
        if (kick)
        {
            _engine?.Tell(BlockControllerEngine.Kick);
        }
    }

    private uint ReadRegister(BlockControllerRegister register) => register switch
    {
        BlockControllerRegister.Capabilities =>
            (uint)_options.MaxQueueDepth | ((uint)_options.MaxSegments << 16) | ((uint)System.Numerics.BitOperations.Log2((uint)_image.SectorSize) << 24),
        BlockControllerRegister.CapacityLow => (uint)_image.SectorCount,
        BlockControllerRegister.CapacityHigh => (uint)((ulong)_image.SectorCount >> 32),
        BlockControllerRegister.Version => VersionValue,
        BlockControllerRegister.SubmissionQueueBaseLow => (uint)_submissionBase,
        BlockControllerRegister.SubmissionQueueBaseHigh => (uint)(_submissionBase >> 32),
        BlockControllerRegister.CompletionQueueBaseLow => (uint)_completionBase,
        BlockControllerRegister.CompletionQueueBaseHigh => (uint)(_completionBase >> 32),
        BlockControllerRegister.QueueDepth => _depth,
        BlockControllerRegister.SubmissionQueueTail => _submissionTail,
        BlockControllerRegister.SubmissionQueueHead => _submissionHead,
        BlockControllerRegister.CompletionQueueTail => _completionTail,
        BlockControllerRegister.CompletionQueueHead => _completionHead,
        BlockControllerRegister.InterruptStatus => (uint)_interruptStatus,
        BlockControllerRegister.InterruptEnable => (uint)_interruptEnable,
        BlockControllerRegister.Control => (uint)_control,
        BlockControllerRegister.Status => CurrentStatus(),
        BlockControllerRegister.Error => _error,
        _ => 0, // Reserved offsets read as zero.
    };

    private uint CurrentStatus()
    {
        var status = BlockStatus.None;
        if ((_control & BlockControl.Enable) != 0)
        {
            status |= BlockStatus.Ready;
        }
        if (_busy)
        {
            status |= BlockStatus.Busy;
        }
        if (_dirty.Count != 0)
        {
            status |= BlockStatus.CacheDirty;
        }
        return (uint)status;
    }

    /// <returns>Whether the engine must look at the rings again.</returns>
    private bool WriteRegister(BlockControllerRegister register, uint value)
    {
        var enabled = (_control & BlockControl.Enable) != 0;
        switch (register)
        {
            // The ring layout is latched while EN is clear; writes while enabled are ignored.
            case BlockControllerRegister.SubmissionQueueBaseLow when !enabled:
                _submissionBase = (_submissionBase & 0xFFFF_FFFF_0000_0000) | value;
                return false;
            case BlockControllerRegister.SubmissionQueueBaseHigh when !enabled:
                _submissionBase = (_submissionBase & 0xFFFF_FFFF) | ((ulong)value << 32);
                return false;
            case BlockControllerRegister.CompletionQueueBaseLow when !enabled:
                _completionBase = (_completionBase & 0xFFFF_FFFF_0000_0000) | value;
                return false;
            case BlockControllerRegister.CompletionQueueBaseHigh when !enabled:
                _completionBase = (_completionBase & 0xFFFF_FFFF) | ((ulong)value << 32);
                return false;
            case BlockControllerRegister.QueueDepth when !enabled:
                _depth = Math.Clamp(value, 2u, (uint)_options.MaxQueueDepth);
                return false;
            case BlockControllerRegister.SubmissionQueueTail:
                // Doorbell: an index outside the ring is ignored (the datasheet leaves it undefined).
                if (!enabled || value >= _depth)
                {
                    return false;
                }
                _submissionTail = value;
                return true;
            case BlockControllerRegister.CompletionQueueHead:
                if (value >= _depth)
                {
                    return false;
                }
                var wasFull = (_completionTail + 1) % _depth == _completionHead;
                _completionHead = value;
                return wasFull; // only a full completion ring stopped the engine
            case BlockControllerRegister.InterruptStatus:
                // RW1C: writing 1 acknowledges that cause; a new completion sets it again.
                _interruptStatus &= ~(BlockInterrupt)value;
                UpdateInterrupt();
                return false;
            case BlockControllerRegister.InterruptEnable:
                _interruptEnable = (BlockInterrupt)value & (BlockInterrupt.Completion | BlockInterrupt.Error);
                UpdateInterrupt();
                return false;
            case BlockControllerRegister.Control:
                return WriteControl((BlockControl)value & (BlockControl.Enable | BlockControl.WriteCacheEnable));
            case BlockControllerRegister.Error:
                _error = 0; // any write clears ERROR
                return false;
            default:
                return false; // read-only and reserved registers ignore writes
        }
    }

    private bool WriteControl(BlockControl value)
    {
        var wasEnabled = (_control & BlockControl.Enable) != 0;
        if ((_control & BlockControl.WriteCacheEnable) != 0 && (value & BlockControl.WriteCacheEnable) == 0)
        {
            WriteBackCache(); // clearing WCE writes the dirty sectors back first
        }
        _control = value;
        if ((value & BlockControl.Enable) == 0)
        {
            // Reset: rings empty, the command in flight abandoned (its timer finds _busy clear), hang cleared
            // (unless the fault asked for more resets than this one).
            _submissionHead = _submissionTail = _completionHead = _completionTail = 0;
            _busy = false;
            _hangResetsLeft = Math.Max(0, _hangResetsLeft - 1);
            _hung = _hangResetsLeft > 0;
            _interruptStatus = BlockInterrupt.None;
            UpdateInterrupt();
            return false;
        }
        return !wasEnabled;
    }

    /// <summary>The one place that decides the interrupt line: asserted while an enabled cause is pending and the device is present.</summary>
    private void UpdateInterrupt()
    {
        var level = !_unplugged && (_interruptStatus & _interruptEnable) != 0;
        if (level == _lineAsserted)
        {
            return;
        }
        _lineAsserted = level;
        if (level)
        {
            _pin.Assert();
        }
        else
        {
            _pin.Deassert();
        }
    }
}
