using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using ActorKernel.Hardware;

namespace ActorKernel.Actors;

/// <summary>
/// DMA_OPERATIONS: the services of a <see cref="DmaAdapter"/>, called as in C with the adapter as the
/// first argument. Those that may run a driver routine (AllocateAdapterChannel, GetScatterGatherList,
/// and the frees, which start the next waiting request as NT's IoFreeAdapterChannel does) are
/// awaitable; the others charge their cost and return. Misuse is reported naming the driver
/// (<see cref="Hal.Findings"/>); under Driver Verifier it bugchecks DRIVER_VERIFIER_DMA_VIOLATION
/// (0xE6) with the real subcode where one exists (docs/hardware.md lists which).
/// </summary>
public sealed class DmaOperations
{
    internal DmaOperations()
    {
    }

    /// <summary>
    /// AllocateAdapterChannel: asks for the adapter's channel and <paramref name="numberOfMapRegisters"/>
    /// map registers. When both are free (and nobody waits before it) <paramref name="executionRoutine"/>
    /// runs now, at DISPATCH_LEVEL, on this processor; otherwise it is queued and runs, in order, inside
    /// the FreeAdapterChannel / FreeMapRegisters / PutScatterGatherList that returns enough.
    /// </summary>
    /// <param name="dmaAdapter">The adapter.</param>
    /// <param name="deviceObject">The driver's device object (its CurrentIrp is passed to the routine).</param>
    /// <param name="numberOfMapRegisters">At most the NumberOfMapRegisters IoGetDmaAdapter granted.</param>
    /// <param name="executionRoutine">The AdapterControl routine.</param>
    /// <param name="context">Its context.</param>
    /// <param name="routineName">Filled by the compiler: the routine's name for traces and crash dumps.</param>
    /// <returns>STATUS_SUCCESS (granted or queued), or STATUS_INSUFFICIENT_RESOURCES for more map registers than granted.</returns>
    /// <remarks>IRQL == DISPATCH_LEVEL. Under Driver Verifier too many map registers bugchecks 0xE6 (P1 0x0C).</remarks>
    public ValueTask<NtStatus> AllocateAdapterChannel(DmaAdapter dmaAdapter, DeviceObject deviceObject, uint numberOfMapRegisters, DriverControl executionRoutine,
        object? context, [CallerArgumentExpression(nameof(executionRoutine))] string routineName = "")
    {
        ArgumentNullException.ThrowIfNull(dmaAdapter);
        ArgumentNullException.ThrowIfNull(deviceObject);
        ArgumentNullException.ThrowIfNull(executionRoutine);
        var p = HalpEnter(dmaAdapter, nameof(AllocateAdapterChannel), Irql.DispatchLevel, exact: true);
        if (numberOfMapRegisters > dmaAdapter.MapRegistersPerChannel)
        {
            HalpViolation(p, dmaAdapter, DmaVerifierViolation.TooManyMapRegisters, numberOfMapRegisters, dmaAdapter.MapRegistersPerChannel, 0,
                HalViolation.MapRegistersExceeded, $"AllocateAdapterChannel asked for {numberOfMapRegisters} map registers; the adapter granted {dmaAdapter.MapRegistersPerChannel}");
            return new ValueTask<NtStatus>(NtStatus.InsufficientResources);
        }
        var module = p.Top?.Module ?? KernelModule.Kernel;
        var name = HalpName(routineName, executionRoutine);
        MapRegisterBase? granted = null;
        lock (dmaAdapter.Sync)
        {
            // Decided and taken under one lock: another processor cannot take the registers in between.
            if (dmaAdapter.Waiters.Count == 0 && !dmaAdapter.ChannelAllocated && dmaAdapter.FreeRegisters >= numberOfMapRegisters)
            {
                granted = HalpTakeChannel(dmaAdapter, numberOfMapRegisters);
            }
            else
            {
                // Only a request that must wait pays for a wait block.
                dmaAdapter.Waiters.Enqueue(new DmaWaitBlock
                {
                    DeviceObject = deviceObject,
                    Irp = deviceObject.CurrentIrp,
                    MapRegisters = numberOfMapRegisters,
                    AdapterControl = executionRoutine,
                    Context = context,
                    Module = module,
                    RoutineName = name,
                });
            }
        }
        return granted is null ? new ValueTask<NtStatus>(NtStatus.Success) : HalpRunChannelNow(dmaAdapter, deviceObject, executionRoutine, context, module, name, granted);
    }

    private static async ValueTask<NtStatus> HalpRunChannelNow(DmaAdapter adapter, DeviceObject deviceObject, DriverControl routine, object? context,
        KernelModule module, string routineName, MapRegisterBase granted)
    {
        await HalpRun(adapter, deviceObject, deviceObject.CurrentIrp, routine, context, module, routineName, granted);
        await HalpRunWaiters(adapter);
        return NtStatus.Success;
    }

