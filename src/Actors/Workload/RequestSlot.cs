using System.Globalization;
using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// One request in flight at a time: a synchronous thread has one, an overlapped thread one per unit of
/// queue depth. The slot owns a slice of the region (so its reads check against its own writes), its
/// buffers in the process, its OVERLAPPED and its generator, and the request it has out.
/// </summary>
internal sealed class RequestSlot
{
    private readonly UserWorkload _workload;
    private readonly WorkloadDefinition _definition;
    private readonly DataVerifier? _verifier;
    private readonly WorkloadIoctl? _ioctl;
    private readonly byte[] _data;
    private readonly byte[] _output;
    private readonly long _sliceOffset;
    private readonly long _sliceLength;
    private ulong _dataAddress;
    private ulong _outputAddress;

    // Frames this slot sent (Frames workloads): the high bits of each frame's tag.
    private uint _framesSent;

    // The request out: valid while Outstanding.
    private long _id;
    private IrpMajorFunction _operation;
    private long _offset;
    private int _length;
    private uint _generation;
    private IoctlCall _call;
    private long _startNs;
    private long _startWall;

    public RequestSlot(UserWorkload workload, int index, DeterministicRandom random, WorkloadStatistics statistics)
    {
        _workload = workload;
        _definition = workload.Definition;
        Index = index;
        Random = random;
        Statistics = statistics;
        var d = _definition;
        var align = d.Sizes.Alignment;
        if (d.RegionLength > 0)
        {
            _sliceLength = d.RegionLength / d.QueueDepth / align * align;
            _sliceOffset = d.RegionOffset + (index * _sliceLength);
            _verifier = d.VerifyData ? new DataVerifier(_sliceOffset, _sliceLength, align, d.RegionStartsZeroed) : null;
        }
        _ioctl = d.Mix.Ioctl > 0 ? d.Ioctls!() : null;
        var max = (int)(d.RegionLength > 0 ? Math.Min(d.Sizes.Max, _sliceLength) : d.Sizes.Max);
        _data = new byte[Math.Max(max, _ioctl?.MaxInputLength ?? 0)];
        _output = new byte[Math.Max(1, _ioctl?.MaxOutputLength ?? 0)];
    }

    /// <summary>The slot's number in its workload.</summary>
    public int Index { get; }

    /// <summary>The slot's generator (derived from the workload's by slot number, so thread interleaving does not change it).</summary>
    public DeterministicRandom Random { get; }

    /// <summary>The counters of the thread the slot belongs to.</summary>
    public WorkloadStatistics Statistics { get; }

    /// <summary>The OVERLAPPED the slot reuses for each request: on a synchronous handle it only carries the offset.</summary>
    public Overlapped Overlapped { get; } = new();

    /// <summary>A request is out and not yet seen complete.</summary>
    public bool Outstanding { get; private set; }

    /// <summary>The request's id (workload-wide, in issue order).</summary>
    public long RequestId => _id;

    /// <summary>Allocates the slot's buffers in <paramref name="process"/> (from the slot's thread: the program's own memory).</summary>
    public void AllocateBuffers(UserProcess process)
    {
        _dataAddress = process.VirtualAlloc((ulong)Math.Max(_data.Length, 1));
        _outputAddress = process.VirtualAlloc((ulong)_output.Length);
    }

    /// <summary>Draws the next request and writes what it sends into the process's buffers.</summary>
    public void Prepare(UserProcess process, long id)
    {
        var d = _definition;
        _id = id;
        _operation = d.Mix.Next(Random);
        _length = d.Sizes.Next(Random, d.RegionLength > 0 ? _sliceLength : int.MaxValue);
        var align = d.Sizes.Alignment;
        _offset = d.RegionLength > 0 ? _sliceOffset + (Random.NextInt64(0, ((_sliceLength - _length) / align) + 1) * align) : 0;
        var stats = Statistics;
        stats.Issued++;
        stats.InFlight++;
        switch (_operation)
        {
            case IrpMajorFunction.Read:
                stats.Reads++;
                break;
            case IrpMajorFunction.Write:
                stats.Writes++;
                if (_verifier is not null)
                {
                    _generation = _verifier.BeginWrite(_offset, _data.AsSpan(0, _length));
                    process.WriteMemory(_dataAddress, _data.AsSpan(0, _length));
                }
                else if (d.Frames)
                {
                    // The frame's tag: this slot's next, unique within the workload (slot index in the low byte).
                    _generation = (++_framesSent << 8) | (uint)(Index & 0xFF);
                    FramePattern.Fill(_data.AsSpan(0, _length), _generation);
                    process.WriteMemory(_dataAddress, _data.AsSpan(0, _length));
                }
                break;
            default:
                stats.Ioctls++;
                _call = _ioctl!.Prepare(Random, _data, _length);
                if (_call.InputLength > 0)
                {
                    process.WriteMemory(_dataAddress, _data.AsSpan(0, _call.InputLength));
                }
                if (_call.OutputLength > 0)
                {
                    // A fresh output buffer: a reply the driver did not write must not pass the check.
                    _output.AsSpan(0, _call.OutputLength).Clear();
                    process.WriteMemory(_outputAddress, _output.AsSpan(0, _call.OutputLength));
                }
                break;
        }
        Outstanding = true;
        _startNs = _workload.NowNanoseconds;
        _startWall = _workload.WallTimestamp();
    }

