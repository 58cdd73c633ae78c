using ActorKernel.Actors;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Hardware;

[Trait("Area", "Hardware")]
public sealed class DmaTests
{
    private const int PageSize = 4096;

    private static DeviceDescription BusMaster(uint maximumLength) => new()
    {
        Version = DeviceDescription.DeviceDescriptionVersion3,
        Master = true,
        ScatterGather = true,
        Dma32BitAddresses = true,
        InterfaceType = InterfaceType.PciBus,
        MaximumLength = maximumLength,
    };

    /// <summary>A 4-page user buffer whose pages were first touched in the order 2, 0, 1, 3, so their frames are not in buffer order.</summary>
    private static (AddressSpace Process, ulong Va) ScatteredUserBuffer(HalBed bed)
    {
        var mm = bed.Machine.Memory;
        var process = mm.CreateProcess("dma.exe");
        Assert.Equal(NtStatus.Success, mm.NtAllocateVirtualMemory(process, 4 * PageSize, out var va));
        foreach (var page in new[] { 2, 0, 1, 3 })
        {
            Assert.Equal(NtStatus.Success, mm.UserWrite(process, va + (ulong)(page * PageSize), [(byte)page]).Status);
        }
        return (process, va);
    }

    /// <summary>The physically contiguous runs of [offset, +length) of a buffer whose pages are <paramref name="pfns"/>.</summary>
    private static List<ScatterGatherElement> Runs(ulong[] pfns, ulong byteOffset, ulong length)
    {
        var runs = new List<ScatterGatherElement>();
        var at = byteOffset;
        while (length > 0)
        {
            var chunk = Math.Min(PageSize - (at % PageSize), length);
            var physical = (pfns[at / PageSize] * PageSize) + (at % PageSize);
            if (runs.Count > 0 && runs[^1].Address + runs[^1].Length == physical)
            {
                runs[^1] = runs[^1] with { Length = runs[^1].Length + (uint)chunk };
            }
            else
            {
                runs.Add(new ScatterGatherElement(physical, (uint)chunk));
            }
            at += chunk;
            length -= chunk;
        }
        return runs;
    }