    /// <summary>
    /// GetScatterGatherList: builds the scatter/gather list of <paramref name="length"/> bytes at
    /// <paramref name="currentVa"/> of the locked buffer <paramref name="mdl"/> (one element per
    /// physically contiguous run) and, once the map registers it needs are free, runs
    /// <paramref name="executionRoutine"/> with it at DISPATCH_LEVEL (now, or inside a later free).
    /// </summary>
    /// <param name="dmaAdapter">The adapter.</param>
    /// <param name="deviceObject">The driver's device object.</param>
    /// <param name="mdl">The buffer's MDL (chained MDLs are followed); its pages must be locked.</param>
    /// <param name="currentVa">MmGetMdlVirtualAddress(mdl) plus the offset of this transfer.</param>
    /// <param name="length">The transfer's length.</param>
    /// <param name="executionRoutine">The AdapterListControl routine.</param>
    /// <param name="context">Its context.</param>
    /// <param name="writeToDevice">True when the device reads memory (a write request).</param>
    /// <param name="routineName">Filled by the compiler.</param>
    /// <returns>STATUS_SUCCESS; STATUS_INSUFFICIENT_RESOURCES when the transfer needs more map registers than granted; STATUS_INVALID_PARAMETER for an MDL that is not locked or a range outside it.</returns>
    /// <remarks>IRQL == DISPATCH_LEVEL.</remarks>
    public ValueTask<NtStatus> GetScatterGatherList(DmaAdapter dmaAdapter, DeviceObject deviceObject, Mdl mdl, ulong currentVa, uint length,
        DriverListControl executionRoutine, object? context, bool writeToDevice, [CallerArgumentExpression(nameof(executionRoutine))] string routineName = "")
    {
        ArgumentNullException.ThrowIfNull(dmaAdapter);
        ArgumentNullException.ThrowIfNull(deviceObject);
        ArgumentNullException.ThrowIfNull(mdl);
        ArgumentNullException.ThrowIfNull(executionRoutine);
        _ = writeToDevice;
        var p = HalpEnter(dmaAdapter, nameof(GetScatterGatherList), Irql.DispatchLevel, exact: true);
        var needed = (uint)SpanPages(currentVa, length);
        if (needed > dmaAdapter.MapRegistersPerChannel)
        {
            HalpViolation(p, dmaAdapter, DmaVerifierViolation.TooManyMapRegisters, needed, dmaAdapter.MapRegistersPerChannel, 0,
                HalViolation.MapRegistersExceeded, $"GetScatterGatherList of {length} bytes needs {needed} map registers; the adapter granted {dmaAdapter.MapRegistersPerChannel}");
            return new ValueTask<NtStatus>(NtStatus.InsufficientResources);
        }
        var list = HalpRentList(p, dmaAdapter);
        if (!HalpFillList(p, dmaAdapter, mdl, currentVa, length, list))
        {
            HalpReturnList(dmaAdapter, list);
            return new ValueTask<NtStatus>(NtStatus.InvalidParameter);
        }
        list.MapRegisters = needed;
        p.KiCharge(dmaAdapter.Hal.Costs.DmaPerElementNs * list.NumberOfElements);
        dmaAdapter.Hal.HalpCountTransfer(length);
        var module = p.Top?.Module ?? KernelModule.Kernel;
        lock (dmaAdapter.Sync)
        {
            if (dmaAdapter.Waiters.Count == 0 && dmaAdapter.FreeRegisters >= needed)
            {
                HalpTakeList(dmaAdapter, list);
            }
            else
            {
                // Only a request that must wait pays for a wait block.
                dmaAdapter.Waiters.Enqueue(new DmaWaitBlock
                {
                    DeviceObject = deviceObject,
                    Irp = deviceObject.CurrentIrp,
                    MapRegisters = needed,
                    ListControl = executionRoutine,
                    Context = context,
                    Module = module,
                    RoutineName = HalpName(routineName, executionRoutine),
                    List = list,
                });
                return new ValueTask<NtStatus>(NtStatus.Success);
            }
        }
        return HalpRunListNow(dmaAdapter, deviceObject, executionRoutine, context, module, HalpName(routineName, executionRoutine), list);
    }

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<NtStatus> HalpRunListNow(DmaAdapter adapter, DeviceObject deviceObject, DriverListControl routine, object? context,
        KernelModule module, string routineName, ScatterGatherList list)
    {
        await HalpCallListControl(adapter, deviceObject, deviceObject.CurrentIrp, routine, context, module, routineName, list);
        await HalpRunWaiters(adapter);
        return NtStatus.Success;
    }

