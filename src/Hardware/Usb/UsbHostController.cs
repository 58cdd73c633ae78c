using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// A USB 2.0 host controller with a root hub, read like a QEMU device model: the register map is
/// <see cref="UsbHostControllerRegister"/>, all state is in this class, <see cref="Read"/> and
/// <see cref="Write"/> switch on the offset, and <see cref="UpdateInterrupt"/> alone decides the line.
/// </summary>
/// <remarks>
/// <para><b>Datasheet.</b> EHCI-like, simplified. One 128-byte memory BAR; one level-triggered
/// interrupt; N_PORTS root ports (HCSPARAMS 3..0), each with a PORTSC at 0x50 + 4(n-1).</para>
/// <para><b>Bring-up.</b> With ASE clear the driver writes ASYNCLISTADDR (the physical address of a
/// ring of 64-byte transfer descriptors, <see cref="UsbTransferDescriptorLayout"/>) and
/// ASYNCLISTSIZE, sets USBINTR, then USBCMD.RS and USBCMD.ASE. HCRESET returns every operational
/// register to its reset value (ring indices 0, ports disabled; a connected port shows CSC).</para>
/// <para><b>Schedule.</b> The driver fills the descriptor at ASYNCTAIL with STATUS.ACTIVE set and
/// writes the next index to ASYNCTAIL (the doorbell). The controller fetches descriptors in ring
/// order by bus-master DMA, one at a time, and runs each against the device whose address it names
/// on an enabled port: a control descriptor runs SETUP (its inline packet), DATA and STATUS; a bulk
/// or interrupt descriptor moves LENGTH bytes to or from the endpoint, an IN ending early at a short
/// packet. Data moves only through the descriptor's segment list, by DMA. Each descriptor costs
/// TransferOverheadNs + ByteNs per byte + the device's own time; at its end the controller writes
/// ACTUAL and STATUS (ACTIVE clear, the completion code) back, advances ASYNCHEAD, and sets USBINT
/// (IOC and success) or USBERRINT (any error).</para>
/// <para><b>Root ports.</b> Attaching a device sets CCS and CSC; detaching clears CCS and PED and
/// sets CSC and PEDC; a descriptor in flight for the detached device completes with NoResponse and
/// moves no data, as later ones for its address do. Writing PR starts reset signalling
/// (PortResetNs): the device goes back to address 0, PR clears, PED and PRC are set. Every change bit
/// set sets USBSTS.PCD. CSC, PEDC, PRC are RW1C; writing PED 0 disables the port.</para>
/// <para><b>Interrupt.</b> The line is asserted while (USBSTS &amp; USBINTR &amp; 7) != 0 and drops
/// once the driver acknowledges each enabled cause by writing 1s to USBSTS.</para>
/// <para><b>Threads.</b> Register handlers run on the processor that accesses the BAR, the schedule
/// and port resets on the controller's actor, attach and detach on the caller; all take the lock.</para>
/// </remarks>
public sealed partial class UsbHostController : IRegisterWindow
{
    /// <summary>The BAR's size in bytes.</summary>
    public const int RegisterSpaceLength = 0x80;

    /// <summary>CAPLENGTH_HCIVERSION's value: version 1.00, operational registers at 0x20.</summary>
    public const uint CapLengthVersionValue = 0x0100_0020;

    private const UsbStatus CauseMask = UsbStatus.UsbInterrupt | UsbStatus.ErrorInterrupt | UsbStatus.PortChangeDetect;

    private readonly Lock _lock = new();
    private readonly UsbHostControllerOptions _options;
    private readonly IDmaMemory _dma;
    private readonly IInterruptPin _pin;
    private readonly RootPort[] _ports;
    private IActorRef? _engine;

    // Operational registers.
    private UsbCommand _command;
    private UsbStatus _status;
    private UsbStatus _interruptEnable;
    private ulong _asyncListAddress;
    private uint _asyncListSize = 2;
    private uint _asyncTail;
    private uint _asyncHead;
    private bool _lineAsserted;

