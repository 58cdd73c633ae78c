using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Host;

/// <summary>
/// A filter or function device object of a demo stack: passes requests down (IoCallDriver) and
/// completions up (IoCompleteRequest) unchanged. The function driver's object also takes planted
/// bugchecks: it throws the bugcheck and, standing in for the processor that ran it, stops the machine.
/// </summary>
internal sealed class StackLayerActor(DeviceStack stack, int index, string driver, DemoMachine machine) : ActorBase
{
    protected override bool Receive(object message)
    {
        if (machine.IsCrashed)
        {
            return true;
        }
        try
        {
            return Dispatch(message);
        }
        catch (BugCheckException bugCheck)
        {
            machine.Crash(bugCheck, driver, stack.Device);
            return true;
        }
    }

    private bool Dispatch(object message)
    {
        switch (message)
        {
            case DemoRequest request when request.Completing:
                request.Location = index - 1;
                (index == 0 ? request.Workload : stack.Layers[index - 1]).Tell(request, Self);
                return true;
            case DemoRequest request:
                request.Location = index + 1;
                stack.Layers[index + 1].Tell(request, Self);
                return true;
            case DemoMessages.PlantedBugCheck b:
                throw new BugCheckException(b.Code, b.P1, b.P2, b.P3, b.P4);
            default:
                return false;
        }
    }
}
