namespace ActorKernel.Hardware.Tests.Fakes;

/// <summary>Physical memory as a flat byte array, for device models' DMA in register-level tests.</summary>
internal sealed class FakeDmaMemory(int size) : IDmaMemory
{
    public byte[] Bytes { get; } = new byte[size];

    public void DmaRead(ulong physicalAddress, Span<byte> destination) => Bytes.AsSpan((int)physicalAddress, destination.Length).CopyTo(destination);

    public void DmaWrite(ulong physicalAddress, ReadOnlySpan<byte> source) => source.CopyTo(Bytes.AsSpan((int)physicalAddress));
}