    /// <summary>Creates a controller; it does nothing until <see cref="Attach(ActorSystem, string)"/>.</summary>
    /// <param name="options">Root ports and costs.</param>
    /// <param name="dma">What its bus-master engine reaches (physical memory).</param>
    /// <param name="pin">Its interrupt output.</param>
    public UsbHostController(UsbHostControllerOptions options, IDmaMemory dma, IInterruptPin pin)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dma);
        ArgumentNullException.ThrowIfNull(pin);
        options.Validate();
        _options = options;
        _dma = dma;
        _pin = pin;
        _ports = new RootPort[options.Ports];
        for (var i = 0; i < _ports.Length; i++)
        {
            _ports[i] = new RootPort();
        }
        _status = UsbStatus.Halted;
    }

    /// <inheritdoc />
    public int Length => RegisterSpaceLength;

    /// <summary>Root ports.</summary>
    public int PortCount => _ports.Length;

    /// <summary>Transfer descriptors completed (any code) since creation.</summary>
    public long CompletedTransfers { get; private set; }

    /// <summary>Whether the interrupt line is asserted now.</summary>
    public bool InterruptAsserted
    {
        get
        {
            lock (_lock)
            {
                return _lineAsserted;
            }
        }
    }

    /// <summary>The device on root port <paramref name="port"/> (1-based), or null.</summary>
    /// <param name="port">The port.</param>
    /// <returns>The device.</returns>
    public UsbDeviceModel? DeviceAt(int port)
    {
        lock (_lock)
        {
            return PortOf(port).Device;
        }
    }

    /// <summary>Creates the controller's actor, which runs its schedule on <paramref name="system"/>'s clock.</summary>
    /// <param name="system">The machine's actor system.</param>
    /// <param name="name">The actor's name.</param>
    /// <returns>The actor.</returns>
    public IActorRef Attach(ActorSystem system, string name)
    {
        ArgumentNullException.ThrowIfNull(system);
        if (_engine is not null)
        {
            throw new InvalidOperationException("The controller is already attached.");
        }
        _engine = system.ActorOf(Props.Create(() => new UsbHostControllerEngine(this)), name);
        return _engine;
    }

    /// <summary>Plugs <paramref name="device"/> into root port <paramref name="port"/>: CCS and CSC set, PCD set (the interrupt, if enabled).</summary>
    /// <param name="port">The 1-based port.</param>
    /// <param name="device">The device (in its default state after the coming reset).</param>
    /// <exception cref="InvalidOperationException">The port has a device.</exception>
    public void AttachDevice(int port, UsbDeviceModel device)
    {
        ArgumentNullException.ThrowIfNull(device);
        lock (_lock)
        {
            var root = PortOf(port);
            if (root.Device is not null)
            {
                throw new InvalidOperationException($"Port {port} already has a device.");
            }
            root.Device = device;
            root.Generation++;
            device.BusReset();
            root.Status = (root.Status & ~UsbPortStatusControl.SpeedMask) | UsbPortStatusControl.CurrentConnectStatus
                | (UsbPortStatusControl)((uint)device.Speed << 10);
            SetPortChange(root, UsbPortStatusControl.ConnectStatusChange);
        }
    }

    /// <summary>Pulls the device out of root port <paramref name="port"/>: CCS and PED clear, CSC and PEDC set; its transfer in flight ends with NoResponse.</summary>
    /// <param name="port">The 1-based port.</param>
    /// <returns>The device that was there, or null.</returns>
    public UsbDeviceModel? DetachDevice(int port)
    {
        UsbDeviceModel? device;
        lock (_lock)
        {
            var root = PortOf(port);
            device = root.Device;
            if (device is null)
            {
                return null;
            }
            root.Device = null;
            root.Generation++;
            var wasEnabled = (root.Status & UsbPortStatusControl.PortEnabled) != 0;
            root.Status &= ~(UsbPortStatusControl.CurrentConnectStatus | UsbPortStatusControl.PortEnabled | UsbPortStatusControl.SpeedMask);
            SetPortChange(root, UsbPortStatusControl.ConnectStatusChange | (wasEnabled ? UsbPortStatusControl.PortEnableChange : 0));
        }
        _engine?.Tell(UsbHostControllerEngine.Kick);
        return device;
    }

    /// <inheritdoc />
    public uint Read(int offset, AccessWidth width)
    {
        var shift = (offset & 3) * 8;
        var mask = width == AccessWidth.Dword ? uint.MaxValue : (1u << ((int)width * 8)) - 1;
        lock (_lock)
        {
            return (ReadRegister(offset & ~3) >> shift) & mask;
        }
    }

    /// <inheritdoc />
    public void Write(int offset, AccessWidth width, uint value)
    {
        _ = width;
        object? message;
        lock (_lock)
        {
            message = WriteRegister(offset & ~3, value);
        }
        if (message is not null)
        {
            _engine?.Tell(message);
        }
    }

    private uint ReadRegister(int offset)
    {
        if (offset >= (int)UsbHostControllerRegister.PortStatusControl1)
        {
            var index = (offset - (int)UsbHostControllerRegister.PortStatusControl1) / 4;
            return index < _ports.Length ? (uint)_ports[index].Status : 0;
        }
        return (UsbHostControllerRegister)offset switch
        {
            UsbHostControllerRegister.CapLengthVersion => CapLengthVersionValue,
            UsbHostControllerRegister.StructuralParameters => (uint)_ports.Length,
            UsbHostControllerRegister.CapabilityParameters => 1,
            UsbHostControllerRegister.Command => (uint)_command,
            UsbHostControllerRegister.Status => (uint)CurrentStatus(),
            UsbHostControllerRegister.InterruptEnable => (uint)_interruptEnable,
            UsbHostControllerRegister.AsyncListAddressLow => (uint)_asyncListAddress,
            UsbHostControllerRegister.AsyncListAddressHigh => (uint)(_asyncListAddress >> 32),
            UsbHostControllerRegister.AsyncListSize => _asyncListSize,
            UsbHostControllerRegister.AsyncTail => _asyncTail,
            UsbHostControllerRegister.AsyncHead => _asyncHead,
            _ => 0, // reserved offsets read as zero
        };
    }

    private UsbStatus CurrentStatus()
    {
        var status = _status & CauseMask;
        if ((_command & UsbCommand.RunStop) == 0)
        {
            status |= UsbStatus.Halted;
        }
        if ((_command & (UsbCommand.RunStop | UsbCommand.AsyncScheduleEnable)) == (UsbCommand.RunStop | UsbCommand.AsyncScheduleEnable))
        {
            status |= UsbStatus.AsyncScheduleStatus;
        }
        return status;
    }

    /// <returns>A message for the engine (a kick, a port reset to time), or null.</returns>
    private object? WriteRegister(int offset, uint value)
    {
        if (offset >= (int)UsbHostControllerRegister.PortStatusControl1)
        {
            var index = (offset - (int)UsbHostControllerRegister.PortStatusControl1) / 4;
            return index < _ports.Length ? WritePort(index + 1, _ports[index], (UsbPortStatusControl)value) : null;
        }
        var asyncEnabled = (_command & UsbCommand.AsyncScheduleEnable) != 0;
        switch ((UsbHostControllerRegister)offset)
        {
            case UsbHostControllerRegister.Command:
                return WriteCommand((UsbCommand)value);
            case UsbHostControllerRegister.Status:
                // RW1C: each 1 acknowledges that cause.
                _status &= ~((UsbStatus)value & CauseMask);
                UpdateInterrupt();
                return null;
            case UsbHostControllerRegister.InterruptEnable:
                _interruptEnable = (UsbStatus)value & CauseMask;
                UpdateInterrupt();
                return null;
            // The ring is latched while ASE is clear; writes while the schedule runs are ignored.
            case UsbHostControllerRegister.AsyncListAddressLow when !asyncEnabled:
                _asyncListAddress = (_asyncListAddress & 0xFFFF_FFFF_0000_0000) | (value & ~0x3Fu);
                return null;
            case UsbHostControllerRegister.AsyncListAddressHigh when !asyncEnabled:
                _asyncListAddress = (_asyncListAddress & 0xFFFF_FFFF) | ((ulong)value << 32);
                return null;
            case UsbHostControllerRegister.AsyncListSize when !asyncEnabled:
                _asyncListSize = Math.Clamp(value, 2u, 256u);
                return null;
            case UsbHostControllerRegister.AsyncTail when value < _asyncListSize:
                // Doorbell (an index outside the ring is ignored).
                _asyncTail = value;
                return UsbHostControllerEngine.Kick;
            default:
                return null; // read-only and reserved registers ignore writes
        }
    }

    private object? WriteCommand(UsbCommand value)
    {
        if ((value & UsbCommand.HostControllerReset) != 0)
        {
            // HCRESET: operational registers to their reset values; ports disabled, presence shown as a connect change.
            _command = UsbCommand.None;
            _status = UsbStatus.None;
            _interruptEnable = UsbStatus.None;
            _asyncListAddress = 0;
            _asyncListSize = 2;
            _asyncHead = _asyncTail = 0;
            _inFlight = null;
            foreach (var port in _ports)
            {
                port.Generation++;
                var connected = port.Device is not null;
                port.Status = (port.Status & (UsbPortStatusControl.CurrentConnectStatus | UsbPortStatusControl.SpeedMask)) | UsbPortStatusControl.PortPower
                    | (connected ? UsbPortStatusControl.ConnectStatusChange : 0);
            }
            UpdateInterrupt();
            return null;
        }
        var running = (_command & (UsbCommand.RunStop | UsbCommand.AsyncScheduleEnable)) == (UsbCommand.RunStop | UsbCommand.AsyncScheduleEnable);
        _command = value & (UsbCommand.RunStop | UsbCommand.AsyncScheduleEnable);
        var now = (_command & (UsbCommand.RunStop | UsbCommand.AsyncScheduleEnable)) == (UsbCommand.RunStop | UsbCommand.AsyncScheduleEnable);
        return now && !running ? UsbHostControllerEngine.Kick : null;
    }

    private object? WritePort(int number, RootPort port, UsbPortStatusControl value)
    {
        // RW1C change bits.
        port.Status &= ~(value & (UsbPortStatusControl.ConnectStatusChange | UsbPortStatusControl.PortEnableChange | UsbPortStatusControl.PortResetChange));
        if ((value & UsbPortStatusControl.PortEnabled) == 0)
        {
            port.Status &= ~UsbPortStatusControl.PortEnabled; // software may disable, never enable (only a reset enables)
        }
        if ((value & UsbPortStatusControl.PortReset) != 0 && (port.Status & UsbPortStatusControl.PortReset) == 0
            && (port.Status & UsbPortStatusControl.CurrentConnectStatus) != 0)
        {
            port.Status = (port.Status | UsbPortStatusControl.PortReset) & ~UsbPortStatusControl.PortEnabled;
            return new UsbHostControllerEngine.StartPortReset(number, _options.PortResetNs);
        }
        return null;
    }

    /// <summary>The engine's end of a port reset: the device at address 0, the port enabled, PRC set.</summary>
    internal void EnginePortResetDone(int number)
    {
        lock (_lock)
        {
            var port = PortOf(number);
            if ((port.Status & UsbPortStatusControl.PortReset) == 0)
            {
                return; // an HCRESET cancelled it
            }
            port.Status &= ~UsbPortStatusControl.PortReset;
            if (port.Device is { } device)
            {
                device.BusReset();
                port.Status |= UsbPortStatusControl.PortEnabled;
            }
            SetPortChange(port, UsbPortStatusControl.PortResetChange);
        }
    }

    private void SetPortChange(RootPort port, UsbPortStatusControl change)
    {
        port.Status |= change;
        _status |= UsbStatus.PortChangeDetect;
        UpdateInterrupt();
    }

    private RootPort PortOf(int number)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(number, _ports.Length);
        return _ports[number - 1];
    }

    /// <summary>The one place that decides the interrupt line: asserted while an enabled cause is pending.</summary>
    private void UpdateInterrupt()
    {
        var level = (_status & _interruptEnable & CauseMask) != 0;
        if (level == _lineAsserted)
        {
            return;
        }
        _lineAsserted = level;
        if (level)
        {
            _pin.Assert();
        }
        else
        {
            _pin.Deassert();
        }
    }

    private sealed class RootPort
    {
        public UsbPortStatusControl Status = UsbPortStatusControl.PortPower;
        public UsbDeviceModel? Device;
        public int Generation;
    }
}
