using System.Buffers.Binary;

namespace ActorKernel.Hardware;

// The command engine: fetch and decode from the submission ring, cost on the virtual clock, the
// data transfer by DMA, the completion entry. Called on the controller's actor, under its lock.
public sealed partial class BlockController
{
    /// <summary>Fetches the next command if the controller is free; called on the controller's actor.</summary>
    /// <returns>The command's cost in nanoseconds, or -1 when no command was started.</returns>
    internal long EngineStartNext()
    {
        lock (_lock)
        {
            if (_busy || _hung || _unplugged || (_control & BlockControl.Enable) == 0 || _submissionHead == _submissionTail
                || (_completionTail + 1) % _depth == _completionHead)
            {
                return -1;
            }
            Span<byte> entry = stackalloc byte[BlockCommandLayout.CommandSize];
            var slot = _submissionBase + ((ulong)_submissionHead * BlockCommandLayout.CommandSize);
            _submissionHead = (_submissionHead + 1) % _depth;
            _busy = true;
            if (!TryDma(slot, entry, toMemory: false))
            {
                _opcode = BlockOpcode.Flush;
                _commandId = 0;
                _status = BlockCommandStatus.DataTransferError;
                return _options.CommandOverheadNs;
            }
            _opcode = (BlockOpcode)entry[0];
            _segmentCount = BinaryPrimitives.ReadUInt16LittleEndian(entry[2..]);
            _commandId = BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]);
            _lba = (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
            _sectors = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(entry[16..]), int.MaxValue);
            _status = Decode(BinaryPrimitives.ReadUInt64LittleEndian(entry[24..]));
            return _status == BlockCommandStatus.Success ? Cost() : _options.CommandOverheadNs;
        }
    }

    private BlockCommandStatus Decode(ulong segmentList)
    {
        switch (_opcode)
        {
            case BlockOpcode.Flush:
                return BlockCommandStatus.Success;
            case BlockOpcode.Read:
            case BlockOpcode.Write:
                break;
            default:
                return BlockCommandStatus.InvalidOpcode;
        }
        if (_sectors == 0 || _segmentCount == 0 || _segmentCount > _options.MaxSegments)
        {
            return BlockCommandStatus.InvalidField;
        }
        if (_lba < 0 || _lba + _sectors > _image.SectorCount)
        {
            return BlockCommandStatus.LbaOutOfRange;
        }
        Span<byte> descriptor = stackalloc byte[BlockCommandLayout.SegmentSize];
        long total = 0;
        for (var i = 0; i < _segmentCount; i++)
        {
            if (!TryDma(segmentList + ((ulong)i * BlockCommandLayout.SegmentSize), descriptor, toMemory: false))
            {
                return BlockCommandStatus.DataTransferError;
            }
            _segments[i] = (BinaryPrimitives.ReadUInt64LittleEndian(descriptor), BinaryPrimitives.ReadUInt32LittleEndian(descriptor[8..]));
            total += _segments[i].Length;
        }
        // The segments describe exactly the transfer, no more, no less.
        return total == (long)_sectors * _image.SectorSize ? BlockCommandStatus.Success : BlockCommandStatus.InvalidField;
    }

    private long Cost()
    {
        var o = _options;
        switch (_opcode)
        {
            case BlockOpcode.Write when (_control & BlockControl.WriteCacheEnable) != 0:
                return o.CommandOverheadNs; // lands in the cache; the medium is untouched
            case BlockOpcode.Read:
            case BlockOpcode.Write:
                var seek = _lba == _headLba ? 0 : o.SeekNs;
                _headLba = _lba + _sectors;
                return o.CommandOverheadNs + seek + (_sectors * o.SectorTransferNs);
            default:
                long cost = o.CommandOverheadNs;
                var next = long.MinValue;
                foreach (var lba in _dirty.Keys)
                {
                    cost += (lba == next ? 0 : o.SeekNs) + o.SectorTransferNs;
                    next = lba + 1;
                }
                if (_dirty.Count != 0)
                {
                    _headLba = next;
                }
                return cost;
        }
    }

    /// <summary>The command's time has passed: move its data, post its completion; called on the controller's actor.</summary>
    /// <returns>Whether a command was completed.</returns>
    internal bool EngineComplete()
    {
        lock (_lock)
        {
            if (!_busy || _hung || _unplugged)
            {
                return false; // abandoned by a reset, a hang or an unplug
            }
            if (_status == BlockCommandStatus.Success)
            {
                _status = Execute();
            }
            PostCompletion();
            _busy = false;
            return true;
        }
    }

    private BlockCommandStatus Execute()
    {
        if (_opcode == BlockOpcode.Flush)
        {
            WriteBackCache();
            return BlockCommandStatus.Success;
        }
        if (_dmaErrorsPending > 0)
        {
            _dmaErrorsPending--;
            return BlockCommandStatus.DataTransferError; // injected: the bus-master engine fails before any data moves
        }
        var sectorSize = _image.SectorSize;
        var bytes = _sectors * sectorSize;
        if (_buffer.Length < bytes)
        {
            _buffer = new byte[bytes];
        }
        var data = _buffer.AsSpan(0, bytes);
        if (_opcode == BlockOpcode.Read)
        {
            _image.ReadSectors(_lba, data);
            if (_dirty.Count != 0)
            {
                for (var i = 0; i < _sectors; i++)
                {
                    if (_dirty.TryGetValue(_lba + i, out var cached))
                    {
                        cached.CopyTo(data.Slice(i * sectorSize, sectorSize));
                    }
                }
            }
            return MoveSegments(data, toMemory: true) ? BlockCommandStatus.Success : BlockCommandStatus.DataTransferError;
        }
        if (!MoveSegments(data, toMemory: false))
        {
            return BlockCommandStatus.DataTransferError;
        }
        if ((_control & BlockControl.WriteCacheEnable) != 0)
        {
            for (var i = 0; i < _sectors; i++)
            {
                _dirty[_lba + i] = data.Slice(i * sectorSize, sectorSize).ToArray();
            }
        }
        else
        {
            _image.WriteSectors(_lba, data);
            for (var i = 0; _dirty.Count != 0 && i < _sectors; i++)
            {
                _dirty.Remove(_lba + i);
            }
        }
        return BlockCommandStatus.Success;
    }

    private bool MoveSegments(Span<byte> data, bool toMemory)
    {
        for (var i = 0; i < _segmentCount; i++)
        {
            var (address, length) = _segments[i];
            if (!TryDma(address, data[..(int)length], toMemory))
            {
                return false;
            }
            data = data[(int)length..];
        }
        return true;
    }

    private bool TryDma(ulong address, Span<byte> data, bool toMemory)
    {
        try
        {
            if (toMemory)
            {
                _dma.DmaWrite(address, data);
            }
            else
            {
                _dma.DmaRead(address, data);
            }
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false; // no RAM answers at that address: a master abort
        }
    }

    private void PostCompletion()
    {
        Span<byte> entry = stackalloc byte[BlockCommandLayout.CompletionSize];
        entry.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(entry, _commandId);
        BinaryPrimitives.WriteUInt16LittleEndian(entry[4..], (ushort)_status);
        BinaryPrimitives.WriteUInt16LittleEndian(entry[6..], (ushort)_submissionHead);
        if (!TryDma(_completionBase + ((ulong)_completionTail * BlockCommandLayout.CompletionSize), entry, toMemory: true))
        {
            _status = BlockCommandStatus.DataTransferError; // the completion itself was lost; ERR tells the driver
        }
        else
        {
            _completionTail = (_completionTail + 1) % _depth;
            _interruptStatus |= BlockInterrupt.Completion;
        }
        if (_status != BlockCommandStatus.Success)
        {
            _error = (ushort)_status | ((_commandId & 0xFFFF) << 16);
            _interruptStatus |= BlockInterrupt.Error;
        }
        CompletedCommands++;
        UpdateInterrupt();
    }

    private void WriteBackCache()
    {
        foreach (var (lba, sector) in _dirty)
        {
            _image.WriteSectors(lba, sector);
        }
        _dirty.Clear();
    }
}
