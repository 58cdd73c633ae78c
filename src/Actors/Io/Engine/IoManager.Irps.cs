namespace ActorKernel.Actors;

public sealed partial class IoManager
{
    internal Irp IopAllocateIrp(sbyte stackSize) => new(this, AllocateAddress(), stackSize);
}
