using ActorKernel.Actors;
using ActorKernel.Drivers.Ioctl;
using ActorKernel.Drivers.Robot;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Host;

/// <summary>
/// One kernel thread of a workload (queue depth N = N of these): opens its device, then issues one
/// synchronous request at a time (the workload's mix and sizes, from its own seeded generator) until
/// the workload's end or a stop, and closes. On a RAM disk each thread owns a slice of the image and
/// keeps a shadow of it, so every read is checked against what it wrote.
/// </summary>
internal sealed class IoWorker
{
    private static readonly IoControlCode[] SioctlMethods =
        [SioctlCodes.MethodBuffered, SioctlCodes.MethodInDirect, SioctlCodes.MethodOutDirect, SioctlCodes.MethodNeither];

    // An IOCTL nobody in the RAM disk's stack handles: it goes down to the PDO, which refuses it.
    private static readonly IoControlCode UnhandledIoctl = IoControlCode.CtlCode(DeviceType.Disk, 0x801, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

    private readonly IoSimulation _owner;
    private readonly WorkloadSpec _spec;
    private readonly DeterministicRandom _random;
    private readonly byte[] _buffer;
    private readonly byte[] _output;
    private readonly byte[]? _shadow;
    private readonly long _regionOffset;
    private readonly ulong _address;
    private readonly long _startNs;
    private readonly long _endNs;
    private readonly long _thinkNs;
    private readonly IoStatusBlock _iosb = new();
    private readonly bool _sioctl;
    private readonly bool _robot;
    private (int X, int Y) _expected;
    private int _ioctlIndex;
    private volatile bool _done;

    public IoWorker(IoSimulation owner, WorkloadSpec spec, IoTarget target, DeterministicRandom random, int index, long regionOffset, long regionLength, long startNs, long endNs)
    {
        _owner = owner;
        _spec = spec;
        Target = target;
        _random = random;
        _startNs = startNs;
        _endNs = endNs;
        _sioctl = target.Driver == IoCatalog.SioctlDriver;
        _robot = target.Driver == IoCatalog.ProsewareRobotDriver;
        _regionOffset = regionOffset;
        var max = (int)Math.Max(RobotCodes.PositionSize, Math.Min(spec.MaxSize ?? 4096, target.IsRamDisk ? regionLength : spec.MaxSize ?? 4096));
        _buffer = new byte[max];
        _output = new byte[Math.Max(max, SioctlCodes.Reply.Length)];
        _shadow = target.IsRamDisk ? new byte[regionLength] : null;
        _address = 0x0000_0000_1000_0000UL + ((ulong)index << 24);
        _thinkNs = spec.ThinkTimeNanoseconds is > 0 ? spec.ThinkTimeNanoseconds.Value
            : spec.Rate is { } rate && rate > 0 ? (long)((spec.QueueDepth ?? 1) * 1e9 / rate) : 0;
        Result = new WorkloadResult { Name = spec.Name!, Device = spec.Device! };
    }

    /// <summary>The device stack this thread drives.</summary>
    public IoTarget Target { get; }

    /// <summary>This thread's counters (the simulation sums a workload's threads).</summary>
    public WorkloadResult Result { get; }

    /// <summary>Failures by NTSTATUS name.</summary>
    public SortedDictionary<string, long> Failures { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads whose data differed from what this thread had written there.</summary>
    public long DataMismatches { get; private set; }

    /// <summary>The thread has closed its file and returned.</summary>
    public bool Done => _done;

    /// <summary>Successful requests whose data was checked (RAM disk reads, Sioctl replies).</summary>
    public long Verified { get; private set; }

    /// <summary>The thread's start routine (PASSIVE_LEVEL).</summary>
    public async ValueTask Run()
    {
        if (_startNs > Now)
        {
            await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -Math.Max(1, (_startNs - Now) / 100));
        }
        var (status, file) = await NtCreateFile(_owner.Io, Target.DeviceName, KProcessorMode.KernelMode, true, true);
        if (!status.IsSuccess())
        {
            Fail("open " + Name(status));
            _done = true;
            return;
        }
        while (!_owner.StopIssuing && Now < _endNs)
        {
            await Issue(file!);
            if (_thinkNs > 0 && !_owner.StopIssuing)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -Math.Max(1, _thinkNs / 100));
            }
        }
        await NtClose(file!);
        _done = true;
    }

    private long Now => _owner.Machine.NowNanoseconds;

    private async ValueTask Issue(FileObject file)
    {
        var pick = _random.NextDouble();
        var kind = pick < (_spec.Read ?? 0) ? IrpMajorFunction.Read
            : pick < (_spec.Read ?? 0) + (_spec.Write ?? 0) ? IrpMajorFunction.Write
            : IrpMajorFunction.DeviceControl;
        var min = (int)Math.Clamp(_spec.MinSize ?? 0, 0, _buffer.Length);
        var length = (int)_random.NextInt64(min, _buffer.Length + 1L);
        var offset = _shadow is null ? 0 : _random.NextInt64(0, _shadow.Length - length + 1L);
        // Synchronous requests: one status block per thread serves every request.
        var iosb = _iosb;
        iosb.Status = NtStatus.Success;
        iosb.Information = 0;
        var data = new UserBuffer(_address, _buffer.AsMemory(0, length));
        Result.Issued++;
        Result.InFlight = 1;
        var start = Now;
        NtStatus status;
        switch (kind)
        {
            case IrpMajorFunction.Read:
                Result.Reads++;
                status = await NtReadFile(file, iosb, data, (uint)length, _regionOffset + offset);
                break;
            case IrpMajorFunction.Write:
                Result.Writes++;
                for (var i = 0; i < length; i++)
                {
                    _buffer[i] = (byte)_random.NextUInt64();
                }
                status = await NtWriteFile(file, iosb, data, (uint)length, _regionOffset + offset);
                break;
            default:
                Result.Ioctls++;
                status = await Ioctl(file, iosb, Math.Max(1, length));
                break;
        }
        // The kernel charges a routine's costs when it yields: yield here so the clock includes this request.
        await KeCompute(0);
        var latency = Now - start;
        Result.InFlight = 0;
        Result.Latency.Record(latency);
        if (!status.IsSuccess())
        {
            Fail(Name(status));
            return;
        }
        Result.Completed++;
        Result.Bytes += (long)iosb.Information;
        if (_shadow is not null && kind == IrpMajorFunction.Write)
        {
            _buffer.AsSpan(0, length).CopyTo(_shadow.AsSpan((int)offset));
        }
        else if (_shadow is not null && kind == IrpMajorFunction.Read)
        {
            Verified++;
            DataMismatches += _buffer.AsSpan(0, length).SequenceEqual(_shadow.AsSpan((int)offset, length)) ? 0 : 1;
        }
        else if (_robot && kind == IrpMajorFunction.DeviceControl)
        {
            Verified++;
            DataMismatches += RobotCodes.ReadPosition(_output) == _expected ? 0 : 1;
        }
        else if (_sioctl && kind == IrpMajorFunction.DeviceControl)
        {
            Verified++;
            DataMismatches += _output.AsSpan(0, SioctlCodes.Reply.Length).SequenceEqual(SioctlCodes.Reply) ? 0 : 1;
        }
    }

    private ValueTask<NtStatus> Ioctl(FileObject file, IoStatusBlock iosb, int length)
    {
        var input = new UserBuffer(_address, _buffer.AsMemory(0, length));
        if (_robot)
        {
            // IOCTL_ROBOT_MOVE to a point within the arm's reach; each AfterThought above clamps it to its box.
            var (x, y) = (_random.Next(2 * ProsewareRobot.Reach + 1) - ProsewareRobot.Reach, _random.Next(2 * ProsewareRobot.Reach + 1) - ProsewareRobot.Reach);
            RobotCodes.WritePosition(_buffer, x, y);
            foreach (var box in Target.SafetyBoxes)
            {
                (x, y) = (Math.Clamp(x, -box.Limit, box.Limit), Math.Clamp(y, -box.Limit, box.Limit));
            }
            _expected = (x, y);
            _output.AsSpan().Clear();
            return NtDeviceIoControlFile(file, iosb, RobotCodes.Move, new UserBuffer(_address, _buffer.AsMemory(0, RobotCodes.PositionSize)), RobotCodes.PositionSize,
                new UserBuffer(_address + 0x80_0000, _output.AsMemory(0, RobotCodes.PositionSize)), RobotCodes.PositionSize);
        }
        if (!_sioctl)
        {
            return NtDeviceIoControlFile(file, iosb, UnhandledIoctl, input, (uint)length, null, 0);
        }
        // The four METHOD_ types in turn; the output buffer is a separate range of the thread's space.
        var code = SioctlMethods[_ioctlIndex++ & 3];
        _output.AsSpan().Clear();
        var output = new UserBuffer(_address + 0x80_0000, _output.AsMemory(0, Math.Max(length, SioctlCodes.Reply.Length)));
        return NtDeviceIoControlFile(file, iosb, code, input, (uint)length, output, (uint)output.Bytes.Length);
    }

    private static string Name(NtStatus status) => status.GetMacroName() ?? status.ToDisplayString();

    private void Fail(string status)
    {
        Result.Failed++;
        Failures[status] = Failures.GetValueOrDefault(status) + 1;
    }

    /// <summary>The run ended with this worker's request still in flight (a driver lost it): counted as failed.</summary>
    /// <returns>1 when a request was abandoned, else 0.</returns>
    public int AbandonInFlight()
    {
        if (Result.InFlight == 0)
        {
            return 0;
        }
        Result.InFlight = 0;
        Fail("never completed");
        return 1;
    }

    /// <summary>The machine crashed: the request in flight is lost (failed), as the crash dump lists it.</summary>
    public void LoseInFlight()
    {
        if (Result.InFlight > 0)
        {
            Result.InFlight = 0;
            Result.Failed++;
            Result.LostInCrash++;
        }
    }
}