    /// <summary>PutScatterGatherList: returns a list and its map registers; a request waiting for them runs now.</summary>
    /// <param name="dmaAdapter">The adapter.</param>
    /// <param name="scatterGather">The list AdapterListControl was given.</param>
    /// <param name="writeToDevice">As given to GetScatterGatherList.</param>
    /// <returns>A task completing after any waiting request's routine ran.</returns>
    /// <remarks>IRQL == DISPATCH_LEVEL. Putting a list twice: 0xE6 (P1 0x06) under Driver Verifier.</remarks>
    public ValueTask PutScatterGatherList(DmaAdapter dmaAdapter, ScatterGatherList scatterGather, bool writeToDevice)
    {
        ArgumentNullException.ThrowIfNull(dmaAdapter);
        ArgumentNullException.ThrowIfNull(scatterGather);
        _ = writeToDevice;
        var p = HalpEnter(dmaAdapter, nameof(PutScatterGatherList), Irql.DispatchLevel, exact: true);
        bool twice, waiting;
        long allocated, freed;
        lock (dmaAdapter.Sync)
        {
            waiting = dmaAdapter.Waiters.Count != 0;
            twice = scatterGather.Released || !ReferenceEquals(scatterGather.Adapter, dmaAdapter);
            if (!twice)
            {
                scatterGather.Released = true;
                dmaAdapter.FreeRegisters += scatterGather.MapRegisters;
                dmaAdapter.OutstandingScatterGatherLists--;
                dmaAdapter.ListsFreed++;
                if (!dmaAdapter.Hal.HalpVerified(p))
                {
                    dmaAdapter.ListPool.Push(scatterGather);
                }
            }
            allocated = dmaAdapter.ListsAllocated;
            freed = dmaAdapter.ListsFreed;
        }
        if (twice)
        {
            HalpViolation(p, dmaAdapter, DmaVerifierViolation.TooManyScatterGatherListsFreed, (ulong)allocated, (ulong)freed + 1, 0,
                HalViolation.DmaBookkeeping, "PutScatterGatherList of a list already put back");
            return ValueTask.CompletedTask;
        }
        // Decided under the lock that freed the registers: a request that queued since saw them free.
        return waiting ? HalpRunWaiters(dmaAdapter) : ValueTask.CompletedTask;
    }

    /// <summary>
    /// MapTransfer: the logical address of the physically contiguous run at <paramref name="currentVa"/>
    /// of the locked buffer, <paramref name="length"/> cut to that run (call again for the rest). Uses
    /// one map register per page until FlushAdapterBuffers.
    /// </summary>
    /// <param name="dmaAdapter">The adapter.</param>
    /// <param name="mdl">The buffer's MDL.</param>
    /// <param name="mapRegisterBase">The registers AdapterControl was given.</param>
    /// <param name="currentVa">The transfer's position in the buffer.</param>
    /// <param name="length">In: bytes wanted; out: bytes mapped.</param>
    /// <param name="writeToDevice">True when the device reads memory.</param>
    /// <returns>The logical (physical) address to program the device with; 0 with length 0 when nothing could be mapped.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. Using more registers than the base holds: 0xE6 (P1 0x0C) under Driver Verifier.</remarks>
    public ulong MapTransfer(DmaAdapter dmaAdapter, Mdl mdl, MapRegisterBase mapRegisterBase, ulong currentVa, ref uint length, bool writeToDevice)
    {
        ArgumentNullException.ThrowIfNull(dmaAdapter);
        ArgumentNullException.ThrowIfNull(mdl);
        ArgumentNullException.ThrowIfNull(mapRegisterBase);
        _ = writeToDevice;
        var p = HalpEnter(dmaAdapter, nameof(MapTransfer), Irql.DispatchLevel, exact: false);
        if (mapRegisterBase.Freed || !ReferenceEquals(mapRegisterBase.Adapter, dmaAdapter))
        {
            dmaAdapter.Hal.HalpReport(p, HalViolation.DmaBookkeeping, dmaAdapter.Address, "MapTransfer with map registers already freed (or of another adapter)");
            length = 0;
            return 0;
        }
        if (!HalpFirstRun(p, dmaAdapter, mdl, currentVa, length, out var run))
        {
            length = 0;
            return 0;
        }
        var pages = (uint)SpanPages(run.Address, run.Length);
        if (mapRegisterBase.InUse + pages > mapRegisterBase.Count)
        {
            HalpViolation(p, dmaAdapter, DmaVerifierViolation.TooManyMapRegisters, mapRegisterBase.InUse + pages, mapRegisterBase.Count, 0,
                HalViolation.MapRegistersExceeded, $"MapTransfer needs {mapRegisterBase.InUse + pages} map registers; the channel holds {mapRegisterBase.Count}");
            var left = mapRegisterBase.Count - mapRegisterBase.InUse;
            if (left == 0)
            {
                length = 0;
                return 0;
            }
            // Map only what the remaining registers cover.
            var first = PhysicalMemory.PageSize - (uint)(run.Address & (PhysicalMemory.PageSize - 1));
            run = run with { Length = Math.Min(run.Length, first + ((left - 1) * (uint)PhysicalMemory.PageSize)) };
            pages = left;
        }
        mapRegisterBase.InUse += pages;
        p.KiCharge(dmaAdapter.Hal.Costs.DmaPerElementNs * pages);
        dmaAdapter.Hal.HalpCountTransfer(run.Length);
        length = run.Length;
        return run.Address;
    }

