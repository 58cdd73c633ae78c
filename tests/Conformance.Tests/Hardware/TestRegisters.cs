using ActorKernel.Hardware;

namespace ActorKernel.Conformance.Tests.Hardware;

/// <summary>A register window for tests: plain storage that records every access (offset, width, value).</summary>
internal sealed class TestRegisters(int length) : IRegisterWindow
{
    private readonly byte[] _bytes = new byte[length];

    public int Length => length;

    public List<(bool Write, int Offset, AccessWidth Width, uint Value)> Accesses { get; } = [];

    public uint Read(int offset, AccessWidth width)
    {
        uint v = 0;
        for (var i = (int)width - 1; i >= 0; i--)
        {
            v = (v << 8) | _bytes[offset + i];
        }
        Accesses.Add((false, offset, width, v));
        return v;
    }

    public void Write(int offset, AccessWidth width, uint value)
    {
        Accesses.Add((true, offset, width, value));
        for (var i = 0; i < (int)width; i++)
        {
            _bytes[offset + i] = (byte)(value >> (8 * i));
        }
    }

    public void Set(int offset, uint value)
    {
        for (var i = 0; i < 4; i++)
        {
            _bytes[offset + i] = (byte)(value >> (8 * i));
        }
    }
}