    /// <summary>Sends the prepared request (on <see cref="Overlapped"/> when the handle is overlapped).</summary>
    public ValueTask<IoResult> Issue(Handle file)
    {
        var overlapped = Overlapped;
        overlapped.Offset = _offset;
        return _operation switch
        {
            IrpMajorFunction.Read => Kernel32.ReadFile(file, _dataAddress, (uint)_length, overlapped),
            IrpMajorFunction.Write => Kernel32.WriteFile(file, _dataAddress, (uint)_length, overlapped),
            _ => Kernel32.DeviceIoControl(file, _call.Code, _call.InputLength > 0 ? _dataAddress : 0, (uint)_call.InputLength,
                _call.OutputLength > 0 ? _outputAddress : 0, (uint)_call.OutputLength, overlapped),
        };
    }

    /// <summary>Accounts the completion of the request out; false when none was out (a second completion).</summary>
    public bool Complete(UserProcess process, NtStatus status, ulong bytes)
    {
        var stats = Statistics;
        if (!Outstanding)
        {
            stats.DuplicateCompletions++;
            return false;
        }
        Outstanding = false;
        stats.InFlight--;
        stats.Latency.Record(_workload.NowNanoseconds - _startNs);
        if (_workload.WallTimestamp() is var wall and not 0)
        {
            stats.WallLatency.Record(_workload.WallElapsedNanoseconds(_startWall, wall));
        }
        var succeeded = status.IsSuccess();
        if (_operation == IrpMajorFunction.Write)
        {
            _verifier?.EndWrite(_offset, _length, _generation, succeeded, bytes);
        }
        if (!succeeded)
        {
            stats.Fail(status);
        }
        else
        {
            stats.Completed++;
            stats.Bytes += (long)bytes;
            Verify(process, bytes);
        }
        stats.AssertInvariants();
        _workload.OnCompleted(new CompletedRequest(_id, Index, _operation, status, bytes, _offset, _length));
        return true;
    }

    /// <summary>The run gave up on the request out: counted failed (abandoned, or lost in a crash).</summary>
    public int GiveUp(bool crashed)
    {
        if (!Outstanding)
        {
            return 0;
        }
        Outstanding = false;
        var stats = Statistics;
        stats.InFlight--;
        stats.Failed++;
        if (crashed)
        {
            stats.LostInCrash++;
        }
        else
        {
            stats.Abandoned++;
        }
        stats.AssertInvariants();
        return 1;
    }

    private void Verify(UserProcess process, ulong bytes)
    {
        var stats = Statistics;
        if (_operation == IrpMajorFunction.Read && _verifier is not null)
        {
            var data = _data.AsSpan(0, _length);
            process.ReadMemory(_dataAddress, data);
            stats.Verified++;
            if (bytes != (ulong)_length)
            {
                Mismatch(string.Create(CultureInfo.InvariantCulture, $"request {_id}: read of {_length} bytes at {_offset} returned {bytes}"));
            }
            else if (!_verifier.CheckRead(_offset, data, out var at))
            {
                Mismatch(string.Create(CultureInfo.InvariantCulture,
                    $"request {_id}: read of {_length} bytes at {_offset}: byte at device offset {at} is 0x{data[(int)(at - _offset)]:X2}, expected 0x{_verifier.ExpectedAt(at):X2}"));
            }
        }
        else if (_operation == IrpMajorFunction.Read && _definition.Frames)
        {
            var frame = _data.AsSpan(0, (int)Math.Min(bytes, (ulong)_length));
            process.ReadMemory(_dataAddress, frame);
            if (FramePattern.Check(frame) is { } intact)
            {
                stats.Verified++;
                if (!intact)
                {
                    Mismatch(string.Create(CultureInfo.InvariantCulture, $"request {_id}: the frame received ({bytes} bytes) is not the frame its sender built"));
                }
            }
        }
        else if (_operation == IrpMajorFunction.DeviceControl && _ioctl is not null)
        {
            var output = _output.AsSpan(0, _call.OutputLength);
            if (output.Length > 0)
            {
                process.ReadMemory(_outputAddress, output);
            }
            if (_ioctl.Check(output, (uint)bytes) is { } right)
            {
                stats.Verified++;
                if (!right)
                {
                    Mismatch(string.Create(CultureInfo.InvariantCulture, $"request {_id}: IOCTL 0x{(uint)_call.Code.Value:X8} returned a wrong reply ({bytes} bytes)"));
                }
            }
        }
    }

    private void Mismatch(string description)
    {
        Statistics.Mismatches++;
        Statistics.FirstMismatch ??= description;
    }

}