    /// <summary>FlushAdapterBuffers: ends a transfer mapped by MapTransfer (the map registers can map the next one).</summary>
    /// <param name="dmaAdapter">The adapter.</param>
    /// <param name="mdl">The buffer's MDL.</param>
    /// <param name="mapRegisterBase">The registers.</param>
    /// <param name="currentVa">The transfer's start.</param>
    /// <param name="length">Its length.</param>
    /// <param name="writeToDevice">True when the device read memory.</param>
    /// <returns>True; false when the range runs past the MDL.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. Flushing past the end of the buffer: 0xE6 (P1 0x00, P2 0x1) under Driver Verifier.</remarks>
    public bool FlushAdapterBuffers(DmaAdapter dmaAdapter, Mdl mdl, MapRegisterBase mapRegisterBase, ulong currentVa, uint length, bool writeToDevice)
    {
        ArgumentNullException.ThrowIfNull(dmaAdapter);
        ArgumentNullException.ThrowIfNull(mdl);
        ArgumentNullException.ThrowIfNull(mapRegisterBase);
        _ = writeToDevice;
        var p = HalpEnter(dmaAdapter, nameof(FlushAdapterBuffers), Irql.DispatchLevel, exact: false);
        var start = mdl.StartVa + mdl.ByteOffset;
        var left = currentVa >= start && currentVa - start <= mdl.ByteCount ? mdl.ByteCount - (currentVa - start) : 0;
        if (length > left)
        {
            HalpViolation(p, dmaAdapter, DmaVerifierViolation.Miscellaneous, 0x1, left, length,
                HalViolation.MapRegistersExceeded, $"FlushAdapterBuffers of {length} bytes with {left} left in the MDL");
            return false;
        }
        mapRegisterBase.InUse = 0;
        return true;
    }

    /// <summary>FreeAdapterChannel: releases the channel (after AdapterControl returned KeepObject) and the map registers it holds; the next waiting request runs now.</summary>
    /// <param name="dmaAdapter">The adapter.</param>
    /// <returns>A task completing after any waiting request's routine ran.</returns>
    /// <remarks>IRQL == DISPATCH_LEVEL. Freeing a channel not held: 0xE6 (P1 0x04) under Driver Verifier.</remarks>
    public ValueTask FreeAdapterChannel(DmaAdapter dmaAdapter)
    {
        ArgumentNullException.ThrowIfNull(dmaAdapter);
        var p = HalpEnter(dmaAdapter, nameof(FreeAdapterChannel), Irql.DispatchLevel, exact: true);
        bool held, waiting;
        lock (dmaAdapter.Sync)
        {
            waiting = dmaAdapter.Waiters.Count != 0;
            held = dmaAdapter.ChannelAllocated;
            if (held)
            {
                HalpReleaseChannel(dmaAdapter, keepRegisters: false);
            }
        }
        if (!held)
        {
            HalpViolation(p, dmaAdapter, DmaVerifierViolation.TooManyAdapterChannelsFreed, 1, 0, 0, HalViolation.DmaBookkeeping, "FreeAdapterChannel without an adapter channel allocated");
            return ValueTask.CompletedTask;
        }
        return waiting ? HalpRunWaiters(dmaAdapter) : ValueTask.CompletedTask;
    }

    /// <summary>FreeMapRegisters: releases registers kept after AdapterControl returned DeallocateObjectKeepRegisters; a waiting request may run now.</summary>
    /// <param name="dmaAdapter">The adapter.</param>
    /// <param name="mapRegisterBase">The registers.</param>
    /// <param name="numberOfMapRegisters">How many (as allocated).</param>
    /// <returns>A task completing after any waiting request's routine ran.</returns>
    /// <remarks>IRQL == DISPATCH_LEVEL. Freeing registers twice: 0xE6 (P1 0x05) under Driver Verifier.</remarks>
    public ValueTask FreeMapRegisters(DmaAdapter dmaAdapter, MapRegisterBase mapRegisterBase, uint numberOfMapRegisters)
    {
        ArgumentNullException.ThrowIfNull(dmaAdapter);
        ArgumentNullException.ThrowIfNull(mapRegisterBase);
        var p = HalpEnter(dmaAdapter, nameof(FreeMapRegisters), Irql.DispatchLevel, exact: true);
        bool freed, waiting;
        lock (dmaAdapter.Sync)
        {
            waiting = dmaAdapter.Waiters.Count != 0;
            freed = mapRegisterBase.Freed || !ReferenceEquals(mapRegisterBase.Adapter, dmaAdapter);
            if (!freed)
            {
                mapRegisterBase.Freed = true;
                dmaAdapter.FreeRegisters += mapRegisterBase.Count;
                if (ReferenceEquals(dmaAdapter.Channel, mapRegisterBase))
                {
                    mapRegisterBase.ChannelHeld = false;
                }
            }
        }
        if (freed)
        {
            HalpViolation(p, dmaAdapter, DmaVerifierViolation.TooManyMapRegistersFreed, numberOfMapRegisters, 0, 0, HalViolation.DmaBookkeeping,
                $"FreeMapRegisters of {numberOfMapRegisters} map registers already freed");
            return ValueTask.CompletedTask;
        }
        return waiting ? HalpRunWaiters(dmaAdapter) : ValueTask.CompletedTask;
    }