    [Fact]
    public void GetScatterGatherList_of_pages_scattered_in_physical_memory_gives_elements_matching_the_MDLs_physical_runs_and_device_DMA_lands_in_the_user_buffer()
    {
        using var bed = new HalBed();
        var placed = bed.PlaceProbe();
        bed.Start(placed);
        var (process, va) = ScatteredUserBuffer(bed);
        const uint offset = 0x100, length = (4 * PageSize) - 0x200;
        ScatterGatherElement[] elements = [];
        ulong[] pfns = [];
        var status = NtStatus.Unsuccessful;
        var payload = Enumerable.Range(0, (int)length).Select(i => (byte)(i * 7)).ToArray();
        bed.Run(async () =>
        {
            var mdl = IoAllocateMdl(va + offset, length)!;
            await MmProbeAndLockPages(mdl, KProcessorMode.KernelMode, LockOperation.IoWriteAccess);
            pfns = MmGetMdlPfnArray(mdl).ToArray();
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(64 * 1024), out _)!;
            var old = KeRaiseIrql(Irql.DispatchLevel);
            ScatterGatherList? list = null;
            status = await adapter.DmaOperations.GetScatterGatherList(adapter, bed.Fdo, mdl, MmGetMdlVirtualAddress(mdl), length, (_, _, sgl, _) =>
            {
                list = sgl;
                elements = sgl.Elements.ToArray();
                // The device masters the transfer through its PCI function, element by element.
                var done = 0;
                foreach (var e in sgl.Elements)
                {
                    placed.Pci!.DmaMemory.DmaWrite(e.Address, payload.AsSpan(done, (int)e.Length));
                    done += (int)e.Length;
                }
                return ValueTask.CompletedTask;
            }, null, writeToDevice: false);
            await adapter.DmaOperations.PutScatterGatherList(adapter, list!, false);
            await KeLowerIrql(old);
            MmUnlockPages(mdl);
            IoFreeMdl(mdl);
            adapter.DmaOperations.PutDmaAdapter(adapter);
        }, process: process);

        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Analysis);
        Assert.Equal(NtStatus.Success, status);
        var expected = Runs(pfns, offset, length);
        Assert.True(expected.Count >= 2, "the buffer's frames are scattered, so the list has more than one element");
        Assert.Equal(expected, elements);
        var seen = new byte[length];
        bed.Machine.Memory.UserRead(process, va + offset, seen);
        Assert.Equal(payload, seen);
        Assert.Equal((1L, (long)length), (bed.Machine.Hal.DmaTransfers, bed.Machine.Hal.DmaBytes));
        Assert.Empty(bed.Machine.Hal.Findings);
    }

    [Fact]
    public void MapTransfer_returns_each_physically_contiguous_run_of_the_buffer_in_turn()
    {
        using var bed = new HalBed();
        var (process, va) = ScatteredUserBuffer(bed);
        var mapped = new List<ScatterGatherElement>();
        ulong[] pfns = [];
        bed.Run(async () =>
        {
            var mdl = IoAllocateMdl(va, 4 * PageSize)!;
            await MmProbeAndLockPages(mdl, KProcessorMode.KernelMode, LockOperation.IoReadAccess);
            pfns = MmGetMdlPfnArray(mdl).ToArray();
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(4 * PageSize), out var granted)!;
            var old = KeRaiseIrql(Irql.DispatchLevel);
            await adapter.DmaOperations.AllocateAdapterChannel(adapter, bed.Fdo, granted, (_, _, registers, _) =>
            {
                var current = MmGetMdlVirtualAddress(mdl);
                var left = MmGetMdlByteCount(mdl);
                while (left > 0)
                {
                    var length = left;
                    var logical = adapter.DmaOperations.MapTransfer(adapter, mdl, registers, current, ref length, writeToDevice: true);
                    mapped.Add(new ScatterGatherElement(logical, length));
                    current += length;
                    left -= length;
                }
                adapter.DmaOperations.FlushAdapterBuffers(adapter, mdl, registers, MmGetMdlVirtualAddress(mdl), MmGetMdlByteCount(mdl), true);
                return ValueTask.FromResult(IoAllocationAction.DeallocateObject);
            }, null);
            await KeLowerIrql(old);
            MmUnlockPages(mdl);
            IoFreeMdl(mdl);
            adapter.DmaOperations.PutDmaAdapter(adapter);
        }, process: process);

        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Analysis);
        Assert.Equal(Runs(pfns, 0, 4 * PageSize), mapped);
        Assert.Empty(bed.Machine.Hal.Findings);
    }

    [Fact]
    public void With_map_registers_exhausted_AllocateAdapterChannel_defers_AdapterControl_until_FreeMapRegisters()
    {
        using var bed = new HalBed(mapRegistersPerAdapter: 4);
        var log = new List<string>();
        uint granted = 0;
        NtStatus second = NtStatus.Unsuccessful;
        bed.Run(async () =>
        {
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(3 * PageSize), out granted)!;
            var old = KeRaiseIrql(Irql.DispatchLevel);
            MapRegisterBase? kept = null;
            await adapter.DmaOperations.AllocateAdapterChannel(adapter, bed.Fdo, 4, (_, _, registers, _) =>
            {
                log.Add($"first AdapterControl at {KeGetCurrentIrql()} with {registers.Count}");
                kept = registers;
                return ValueTask.FromResult(IoAllocationAction.DeallocateObjectKeepRegisters);
            }, null);
            second = await adapter.DmaOperations.AllocateAdapterChannel(adapter, bed.Fdo, 1, (_, _, registers, _) =>
            {
                log.Add($"second AdapterControl at {KeGetCurrentIrql()} with {registers.Count}");
                return ValueTask.FromResult(IoAllocationAction.DeallocateObject);
            }, null);
            log.Add($"waiting {adapter.WaitingRequests}, free {adapter.FreeRegisters}");
            await adapter.DmaOperations.FreeMapRegisters(adapter, kept!, 4);
            log.Add($"after FreeMapRegisters: waiting {adapter.WaitingRequests}, free {adapter.FreeRegisters}");
            await KeLowerIrql(old);
            adapter.DmaOperations.PutDmaAdapter(adapter);
        });

        Assert.Equal(4u, granted); // BYTES_TO_PAGES(3 pages) + 1
        Assert.Equal(NtStatus.Success, second); // queued, not refused
        Assert.Equal(
        [
            "first AdapterControl at DispatchLevel with 4",
            "waiting 1, free 0",
            "second AdapterControl at DispatchLevel with 1",
            "after FreeMapRegisters: waiting 0, free 4",
        ], log);
        Assert.Empty(bed.Machine.Hal.Findings);
    }

    [Fact]
    public void While_AdapterControl_keeps_the_channel_a_second_request_waits_for_FreeAdapterChannel()
    {
        using var bed = new HalBed();
        var log = new List<string>();
        bed.Run(async () =>
        {
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(PageSize), out _)!;
            var old = KeRaiseIrql(Irql.DispatchLevel);
            await adapter.DmaOperations.AllocateAdapterChannel(adapter, bed.Fdo, 1, (_, _, _, _) =>
            {
                log.Add("first");
                return ValueTask.FromResult(IoAllocationAction.KeepObject);
            }, null);
            await adapter.DmaOperations.AllocateAdapterChannel(adapter, bed.Fdo, 1, (_, _, _, _) =>
            {
                log.Add("second");
                return ValueTask.FromResult(IoAllocationAction.DeallocateObject);
            }, null);
            log.Add($"channel held, {adapter.WaitingRequests} waiting");
            await adapter.DmaOperations.FreeAdapterChannel(adapter);
            log.Add($"freed, channel {(adapter.ChannelAllocated ? "held" : "free")}");
            await KeLowerIrql(old);
        });
        Assert.Equal(["first", "channel held, 1 waiting", "second", "freed, channel free"], log);
    }

    [Fact]
    public void AllocateAdapterChannel_for_more_map_registers_than_granted_fails_STATUS_INSUFFICIENT_RESOURCES_and_is_reported()
    {
        using var bed = new HalBed();
        var status = NtStatus.Success;
        var called = false;
        bed.Run(async () =>
        {
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(PageSize), out var granted)!;
            var old = KeRaiseIrql(Irql.DispatchLevel);
            status = await adapter.DmaOperations.AllocateAdapterChannel(adapter, bed.Fdo, granted + 1, (_, _, _, _) =>
            {
                called = true;
                return ValueTask.FromResult(IoAllocationAction.DeallocateObject);
            }, null);
            await KeLowerIrql(old);
        });
        Assert.Equal(NtStatus.InsufficientResources, status);
        Assert.False(called);
        var finding = Assert.Single(bed.Machine.Hal.Findings);
        Assert.Equal((HalViolation.MapRegistersExceeded, "halprobe.sys"), (finding.Violation, finding.Driver));
    }

    [Fact]
    public void Under_Driver_Verifier_too_many_map_registers_bugchecks_DRIVER_VERIFIER_DMA_VIOLATION_0x0C()
    {
        using var bed = new HalBed(verify: true);
        var stop = bed.RunExpectingBugCheck(async () =>
        {
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(PageSize), out _)!; // grants 2
            var old = KeRaiseIrql(Irql.DispatchLevel);
            await adapter.DmaOperations.AllocateAdapterChannel(adapter, bed.Fdo, 5, (_, _, _, _) => ValueTask.FromResult(IoAllocationAction.DeallocateObject), null);
            await KeLowerIrql(old);
        });
        Assert.Equal((BugCheckCode.DriverVerifierDmaViolation, 0x0CUL, 5UL, 2UL, "halprobe.sys"), (stop.Code, stop.P1, stop.P2, stop.P3, stop.Module));
        Assert.Equal(0xE6u, (uint)stop.Code);
    }

    [Fact]
    public void Under_Driver_Verifier_MapTransfer_past_the_registers_the_channel_holds_bugchecks_0xE6_0x0C()
    {
        using var bed = new HalBed(verify: true);
        var (process, va) = ScatteredUserBuffer(bed);
        Mdl? mdl = null;
        bed.Run(async () =>
        {
            mdl = IoAllocateMdl(va, 4 * PageSize)!;
            await MmProbeAndLockPages(mdl, KProcessorMode.KernelMode, LockOperation.IoReadAccess);
        }, process: process);
        var stop = bed.RunExpectingBugCheck(async () =>
        {
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(PageSize), out var granted)!; // 2 registers
            var old = KeRaiseIrql(Irql.DispatchLevel);
            await adapter.DmaOperations.AllocateAdapterChannel(adapter, bed.Fdo, granted, (_, _, registers, _) =>
            {
                var current = MmGetMdlVirtualAddress(mdl!);
                for (var i = 0; i < 3; i++)
                {
                    var length = (uint)PageSize;
                    _ = adapter.DmaOperations.MapTransfer(adapter, mdl!, registers, current, ref length, true);
                    current += length;
                }
                return ValueTask.FromResult(IoAllocationAction.DeallocateObject);
            }, null);
            await KeLowerIrql(old);
        });
        Assert.Equal((BugCheckCode.DriverVerifierDmaViolation, 0x0CUL, 3UL, 2UL), (stop.Code, stop.P1, stop.P2, stop.P3));
    }

    [Fact]
    public void GetScatterGatherList_of_an_MDL_whose_pages_are_not_locked_is_refused_and_reported_naming_the_driver()
    {
        using var bed = new HalBed();
        var status = NtStatus.Success;
        bed.Run(async () =>
        {
            var pool = ExAllocatePool2(PoolFlags.NonPaged, 2 * PageSize, PoolTag.FromString("Dma "));
            var mdl = IoAllocateMdl(pool, 2 * PageSize)!; // never MmBuildMdlForNonPagedPool'd: no page frames
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(2 * PageSize), out _)!;
            var old = KeRaiseIrql(Irql.DispatchLevel);
            status = await adapter.DmaOperations.GetScatterGatherList(adapter, bed.Fdo, mdl, MmGetMdlVirtualAddress(mdl), 2 * PageSize,
                (_, _, _, _) => ValueTask.CompletedTask, null, true);
            await KeLowerIrql(old);
        });
        Assert.Equal(NtStatus.InvalidParameter, status);
        var finding = Assert.Single(bed.Machine.Hal.Findings);
        Assert.Equal((HalViolation.DmaToUnlockedMemory, "halprobe.sys", "ProbeRoutine"), (finding.Violation, finding.Driver, finding.Routine));
    }

    [Fact]
    public void Under_Driver_Verifier_PutScatterGatherList_twice_bugchecks_0xE6_0x06_with_lists_allocated_and_freed()
    {
        using var bed = new HalBed(verify: true);
        var stop = bed.RunExpectingBugCheck(async () =>
        {
            var pool = ExAllocatePool2(PoolFlags.NonPaged, PageSize, PoolTag.FromString("Dma "));
            var mdl = IoAllocateMdl(pool, PageSize)!;
            MmBuildMdlForNonPagedPool(mdl);
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(PageSize), out _)!;
            var old = KeRaiseIrql(Irql.DispatchLevel);
            ScatterGatherList? list = null;
            await adapter.DmaOperations.GetScatterGatherList(adapter, bed.Fdo, mdl, MmGetMdlVirtualAddress(mdl), PageSize, (_, _, sgl, _) =>
            {
                list = sgl;
                return ValueTask.CompletedTask;
            }, null, true);
            await adapter.DmaOperations.PutScatterGatherList(adapter, list!, true);
            await adapter.DmaOperations.PutScatterGatherList(adapter, list!, true);
            await KeLowerIrql(old);
        });
        Assert.Equal((BugCheckCode.DriverVerifierDmaViolation, 0x06UL, 1UL, 2UL), (stop.Code, stop.P1, stop.P2, stop.P3));
    }

    [Fact]
    public void Under_Driver_Verifier_freeing_map_registers_twice_bugchecks_0xE6_0x05_and_without_it_is_reported()
    {
        static Func<ValueTask> FreeTwice(HalBed bed) => async () =>
        {
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(PageSize), out _)!;
            var old = KeRaiseIrql(Irql.DispatchLevel);
            MapRegisterBase? kept = null;
            await adapter.DmaOperations.AllocateAdapterChannel(adapter, bed.Fdo, 2, (_, _, registers, _) =>
            {
                kept = registers;
                return ValueTask.FromResult(IoAllocationAction.DeallocateObjectKeepRegisters);
            }, null);
            await adapter.DmaOperations.FreeMapRegisters(adapter, kept!, 2);
            await adapter.DmaOperations.FreeMapRegisters(adapter, kept!, 2);
            await KeLowerIrql(old);
        };
        using (var verified = new HalBed(verify: true))
        {
            var stop = verified.RunExpectingBugCheck(FreeTwice(verified));
            Assert.Equal((BugCheckCode.DriverVerifierDmaViolation, 0x05UL, 2UL), (stop.Code, stop.P1, stop.P2));
        }
        using var plain = new HalBed();
        plain.Run(FreeTwice(plain));
        Assert.False(plain.Machine.IsBugChecked);
        Assert.Equal(HalViolation.DmaBookkeeping, Assert.Single(plain.Machine.Hal.Findings).Violation);
    }

    [Fact]
    public void Under_Driver_Verifier_FreeAdapterChannel_without_a_channel_bugchecks_0xE6_0x04()
    {
        using var bed = new HalBed(verify: true);
        var stop = bed.RunExpectingBugCheck(async () =>
        {
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(PageSize), out _)!;
            var old = KeRaiseIrql(Irql.DispatchLevel);
            await adapter.DmaOperations.FreeAdapterChannel(adapter);
            await KeLowerIrql(old);
        });
        Assert.Equal((BugCheckCode.DriverVerifierDmaViolation, 0x04UL, 1UL), (stop.Code, stop.P1, stop.P2));
    }

    [Fact]
    public void A_common_buffer_is_one_physical_run_the_device_writes_at_its_logical_address_and_the_driver_reads_at_its_virtual_address()
    {
        using var bed = new HalBed();
        var seen = new byte[3 * PageSize];
        var data = Enumerable.Range(0, seen.Length).Select(i => (byte)(i ^ 0x5A)).ToArray();
        ulong logical = 0;
        bed.Run(async () =>
        {
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(PageSize), out _)!;
            var va = adapter.DmaOperations.AllocateCommonBuffer(adapter, (uint)seen.Length, out logical, false);
            Assert.NotEqual(0UL, va);
            ((IDmaMemory)bed.Machine.Hal.Platform.Memory).DmaWrite(logical, data); // the device, at the logical address
            await RtlCopyMemory(seen, va);
            adapter.DmaOperations.FreeCommonBuffer(adapter, (uint)seen.Length, logical, va, false);
            adapter.DmaOperations.PutDmaAdapter(adapter);
        });
        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Analysis);
        Assert.Equal(data, seen);
        Assert.Equal(0UL, logical % PageSize);
        Assert.Empty(bed.Machine.Hal.Findings);
    }

    [Fact]
    public void Under_Driver_Verifier_PutDmaAdapter_with_a_common_buffer_outstanding_bugchecks_0xE6_0x07_and_freeing_it_twice_0x03()
    {
        using (var bed = new HalBed(verify: true))
        {
            ulong adapterAddress = 0;
            var stop = bed.RunExpectingBugCheck(() =>
            {
                var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(PageSize), out _)!;
                adapterAddress = adapter.Address;
                adapter.DmaOperations.AllocateCommonBuffer(adapter, PageSize, out _, false);
                adapter.DmaOperations.PutDmaAdapter(adapter);
                return ValueTask.CompletedTask;
            });
            Assert.Equal((BugCheckCode.DriverVerifierDmaViolation, 0x07UL, adapterAddress, 1UL), (stop.Code, stop.P1, stop.P2, stop.P3));
        }
        using (var bed = new HalBed(verify: true))
        {
            var stop = bed.RunExpectingBugCheck(() =>
            {
                var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(PageSize), out _)!;
                var va = adapter.DmaOperations.AllocateCommonBuffer(adapter, PageSize, out var logical, false);
                adapter.DmaOperations.FreeCommonBuffer(adapter, PageSize, logical, va, false);
                adapter.DmaOperations.FreeCommonBuffer(adapter, PageSize, logical, va, false);
                return ValueTask.CompletedTask;
            });
            Assert.Equal((BugCheckCode.DriverVerifierDmaViolation, 0x03UL, 1UL), (stop.Code, stop.P1, stop.P2));
        }
    }
    public enum Outstanding
    {
        Channel,
        ScatterGatherList,
        MapRegisters,
    }

    [Theory]
    [InlineData(Outstanding.Channel, 0x08UL, 1UL)]
    [InlineData(Outstanding.ScatterGatherList, 0x0AUL, 1UL)]
    [InlineData(Outstanding.MapRegisters, 0x09UL, 2UL)]
    public void Under_Driver_Verifier_PutDmaAdapter_with_a_channel_list_or_map_registers_outstanding_bugchecks_0xE6(Outstanding what, ulong subcode, ulong count)
    {
        using var bed = new HalBed(verify: true);
        ulong adapterAddress = 0;
        var stop = bed.RunExpectingBugCheck(async () =>
        {
            var pool = ExAllocatePool2(PoolFlags.NonPaged, PageSize, PoolTag.FromString("Dma "));
            var mdl = IoAllocateMdl(pool, PageSize)!;
            MmBuildMdlForNonPagedPool(mdl);
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(PageSize), out _)!;
            adapterAddress = adapter.Address;
            var old = KeRaiseIrql(Irql.DispatchLevel);
            if (what == Outstanding.ScatterGatherList)
            {
                await adapter.DmaOperations.GetScatterGatherList(adapter, bed.Fdo, mdl, MmGetMdlVirtualAddress(mdl), PageSize, (_, _, _, _) => ValueTask.CompletedTask, null, true);
            }
            else
            {
                var action = what == Outstanding.Channel ? IoAllocationAction.KeepObject : IoAllocationAction.DeallocateObjectKeepRegisters;
                await adapter.DmaOperations.AllocateAdapterChannel(adapter, bed.Fdo, 2, (_, _, _, _) => ValueTask.FromResult(action), null);
            }
            await KeLowerIrql(old);
            adapter.DmaOperations.PutDmaAdapter(adapter);
        });
        Assert.Equal((BugCheckCode.DriverVerifierDmaViolation, subcode, adapterAddress, count), (stop.Code, stop.P1, stop.P2, stop.P3));
    }

    [Fact]
    public void Under_Driver_Verifier_FlushAdapterBuffers_past_the_end_of_the_MDL_bugchecks_0xE6_0x00_with_P2_1()
    {
        using var bed = new HalBed(verify: true);
        var stop = bed.RunExpectingBugCheck(async () =>
        {
            var pool = ExAllocatePool2(PoolFlags.NonPaged, PageSize, PoolTag.FromString("Dma "));
            var mdl = IoAllocateMdl(pool, PageSize)!;
            MmBuildMdlForNonPagedPool(mdl);
            var adapter = IoGetDmaAdapter(bed.Pdo, BusMaster(PageSize), out _)!;
            var old = KeRaiseIrql(Irql.DispatchLevel);
            await adapter.DmaOperations.AllocateAdapterChannel(adapter, bed.Fdo, 1, (_, _, registers, _) =>
            {
                var length = (uint)PageSize;
                adapter.DmaOperations.MapTransfer(adapter, mdl, registers, MmGetMdlVirtualAddress(mdl), ref length, true);
                adapter.DmaOperations.FlushAdapterBuffers(adapter, mdl, registers, MmGetMdlVirtualAddress(mdl) + 0x100, PageSize, true);
                return ValueTask.FromResult(IoAllocationAction.DeallocateObject);
            }, null);
            await KeLowerIrql(old);
        });
        Assert.Equal((BugCheckCode.DriverVerifierDmaViolation, 0x00UL, 0x1UL, (ulong)(PageSize - 0x100), (ulong)PageSize), (stop.Code, stop.P1, stop.P2, stop.P3, stop.P4));
    }
}
