using ActorKernel.Runtime;

namespace ActorKernel.Actors;

internal sealed partial class Processor
{
    /// <summary>
    /// A scheduling point of the running routine: lets the dispatcher's strategy run other actors'
    /// turns here (see <see cref="KiSchedulingPoint"/>), then makes this processor current again on the
    /// thread (a nested turn of another processor leaves no processor current when it ends).
    /// </summary>
    internal void KiInterleave(DeterministicDispatcher dispatcher)
    {
        var context = SynchronizationContext.Current;
        try
        {
            dispatcher.Interleave();
        }
        finally
        {
            t_current = this;
            if (SynchronizationContext.Current != context)
            {
                SynchronizationContext.SetSynchronizationContext(context);
            }
        }
    }
}