    /// <summary>
    /// AllocateCommonBuffer: physically contiguous memory both the driver (at the returned system
    /// address) and the device (at <paramref name="logicalAddress"/>) reach: descriptor rings, mailboxes.
    /// </summary>
    /// <param name="dmaAdapter">The adapter.</param>
    /// <param name="length">Bytes.</param>
    /// <param name="logicalAddress">Receives the address the device uses.</param>
    /// <param name="cacheEnabled">Informational.</param>
    /// <returns>The system virtual address, or 0 (NULL) when no contiguous run is free.</returns>
    /// <remarks>IRQL == PASSIVE_LEVEL.</remarks>
    public ulong AllocateCommonBuffer(DmaAdapter dmaAdapter, uint length, out ulong logicalAddress, bool cacheEnabled)
    {
        ArgumentNullException.ThrowIfNull(dmaAdapter);
        _ = cacheEnabled;
        var p = HalpEnter(dmaAdapter, nameof(AllocateCommonBuffer), Irql.PassiveLevel, exact: true);
        logicalAddress = 0;
        if (length == 0)
        {
            return 0;
        }
        var physical = dmaAdapter.Hal.Platform.Memory;
        var pages = (int)SpanPages(0, length);
        if (!physical.TryAllocateContiguous(pages, out var firstPfn))
        {
            return 0;
        }
        var mdl = new Mdl(0, 0, length, p.Top?.Module.Name);
        for (var i = 0; i < pages; i++)
        {
            mdl.PfnArray[i] = firstPfn + (ulong)i;
        }
        mdl.Flags |= MdlFlags.PagesLocked;
        var va = p.Machine.Memory.MmGetSystemAddressForMdlSafe(p.KiMemoryContext(), mdl);
        if (va == 0)
        {
            physical.FreeContiguous(firstPfn, pages);
            return 0;
        }
        logicalAddress = firstPfn << PhysicalMemory.PageShift;
        lock (dmaAdapter.Sync)
        {
            dmaAdapter.CommonBuffers[va] = new DmaAdapter.CommonBuffer(va, logicalAddress, length, firstPfn, pages, mdl);
        }
        return va;
    }

    /// <summary>FreeCommonBuffer: frees a common buffer.</summary>
    /// <param name="dmaAdapter">The adapter.</param>
    /// <param name="length">Its length.</param>
    /// <param name="logicalAddress">Its logical address.</param>
    /// <param name="virtualAddress">Its system address.</param>
    /// <param name="cacheEnabled">As allocated.</param>
    /// <remarks>IRQL == PASSIVE_LEVEL. Freeing one not allocated (or twice): 0xE6 (P1 0x03) under Driver Verifier.</remarks>
    public void FreeCommonBuffer(DmaAdapter dmaAdapter, uint length, ulong logicalAddress, ulong virtualAddress, bool cacheEnabled)
    {
        ArgumentNullException.ThrowIfNull(dmaAdapter);
        _ = cacheEnabled;
        var p = HalpEnter(dmaAdapter, nameof(FreeCommonBuffer), Irql.PassiveLevel, exact: true);
        DmaAdapter.CommonBuffer? buffer;
        lock (dmaAdapter.Sync)
        {
            if (dmaAdapter.CommonBuffers.TryGetValue(virtualAddress, out buffer) && buffer.LogicalAddress == logicalAddress)
            {
                dmaAdapter.CommonBuffers.Remove(virtualAddress);
            }
            else
            {
                buffer = null;
            }
        }
        if (buffer is null)
        {
            HalpViolation(p, dmaAdapter, DmaVerifierViolation.TooManyCommonBuffersFreed, 1, 0, 0, HalViolation.DmaBookkeeping,
                FormattableString.Invariant($"FreeCommonBuffer of 0x{virtualAddress:X} ({length} bytes), not an outstanding common buffer"));
            return;
        }
        p.Machine.Memory.MmUnmapLockedPages(p.KiMemoryContext(), virtualAddress, buffer.Mdl);
        dmaAdapter.Hal.Platform.Memory.FreeContiguous(buffer.FirstPfn, buffer.Pages);
    }

