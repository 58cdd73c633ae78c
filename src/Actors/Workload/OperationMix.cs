using System.Globalization;
using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>The shares of reads, writes and device I/O controls a workload issues (weights; they need not sum to 1).</summary>
/// <param name="Read">The weight of IRP_MJ_READ (ReadFile).</param>
/// <param name="Write">The weight of IRP_MJ_WRITE (WriteFile).</param>
/// <param name="Ioctl">The weight of IRP_MJ_DEVICE_CONTROL (DeviceIoControl).</param>
public sealed record OperationMix(double Read, double Write = 0, double Ioctl = 0)
{
    /// <summary>Reads only.</summary>
    public static OperationMix ReadOnly { get; } = new(1);

    /// <summary>Throws when a weight is negative or not a number, or all are 0.</summary>
    public void Validate()
    {
        if (!(Read >= 0) || !(Write >= 0) || !(Ioctl >= 0) || Read + Write + Ioctl <= 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"an operation mix needs weights >= 0 and one above 0 (read {Read}, write {Write}, ioctl {Ioctl})"));
        }
    }

    /// <summary>The next operation: one draw of <paramref name="random"/>.</summary>
    /// <param name="random">The slot's generator.</param>
    /// <returns><see cref="IrpMajorFunction.Read"/>, <see cref="IrpMajorFunction.Write"/> or <see cref="IrpMajorFunction.DeviceControl"/>.</returns>
    public IrpMajorFunction Next(DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var pick = random.NextDouble() * (Read + Write + Ioctl);
        return pick < Read ? IrpMajorFunction.Read
            : pick < Read + Write ? IrpMajorFunction.Write
            : Ioctl > 0 ? IrpMajorFunction.DeviceControl
            : Write > 0 ? IrpMajorFunction.Write
            : IrpMajorFunction.Read;
    }
}
