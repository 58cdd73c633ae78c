using System.Runtime.CompilerServices;
using ActorKernel.Hardware;

namespace ActorKernel.Actors;

/// <summary>
/// The device's own work: the hardware models know nothing of the kernel, so the HAL reports the
/// register and port writes it decodes to a placed device (<see cref="DeviceProgrammed"/>) and the
/// processor the ISRs it starts on a line (<see cref="DeviceInterrupted"/>). The first write by a
/// request's StartIo or dispatch routine starts a <c>Device</c> span of that request, attributed to the
/// device; an ISR on the device's line ends the oldest one still open (a controller with several
/// commands queued finishes them in order): the time the device worked (seek, transfer, DMA, the wire)
/// instead of a gap between StartIo and the ISR. When one interrupt reports several commands done, the
/// later spans end at a later interrupt or with their request.
/// </summary>
public sealed partial class IoTraceRecorder
{
    // The open device spans per interrupt line, oldest first.
    private readonly SortedDictionary<int, List<TraceSpan>> _deviceWork = [];
    // How many device spans are open (read without the lock: while none is, an ISR has none to end).
    private int _deviceWorkOpen;

    /// <summary>A routine on <paramref name="processor"/> wrote a register or port of <paramref name="device"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // in the HAL's register and port writes: one read, no call, while nothing is recorded
    internal void DeviceProgrammed(PlacedDevice device, int processor)
    {
        if (Volatile.Read(ref _sampledOpen) != 0)
        {
            DeviceProgrammedLocked(device, processor);
        }
        // Else no recorded request is open, so no recorded routine is programming the device: no lock.
    }

    private void DeviceProgrammedLocked(PlacedDevice device, int processor)
    {
        lock (_gate)
        {
            var stack = StackOf(processor);
            // Only a request's own programming starts device work: not an ISR acknowledging, a DPC re-arming, or start-up.
            if (stack.Count == 0 || stack[^1] is not { Open: true, Category: TraceSpanCategory.StartIo or TraceSpanCategory.Dispatch, Owner: { Sampled: true, Finished: false } request } programmer
                || programmer.Category == TraceSpanCategory.Dispatch && request.Major is not (IrpMajorFunction.Read or IrpMajorFunction.Write or IrpMajorFunction.DeviceControl or IrpMajorFunction.InternalDeviceControl)
                || ProcessorState(processor).Innermost is { Running: true } kernel && kernel.Sequence > programmer.Sequence)
            {
                return;
            }
            var line = device.InterruptLine;
            if (line < 0)
            {
                return; // no line to end it
            }
            if (!_deviceWork.TryGetValue(line, out var open))
            {
                _deviceWork[line] = open = [];
            }
            if (open.Exists(s => ReferenceEquals(s.ParentSpan, programmer)))
            {
                return; // the same routine writing the command's next register
            }
            var span = NewSpanLocked("Device " + device.Name, TraceSpanCategory.Device, NowLocked());
            span.ProcessorNumber = processor;
            span.Owner = request;
            span.ParentSpan = programmer;
            span.Set(TraceAttributes.Device, device.Name);
            span.Set("nt.interrupt.line", (long)line);
            span.Set(TraceAttributes.Processor, (long)processor);
            request.Spans.Add(span);
            open.Add(span);
            Volatile.Write(ref _deviceWorkOpen, _deviceWorkOpen + 1);
        }
    }

    /// <summary>An ISR on <paramref name="line"/> starts: the device's work that raised it is over.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // in the processor's ISR hook: one read, no call, while no device span is open
    internal void DeviceInterrupted(int line)
    {
        if (Volatile.Read(ref _deviceWorkOpen) != 0)
        {
            DeviceInterruptedLocked(line);
        }
    }

    private void DeviceInterruptedLocked(int line)
    {
        lock (_gate)
        {
            if (!_deviceWork.TryGetValue(line, out var open) || open.Count == 0)
            {
                return;
            }
            var span = open[0];
            open.RemoveAt(0);
            Volatile.Write(ref _deviceWorkOpen, _deviceWorkOpen - 1);
            span.EndNs = Math.Max(span.StartNs, NowLocked());
            span.Open = false;
            span.Status = TraceStatusCode.Ok;
            AddTimelineLocked(new TimelineEvent(TimelineKind.Interval, span.StartNs, span.DurationNs, -1, span.Attribute(TraceAttributes.Device) as string ?? span.Name,
                span.Name, CategoryName(span.Category), span.Sequence, null));
        }
    }

    /// <summary><paramref name="request"/> ends: device work of it still open ends with it.</summary>
    private void ForgetDeviceWorkLocked(IoRequestTrace request)
    {
        if (_deviceWork.Count == 0)
        {
            return;
        }
        var removed = 0;
        foreach (var open in _deviceWork.Values)
        {
            removed += open.RemoveAll(s => ReferenceEquals(s.Owner, request));
        }
        Volatile.Write(ref _deviceWorkOpen, _deviceWorkOpen - removed);
    }
}