    /// <summary>PutDmaAdapter: releases the adapter. Everything allocated from it must be freed first.</summary>
    /// <param name="dmaAdapter">The adapter.</param>
    /// <remarks>IRQL == PASSIVE_LEVEL. Outstanding common buffers, channels, map registers or lists: 0xE6 (P1 0x07, 0x08, 0x09, 0x0A) under Driver Verifier.</remarks>
    public void PutDmaAdapter(DmaAdapter dmaAdapter)
    {
        ArgumentNullException.ThrowIfNull(dmaAdapter);
        var p = HalpEnter(dmaAdapter, nameof(PutDmaAdapter), Irql.PassiveLevel, exact: true);
        int buffers, lists;
        bool channel;
        uint registers;
        lock (dmaAdapter.Sync)
        {
            buffers = dmaAdapter.CommonBuffers.Count;
            channel = dmaAdapter.ChannelAllocated;
            registers = dmaAdapter.OutstandingMapRegisters;
            lists = dmaAdapter.OutstandingScatterGatherLists;
            dmaAdapter.Released = true;
        }
        if (buffers > 0)
        {
            HalpViolation(p, dmaAdapter, DmaVerifierViolation.AdapterReleasedWithCommonBuffers, dmaAdapter.Address, (ulong)buffers, 0, HalViolation.DmaBookkeeping,
                $"PutDmaAdapter with {buffers} common buffer(s) outstanding");
        }
        else if (channel)
        {
            HalpViolation(p, dmaAdapter, DmaVerifierViolation.AdapterReleasedWithAdapterChannels, dmaAdapter.Address, 1, 0, HalViolation.DmaBookkeeping,
                "PutDmaAdapter with its adapter channel allocated");
        }
        else if (lists > 0)
        {
            HalpViolation(p, dmaAdapter, DmaVerifierViolation.AdapterReleasedWithScatterGatherLists, dmaAdapter.Address, (ulong)lists, 0, HalViolation.DmaBookkeeping,
                $"PutDmaAdapter with {lists} scatter/gather list(s) outstanding");
        }
        else if (registers > 0)
        {
            HalpViolation(p, dmaAdapter, DmaVerifierViolation.AdapterReleasedWithMapRegisters, dmaAdapter.Address, registers, 0, HalViolation.DmaBookkeeping,
                $"PutDmaAdapter with {registers} map register(s) outstanding");
        }
    }

    // ---- the adapter's wait queue ----

    /// <summary>Runs the waiting requests that can be granted now, in order (head-of-line, as the adapter's device queue).</summary>
    /// <remarks>Not async itself: with no request to grant (the usual case) it takes the lock once and returns a completed task.</remarks>
    private static ValueTask HalpRunWaiters(DmaAdapter adapter)
    {
        DmaWaitBlock? next;
        object? granted;
        lock (adapter.Sync)
        {
            if (!HalpTryTakeWaiter(adapter, out next, out granted))
            {
                return ValueTask.CompletedTask;
            }
        }
        return HalpRunGranted(adapter, next, granted);
    }

    /// <summary>Runs <paramref name="next"/>'s routine with what it was granted, then every later waiter that can be granted.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
    private static async ValueTask HalpRunGranted(DmaAdapter adapter, DmaWaitBlock next, object granted)
    {
        while (true)
        {
            if (granted is MapRegisterBase channel)
            {
                await HalpRun(adapter, next.DeviceObject, next.Irp, next.AdapterControl!, next.Context, next.Module, next.RoutineName, channel);
            }
            else
            {
                await HalpCallListControl(adapter, next.DeviceObject, next.Irp, next.ListControl!, next.Context, next.Module, next.RoutineName, (ScatterGatherList)granted);
            }
            lock (adapter.Sync)
            {
                if (!HalpTryTakeWaiter(adapter, out var waiter, out var grant))
                {
                    return;
                }
                next = waiter;
                granted = grant;
            }
        }
    }

    // Lock held: dequeues the head waiter and takes what it asked for, if it can be granted now.
    private static bool HalpTryTakeWaiter(DmaAdapter adapter, [NotNullWhen(true)] out DmaWaitBlock? next, [NotNullWhen(true)] out object? granted)
    {
        if (adapter.Waiters.Count == 0 || !HalpCanGrant(adapter, adapter.Waiters.Peek()))
        {
            next = null;
            granted = null;
            return false;
        }
        next = adapter.Waiters.Dequeue();
        granted = HalpTake(adapter, next);
        return true;
    }

    private static bool HalpCanGrant(DmaAdapter adapter, DmaWaitBlock wait) =>
        (!wait.NeedsChannel || !adapter.ChannelAllocated) && adapter.FreeRegisters >= wait.MapRegisters;

    // Lock held.
    private static object HalpTake(DmaAdapter adapter, DmaWaitBlock wait)
    {
        if (wait.NeedsChannel)
        {
            return HalpTakeChannel(adapter, wait.MapRegisters);
        }
        HalpTakeList(adapter, wait.List!);
        return wait.List!;
    }

    // Lock held.
    private static MapRegisterBase HalpTakeChannel(DmaAdapter adapter, uint mapRegisters)
    {
        adapter.FreeRegisters -= mapRegisters;
        var mapRegisterBase = new MapRegisterBase(adapter, mapRegisters) { ChannelHeld = true };
        adapter.ChannelAllocated = true;
        adapter.Channel = mapRegisterBase;
        return mapRegisterBase;
    }

    // Lock held.
    private static void HalpTakeList(DmaAdapter adapter, ScatterGatherList list)
    {
        adapter.FreeRegisters -= list.MapRegisters;
        adapter.OutstandingScatterGatherLists++;
        adapter.ListsAllocated++;
    }

    /// <summary>Calls the granted request's routine at DISPATCH_LEVEL on this processor, in its driver's name; applies AdapterControl's IO_ALLOCATION_ACTION.</summary>
    private static async ValueTask HalpRun(DmaAdapter adapter, DeviceObject deviceObject, Irp? irp, DriverControl routine, object? context,
        KernelModule module, string routineName, MapRegisterBase mapRegisterBase)
    {
        var p = Processor.Current;
        Irql? old = p.Irql < Irql.DispatchLevel ? p.KiRaiseIrql(Irql.DispatchLevel) : null;
        p.KiCharge(adapter.Hal.Costs.DmaOperationNs);
        IoAllocationAction action;
        using (KernelContext.EnterModule(module, routineName))
        {
            action = await routine(deviceObject, irp, mapRegisterBase, context);
        }
        lock (adapter.Sync)
        {
            if (action != IoAllocationAction.KeepObject && adapter.ChannelAllocated && ReferenceEquals(adapter.Channel, mapRegisterBase))
            {
                HalpReleaseChannel(adapter, keepRegisters: action == IoAllocationAction.DeallocateObjectKeepRegisters);
            }
        }
        if (old is { } irql)
        {
            await p.KiLowerIrql(irql);
        }
    }

    /// <summary>Calls AdapterListControl at DISPATCH_LEVEL on this processor, in its driver's name.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
    private static async ValueTask HalpCallListControl(DmaAdapter adapter, DeviceObject deviceObject, Irp? irp, DriverListControl routine, object? context,
        KernelModule module, string routineName, ScatterGatherList list)
    {
        var p = Processor.Current;
        Irql? old = p.Irql < Irql.DispatchLevel ? p.KiRaiseIrql(Irql.DispatchLevel) : null;
        p.KiCharge(adapter.Hal.Costs.DmaOperationNs);
        using (KernelContext.EnterModule(module, routineName))
        {
            await routine(deviceObject, irp, list, context);
        }
        if (old is { } irql)
        {
            await p.KiLowerIrql(irql);
        }
    }

    // Lock held.
    private static void HalpReleaseChannel(DmaAdapter adapter, bool keepRegisters)
    {
        adapter.ChannelAllocated = false;
        var channel = adapter.Channel;
        adapter.Channel = null;
        if (channel is null)
        {
            return;
        }
        channel.ChannelHeld = false;
        if (!keepRegisters && !channel.Freed)
        {
            channel.Freed = true;
            adapter.FreeRegisters += channel.Count;
        }
    }

    // ---- checks and helpers ----

    private static Processor HalpEnter(DmaAdapter adapter, string service, Irql irql, bool exact)
    {
        var p = Processor.Current;
        p.KiCharge(adapter.Hal.Costs.DmaOperationNs);
        var current = p.KiRoutineIrql;
        if (exact ? current != irql : current > irql)
        {
            adapter.Hal.HalpReport(p, HalViolation.DmaWrongIrql, adapter.Address,
                $"{service} called at {current.ToDisplayString()}; it requires {(exact ? "" : "<= ")}{irql.ToDisplayString()}");
        }
        return p;
    }

    /// <summary>Under Driver Verifier: bugcheck 0xE6 with the subcode. Otherwise: a finding naming the driver.</summary>
    private static void HalpViolation(Processor p, DmaAdapter adapter, DmaVerifierViolation code, ulong p2, ulong p3, ulong p4, HalViolation finding, string detail)
    {
        if (adapter.Hal.HalpVerified(p))
        {
            throw p.KiBugCheck(p.Top, BugCheckCode.DriverVerifierDmaViolation, (ulong)code, p2, p3, p4, detail);
        }
        adapter.Hal.HalpReport(p, finding, adapter.Address, detail);
    }

    private static ScatterGatherList HalpRentList(Processor p, DmaAdapter adapter)
    {
        if (!adapter.Hal.HalpVerified(p))
        {
            lock (adapter.Sync)
            {
                if (adapter.ListPool.TryPop(out var pooled))
                {
                    pooled.Clear();
                    return pooled;
                }
            }
        }
        // Elements never outnumber the pages a transfer spans, which never exceed the registers granted.
        return new ScatterGatherList(adapter, (int)adapter.MapRegistersPerChannel);
    }

    private static void HalpReturnList(DmaAdapter adapter, ScatterGatherList list)
    {
        lock (adapter.Sync)
        {
            adapter.ListPool.Push(list);
        }
    }

    /// <summary>
    /// Fills <paramref name="list"/> with the physical runs of [currentVa, +length) of a locked MDL chain,
    /// adjacent frames merged; false, reported, when a page is not locked or the range leaves the buffer.
    /// </summary>
    private static bool HalpFillList(Processor p, DmaAdapter adapter, Mdl mdl, ulong currentVa, uint length, ScatterGatherList list)
    {
        if (!HalpCheckStart(p, adapter, mdl, currentVa, out var offset))
        {
            return false;
        }
        ulong remaining = length;
        for (Mdl? m = mdl; remaining > 0; m = m.Next, offset = 0)
        {
            if (m is null)
            {
                adapter.Hal.HalpReport(p, HalViolation.DmaToUnlockedMemory, currentVa, FormattableString.Invariant($"a transfer of {length} bytes runs past the end of the MDL chain"));
                return false;
            }
            if (!HalpCheckLocked(p, adapter, m))
            {
                return false;
            }
            while (remaining > 0 && offset < m.ByteCount)
            {
                var chunk = HalpPageChunk(m, offset, remaining, out var physical);
                list.AddRun(physical, (uint)chunk);
                offset += chunk;
                remaining -= chunk;
            }
        }
        return true;
    }

    /// <summary>The first physically contiguous run of [currentVa, +length) within <paramref name="mdl"/> (MapTransfer maps within one MDL).</summary>
    private static bool HalpFirstRun(Processor p, DmaAdapter adapter, Mdl mdl, ulong currentVa, uint length, out ScatterGatherElement run)
    {
        run = default;
        if (!HalpCheckStart(p, adapter, mdl, currentVa, out var offset) || !HalpCheckLocked(p, adapter, mdl))
        {
            return false;
        }
        ulong remaining = Math.Min(length, mdl.ByteCount - offset);
        while (remaining > 0)
        {
            var chunk = HalpPageChunk(mdl, offset, remaining, out var physical);
            if (run.Length == 0)
            {
                run = new ScatterGatherElement(physical, (uint)chunk);
            }
            else if (run.Address + run.Length == physical)
            {
                run = run with { Length = run.Length + (uint)chunk };
            }
            else
            {
                break;
            }
            offset += chunk;
            remaining -= chunk;
        }
        return run.Length != 0;
    }

    private static bool HalpCheckStart(Processor p, DmaAdapter adapter, Mdl mdl, ulong currentVa, out ulong offset)
    {
        var start = mdl.StartVa + mdl.ByteOffset;
        offset = currentVa - start;
        if (currentVa < start || offset > mdl.ByteCount)
        {
            adapter.Hal.HalpReport(p, HalViolation.DmaToUnlockedMemory, currentVa,
                FormattableString.Invariant($"CurrentVa 0x{currentVa:X} lies outside the MDL's buffer 0x{start:X} (+0x{mdl.ByteCount:X})"));
            return false;
        }
        return true;
    }

    private static bool HalpCheckLocked(Processor p, DmaAdapter adapter, Mdl m)
    {
        if (!m.IsManaged && (m.Flags & (MdlFlags.PagesLocked | MdlFlags.SourceIsNonPagedPool)) != 0)
        {
            return true;
        }
        adapter.Hal.HalpReport(p, HalViolation.DmaToUnlockedMemory, m.StartVa + m.ByteOffset, m.IsManaged
            ? "DMA to a managed buffer's MDL, which has no page frames"
            : "DMA to an MDL whose pages are not locked (MmProbeAndLockPages or MmBuildMdlForNonPagedPool first)");
        return false;
    }

    /// <summary>The bytes from <paramref name="offset"/> to the end of its page (at most <paramref name="remaining"/>) and their physical address.</summary>
    private static ulong HalpPageChunk(Mdl m, ulong offset, ulong remaining, out ulong physical)
    {
        var at = m.ByteOffset + offset;
        var pfn = m.Pfns[(int)(at >> PhysicalMemory.PageShift)];
        var inPage = at & (PhysicalMemory.PageSize - 1);
        physical = (pfn << PhysicalMemory.PageShift) | inPage;
        return Math.Min(Math.Min((ulong)PhysicalMemory.PageSize - inPage, remaining), m.ByteCount - offset);
    }

    private static readonly Dictionary<string, string> s_routineNames = new(StringComparer.Ordinal);

    /// <summary>The routine's display name, cached by its call-site expression (the hot path makes no string).</summary>
    private static string HalpName(string expression, Delegate routine)
    {
        lock (s_routineNames)
        {
            if (!s_routineNames.TryGetValue(expression, out var name))
            {
                name = Wdm.KiRoutineName(expression, routine.Method.Name);
                s_routineNames[expression] = name;
            }
            return name;
        }
    }

    private static ulong SpanPages(ulong address, ulong size) =>
        size == 0 ? 0 : (((address & (PhysicalMemory.PageSize - 1)) + size + PhysicalMemory.PageSize - 1) >> PhysicalMemory.PageShift);
}
