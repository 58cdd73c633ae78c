namespace ActorKernel.Host.Tests.Debugger;

/// <summary>What kd prints for each command on the zoo failures (addresses normalised to ADDR, the null address kept).</summary>
internal static class KdExpected
{
    public static IReadOnlyDictionary<string, string> Output { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["zoo.double-complete|!analyze -v"] = """
*******************************************************************************
*                                                                             *
*                        Bugcheck Analysis                                    *
*                                                                             *
*******************************************************************************

MULTIPLE_IRP_COMPLETE_REQUESTS (44)
A driver requested completion of an IRP that is already complete.
Arguments:
Arg1: ADDR, Address of the IRP
Arg2: 00000000`00000000, Reserved
Arg3: 00000000`00000000, Reserved
Arg4: 00000000`00000000, Reserved

Debugging Details:
------------------

BUGCHECK_CODE:  44

BUGCHECK_P1: ADDR

BUGCHECK_P2: 0

BUGCHECK_P3: 0

BUGCHECK_P4: 0

CURRENT_IRQL:  0

IRP_ADDRESS:  ADDR

Irp is active with 1 stacks 3 is current (= 0xADDR)
 No Mdl: No System Buffer: Requester NtReadFile:  Irp is completed.  Pending has been returned
     cmd  flg cl Device            File              Completion-Context
 [IRP_MJ_READ(3), N/A(0)]
            0  0 ADDR 00000000`00000000 00000000-00000000    
	       \Driver\ZooDoubleComplete
			Args: 00000000 00000000 00000000 00000000
IoStatus.Status = STATUS_CANCELLED (0xC0000120)  IoStatus.Information = 0
Flags = 00000900  RequestorMode = KernelMode  PendingReturned = 01  Cancel = 01  CancelRoutine = 00000000

DEVICE_OBJECT: ADDR

DRIVER_OBJECT: ADDR

BUGCHECK_PROCESSOR:  0

STACK_TEXT:  
00 nt!KeBugCheckEx                                    -         PASSIVE_LEVEL   Running
01 zoodoublecomplete!CancelRoutine                    Thread    PASSIVE_LEVEL   Running

SYMBOL_NAME:  zoodoublecomplete!CancelRoutine

MODULE_NAME: zoodoublecomplete

IMAGE_NAME:  zoodoublecomplete.sys

FAILURE_BUCKET_ID:  0x44_zoodoublecomplete!CancelRoutine

Probably caused by : zoodoublecomplete.sys ( zoodoublecomplete!CancelRoutine )

Followup:     MachineOwner
---------
""",
        ["zoo.double-complete|.bugcheck"] = """
Bugcheck code 00000044
Arguments ADDR 00000000`00000000 00000000`00000000 00000000`00000000
""",
        ["zoo.double-complete|!irp fffffa80`01000600"] = """
Irp is active with 1 stacks 3 is current (= 0xADDR)
 No Mdl: No System Buffer: Requester NtReadFile:  Irp is completed.  Pending has been returned
     cmd  flg cl Device            File              Completion-Context
 [IRP_MJ_READ(3), N/A(0)]
            0  0 ADDR 00000000`00000000 00000000-00000000    
	       \Driver\ZooDoubleComplete
			Args: 00000000 00000000 00000000 00000000
IoStatus.Status = STATUS_CANCELLED (0xC0000120)  IoStatus.Information = 0
Flags = 00000900  RequestorMode = KernelMode  PendingReturned = 01  Cancel = 01  CancelRoutine = 00000000
""",
        ["zoo.double-complete|!irpfind"] = """
Searching the I/O manager's IRP list (tag 'Irp ')...

  Irp              [ Requester ]        irpStack: (Mj,Mn)   DevObj            [Driver]
ADDR [NtReadFile          ] irpStack: ( 3, 0)  ADDR [\Driver\ZooDoubleComplete] CANCELLED completed

1 IRPs found
""",
        ["zoo.double-complete|!devobj fffffa80`01000400"] = """
Device object (ADDR) is for:
 \Device\ZooDoubleComplete \Driver\ZooDoubleComplete DriverObject ADDR
Current Irp 00000000`00000000 RefCount 1 Type 00000022 Flags 00000040
DevExt ZooReadQueue StackSize 1 Characteristics (00000000)
Flags: DeviceHasName
Device queue is not busy.
""",
        ["zoo.double-complete|!devstack fffffa80`01000400"] = """
  !DevObj           !DrvObj                 !DevExt              ObjectName
> ADDR \Driver\ZooDoubleComplete ZooReadQueue         \Device\ZooDoubleComplete
""",
        ["zoo.double-complete|!drvobj ZooDoubleComplete 7"] = """
Driver object (ADDR) is for:
 \Driver\ZooDoubleComplete

Driver Extension List: (id , addr)

Device Object list:
ADDR

DriverStartIo: 00000000
DriverUnload:  00000000
AddDevice:     00000000

Dispatch routines:
[00] IRP_MJ_CREATE                       zoodoublecomplete!<lambda>
[01] IRP_MJ_CREATE_NAMED_PIPE            nt!IopInvalidDeviceRequest
[02] IRP_MJ_CLOSE                        zoodoublecomplete!<lambda>
[03] IRP_MJ_READ                         zoodoublecomplete!DispatchRead
[04] IRP_MJ_WRITE                        nt!IopInvalidDeviceRequest
[05] IRP_MJ_QUERY_INFORMATION            nt!IopInvalidDeviceRequest
[06] IRP_MJ_SET_INFORMATION              nt!IopInvalidDeviceRequest
[07] IRP_MJ_QUERY_EA                     nt!IopInvalidDeviceRequest
[08] IRP_MJ_SET_EA                       nt!IopInvalidDeviceRequest
[09] IRP_MJ_FLUSH_BUFFERS                nt!IopInvalidDeviceRequest
[0a] IRP_MJ_QUERY_VOLUME_INFORMATION     nt!IopInvalidDeviceRequest
[0b] IRP_MJ_SET_VOLUME_INFORMATION       nt!IopInvalidDeviceRequest
[0c] IRP_MJ_DIRECTORY_CONTROL            nt!IopInvalidDeviceRequest
[0d] IRP_MJ_FILE_SYSTEM_CONTROL          nt!IopInvalidDeviceRequest
[0e] IRP_MJ_DEVICE_CONTROL               nt!IopInvalidDeviceRequest
[0f] IRP_MJ_INTERNAL_DEVICE_CONTROL      nt!IopInvalidDeviceRequest
[10] IRP_MJ_SHUTDOWN                     nt!IopInvalidDeviceRequest
[11] IRP_MJ_LOCK_CONTROL                 nt!IopInvalidDeviceRequest
[12] IRP_MJ_CLEANUP                      nt!IopInvalidDeviceRequest
[13] IRP_MJ_CREATE_MAILSLOT              nt!IopInvalidDeviceRequest
[14] IRP_MJ_QUERY_SECURITY               nt!IopInvalidDeviceRequest
[15] IRP_MJ_SET_SECURITY                 nt!IopInvalidDeviceRequest
[16] IRP_MJ_POWER                        nt!IopInvalidDeviceRequest
[17] IRP_MJ_SYSTEM_CONTROL               nt!IopInvalidDeviceRequest
[18] IRP_MJ_DEVICE_CHANGE                nt!IopInvalidDeviceRequest
[19] IRP_MJ_QUERY_QUOTA                  nt!IopInvalidDeviceRequest
[1a] IRP_MJ_SET_QUOTA                    nt!IopInvalidDeviceRequest
[1b] IRP_MJ_PNP                          nt!IopInvalidDeviceRequest
""",
        ["zoo.double-complete|!devnode 0 1"] = """
Dumping IopRootDeviceNode (= ADDR)
DevNode ADDR for PDO ADDR
  InstancePath is "HTREE\ROOT\0"
  State = DeviceNodeStarted (0x308)
  DevNode ADDR for PDO ADDR
    InstancePath is "ROOT\ZOODOUBLECOMPLETE\0000"
    ServiceName is "ZooDoubleComplete"
    State = DeviceNodeStarted (0x308)
""",
        ["zoo.double-complete|!pcr"] = """
KPCR for Processor 0 at ADDR:
                 Prcb: ADDR
                 Irql: 00000000 (PASSIVE_LEVEL)
        CurrentThread: zoodoublecomplete!CancelRoutine
          DpcQueue:  0 queued
  PendingInterrupts:  0
""",
        ["zoo.double-complete|!prcb 0"] = """
PRCB for Processor 0 at ADDR:
Current IRQL -- 0
Running routine -- zoodoublecomplete!CancelRoutine
Processor Index 0 Number (0, 0) GroupSetMember 1
DPC Queue -- 0 entries
Spin locks held -- 0
""",
        ["zoo.double-complete|!irql 0"] = """
Debugger saved IRQL for processor 0x0 -- 0 (PASSIVE_LEVEL)
""",
        ["zoo.double-complete|k"] = """
 # Call Site                                          Kind      IRQL            State
00 nt!KeBugCheckEx                                    -         PASSIVE_LEVEL   Running
01 zoodoublecomplete!CancelRoutine                    Thread    PASSIVE_LEVEL   Running
""",
        ["zoo.double-complete|lm"] = """
start             end                 module name
ADDR ADDR   nt         (deferred)  ntoskrnl.exe
ADDR ADDR   zoodoublecomplete (deferred)  zoodoublecomplete.sys
""",
        ["zoo.double-complete|vertarget"] = """
ActorKernel simulated NT kernel MP (2 procs) Free x64
Dispatcher: Deterministic (virtual time, replayable)
Kernel base = ADDR PsLoadedModuleList = ADDR
Seed: 0xADDR
System Uptime: 0 days 0:00:00.000004440 (simulated)
""",
        ["zoo.double-complete|!locks"] = """
**** DUMP OF ALL SPIN LOCKS HELD OR AWAITED ****

No spin locks held or awaited.

0 total locks held
""",
        ["zoo.double-complete|!dpcs"] = """
CPU Type              KDPC               Function
No DPCs queued on any processor.
""",
        ["zoo.double-complete|!nope"] = """
No export nope found
""",
        ["zoo.double-complete|!irp zz"] = """
Couldn't resolve error at 'zz'
""",
        ["zoo.double-complete|!irp 1234"] = """
IRP ADDR: unable to read: not an IRP the I/O manager tracks (see !irpfind)
""",
        ["zoo.double-complete|!devobj \\Device\\Nope"] = """
Couldn't resolve error at '\Device\Nope'
""",
        ["zoo.double-complete|~9s"] = """
Illegal processor number: 9
""",
        ["zoo.double-complete|!prcb 9"] = """
Cannot get PRCB address for processor 9: invalid processor number
""",
        ["zoo.double-complete|.help"] = """
Commands of the ActorKernel kernel debugger (kd), on the stopped machine:
  !analyze -v            bugcheck analysis: code, parameters and their meanings, faulting driver and routine, stack, IRP
  .bugcheck              the bugcheck code and its four parameters
  vertarget              the target: processors, dispatcher, seed, simulated uptime
  lm                     loaded modules
  k                      the frame stack of the current processor (~Ns switches to processor N)
  ~Ns                    make processor N the current one
  !pcr [N]               the processor control region of processor N
  !prcb [N]              the processor control block of processor N
  !irql [N]              the IRQL processor N was at when it stopped
  !dpcs                  the DPC queues of every processor
  !locks                 spin locks held, and processors spinning on one
  !timer                 the timers set, by due time, with their DPCs
  !poolused              pool usage per tag, nonpaged and paged
  !pool ADDR             the live pool allocation holding an address: tag, size, owner
  !poolfind TAG          the live pool allocations with a tag
  !verifier 3 [DRIVER]   Driver Verifier: options, verified drivers' pool, I/O verifier findings
  !irp ADDR              an IRP: stack locations (current marked >), completion routines, status, pending/cancel
  !irpfind               every IRP the I/O manager tracks
  !devobj ADDR|NAME      a device object
  !devstack ADDR|NAME    the device stack holding a device object
  !drvobj NAME [7]       a driver object; 7 adds the dispatch table
  !devnode 0 1           the device tree
  !errlog                the I/O error log: the entries drivers wrote with IoWriteErrorLogEntry
  !stacks                every processor's frames
  dt TYPE [ADDR]         _IRP, _IO_STACK_LOCATION, _DEVICE_OBJECT at their x64 offsets
  !wmiprov               the WMI providers (IoWMIRegistrationControl) and their data blocks
  !process 0 0           every process: System and the user processes (!process CID shows one with its threads)
  !thread [ADDR|TID]     a thread (the current processor's by default): state, process, start routine, stack
  !handle [H [F [PID]]]  the handle tables of the user processes: object, type, access, name
  bp SYM [/1 /mj /dev]   breakpoint on a driver routine or nt!IoCallDriver/IoCompleteRequest/IoCancelIrp/IoStartPacket (live)
  bl                     list the breakpoints
  bc N|*                 clear breakpoints
  g                      run until a breakpoint, a bugcheck or the run's end (live)
  p                      run to the next driver routine the I/O manager calls (live)
  t                      run to the next scheduling point where another processor could act (live)
  .time                  the simulated clock
  .lastevent             why the machine stopped
  .help                  this list
  q                      quit the interactive shell
""",
        ["zoo.double-complete|!timer"] = """
Dump system timers

Interrupt time: 0000002c 00000000 [simulated 4440 ns]

     Timer              Interrupt Low/High  Period(ms)  Type                 DPC/routine

Total Timers: 0
""",
        ["zoo.double-complete|dt _IRP fffffa80`01000600"] = """
nt!_IRP
   +0x000 Type             : 0n6
   +0x010 Flags            : 0x900
   +0x030 IoStatus         : _IO_STATUS_BLOCK  Status STATUS_CANCELLED (0xC0000120), Information 0x0
   +0x040 RequestorMode    : 0 ''
   +0x041 PendingReturned  : 0x1 ''
   +0x042 StackCount       : 1 ''
   +0x043 CurrentLocation  : 3 ''
   +0x044 Cancel           : 0x1 ''
   +0x068 CancelRoutine    : (null)
   +0x078 Tail             : <anonymous-tag>  CurrentStackLocation ADDR
""",
        ["zoo.double-complete|dt _IO_STACK_LOCATION fffffa80`010006d0"] = """
nt!_IO_STACK_LOCATION
   +0x000 MajorFunction    : 0x3 ''
   +0x001 MinorFunction    : 0x0 ''
   +0x002 Flags            : 0x0 ''
   +0x003 Control          : 0x0 ''
   +0x008 Parameters       : <anonymous-tag>  Others 0x0 0x0 0x0 0x0
   +0x028 DeviceObject     : ADDR
   +0x030 FileObject       : 00000000`00000000
   +0x038 CompletionRoutine : (null)
   +0x040 Context          : (null)
""",
        ["zoo.double-complete|dt _DEVICE_OBJECT fffffa80`01000400"] = """
nt!_DEVICE_OBJECT
   +0x000 Type             : 0n3
   +0x004 ReferenceCount   : 0n1
   +0x008 DriverObject     : ADDR \Driver\ZooDoubleComplete
   +0x018 AttachedDevice   : 00000000`00000000
   +0x020 CurrentIrp       : 00000000`00000000
   +0x030 Flags            : 0x40
   +0x034 Characteristics  : 0x0
   +0x040 DeviceExtension  : ZooReadQueue
   +0x048 DeviceType       : 0x22
   +0x04c StackSize        : 1 ''
""",
        ["zoo.double-complete|dt _IRP"] = """
nt!_IRP
   +0x000 Type             : Int2B
   +0x010 Flags            : Uint4B
   +0x030 IoStatus         : _IO_STATUS_BLOCK
   +0x040 RequestorMode    : Char
   +0x041 PendingReturned  : UChar
   +0x042 StackCount       : Char
   +0x043 CurrentLocation  : Char
   +0x044 Cancel           : UChar
   +0x068 CancelRoutine    : Ptr64     void
   +0x078 Tail             : <anonymous-tag>
""",
        ["zoo.double-complete|dt _KTHREAD"] = """
Symbol nt!_KTHREAD not found.
""",
        ["zoo.double-complete|!stacks"] = """
Proc Frame Kind      IRQL            State       Routine
                            [processor 0 at PASSIVE_LEVEL]
   0    00 Thread    PASSIVE_LEVEL   Running     zoodoublecomplete!CancelRoutine
                            [processor 1 at PASSIVE_LEVEL]
""",
        ["zoo.double-complete|!poolused"] = """
 Sorting by Tag

                  NonPaged                         Paged
 Tag     Allocs    Frees     Used        Allocs    Frees     Used


 TOTAL        0        0        0             0        0        0
""",
        ["zoo.lock-order|!process 0 0"] = """
**** NT ACTIVE PROCESS DUMP ****
PROCESS ADDR
    SessionId: none  Cid: 0004    Peb: 00000000  ParentCid: 0000
    ObjectTable: ADDR  HandleCount: 0.  Threads: 2.
    Image: System
""",
        ["zoo.lock-order|!thread"] = """
THREAD ADDR  Cid 0004.0004  Teb: 00000000`00000000 Win32Thread: 00000000`00000000 RUNNING on processor 0
Owning Process            ADDR       Image:         System
Start Address zooapp!Reader
Priority 8  BasePriority 8  Affinity processor 0
 # Call Site                                          Kind      IRQL            State
00 nt!KeBugCheckEx                                    -         DISPATCH_LEVEL  Running
01 zoolockorder!DispatchRead                          Thread    PASSIVE_LEVEL   Spinning on HardwareLock (ADDR)
""",
        ["zoo.lock-order|!handle"] = """
No user process: the machine runs system threads only
""",
        ["zoo.lock-order|.time"] = """
Debug session time: simulated, 2002970 ns since boot
System Uptime: 0 days 0:00:00.002002970
Interrupt time: 00004e3d 00000000 (100 ns units, low high)
""",
        ["zoo.lock-order|!locks"] = """
**** DUMP OF ALL SPIN LOCKS HELD OR AWAITED ****

Lock ADDR (QueueLock)  held by processor 0 at DISPATCH_LEVEL
Processor 0 spins on HardwareLock (ADDR) in zoolockorder!DispatchRead
Lock ADDR (HardwareLock)  held by processor 1 at DISPATCH_LEVEL
Processor 1 spins on QueueLock (ADDR) in zoolockorder!DispatchWrite

2 total locks held
""",
        ["zoo.lock-order|k"] = """
 # Call Site                                          Kind      IRQL            State
00 nt!KeBugCheckEx                                    -         DISPATCH_LEVEL  Running
01 zoolockorder!DispatchRead                          Thread    PASSIVE_LEVEL   Spinning on HardwareLock (ADDR)
""",
        ["zoo.lock-order|~1s; k"] = """
 # Call Site                                          Kind      IRQL            State
00 zoolockorder!DispatchWrite                         Thread    PASSIVE_LEVEL   Spinning on QueueLock (ADDR)
""",
        ["zoo.lock-order|!prcb 1"] = """
PRCB for Processor 1 at ADDR:
Current IRQL -- 2
Running routine -- zoolockorder!DispatchWrite
Processor Index 1 Number (0, 1) GroupSetMember 2
DPC Queue -- 0 entries
Spin locks held -- 1
    ADDR  HardwareLock
""",
        ["zoo.lock-order|!irpfind"] = """
Searching the I/O manager's IRP list (tag 'Irp ')...

  Irp              [ Requester ]        irpStack: (Mj,Mn)   DevObj            [Driver]
ADDR [driver              ] irpStack: ( 4, 0)  ADDR [\Driver\ZooLockOrder]
ADDR [driver              ] irpStack: ( 3, 0)  ADDR [\Driver\ZooLockOrder]

2 IRPs found
""",
        ["zoo.lock-order|!dpcs"] = """
CPU Type              KDPC               Function
No DPCs queued on any processor.
""",
        ["zoo.lock-order|!stacks"] = """
Proc Frame Kind      IRQL            State       Routine
                            [processor 0 at DISPATCH_LEVEL]
   0    00 Thread    PASSIVE_LEVEL   Spinning    zoolockorder!DispatchRead
                            [processor 1 at DISPATCH_LEVEL]
   1    00 Thread    PASSIVE_LEVEL   Spinning    zoolockorder!DispatchWrite
""",
        ["zoo.pool-leak|!poolused"] = """
 Sorting by Tag

                  NonPaged                         Paged
 Tag     Allocs    Frees     Used        Allocs    Frees     Used

 ZPLk         2        1       32             0        0        0
 Vrfy         1        0       64             0        0        0

 TOTAL        3        1       96             0        0        0
""",
        ["zoo.pool-leak|!poolfind ZPLk"] = """
Scanning the pool tracking table for tag 'ZPLk'...

ADDR : tag ZPLk, size     20, NonPagedPool     zoopoolleak.sys

1 allocation(s) found
""",
        ["zoo.pool-leak|!pool fffffa80`00000018"] = """
Pool page ADDR region is Nonpaged pool
*ADDR size:    20 previous size:    0  (Allocated) *ZPLk
		Pool type NonPagedPool, owning component : zoopoolleak.sys
""",
        ["zoo.pool-leak|!pool fffffa80`00000100"] = """
Pool page ADDR region is Unknown
ADDR is not a valid large pool allocation, checking large session pool...
Unable to read: no live pool allocation holds this address
""",
        ["zoo.pool-leak|!analyze -v"] = """
*******************************************************************************
*                                                                             *
*                        Bugcheck Analysis                                    *
*                                                                             *
*******************************************************************************

DRIVER_VERIFIER_DETECTED_VIOLATION (c4)
A driver has forgotten to free its pool allocations prior to unloading (!verifier 3 DRIVER lists them).
Arguments:
Arg1: ADDR, 0x62
Arg2: ADDR, Name of the driver
Arg3: ADDR, Verifier internal structure with driver information
Arg4: ADDR, Total number of (paged + nonpaged) allocations that were not freed

Debugging Details:
------------------

BUGCHECK_CODE:  c4

BUGCHECK_P1: 62

BUGCHECK_P2: ADDR

BUGCHECK_P3: ADDR

BUGCHECK_P4: 1

CURRENT_IRQL:  0

KERNEL_NOTE:  memory manager: DRIVER_VERIFIER_DETECTED_VIOLATION (c4) (ADDR, ADDR, ADDR, ADDR)

BUGCHECK_PROCESSOR:  0

STACK_TEXT:  
00 nt!KeBugCheckEx                                    -         PASSIVE_LEVEL   Running
01 zooapp!ReaderThenUnload                            Thread    PASSIVE_LEVEL   Running

SYMBOL_NAME:  zooapp!ReaderThenUnload

MODULE_NAME: zooapp

IMAGE_NAME:  zooapp.sys

FAILURE_BUCKET_ID:  0xC4_zooapp!ReaderThenUnload

Probably caused by : zooapp.sys ( zooapp!ReaderThenUnload )

Followup:     MachineOwner
---------
""",
        ["zoo.pool-leak|!verifier 3 zoopoolleak.sys"] = """
Verify Flags Level 0x00000018

  STANDARD FLAGS:
    [ ] (0x00000002) Force IRQL checking
    [X] (0x00000008) Pool tracking
    [X] (0x00000010) I/O verification
    [ ] (0x00000001) Special pool (not modelled)

Driver Verification List
-----------------------------------------------------
  MODULE: zoopoolleak.sys (load: 1 / unload: 1)

    Pool Allocation Statistics: ( NonPagedPool / PagedPool )

      Current Pool Allocations:  ( 1 / 0 )
      Current Pool Bytes:        ( 32 / 0 )

    Pool Allocations for the module:
      Address            Length     Tag   PoolType
      ADDR  0x20       ZPLk  NonPagedPool

I/O Verifier findings: 0
""",
        ["zoo.pending-without-mark|!verifier 3"] = """
Verify Flags Level 0x00000018

  STANDARD FLAGS:
    [ ] (0x00000002) Force IRQL checking
    [X] (0x00000008) Pool tracking
    [X] (0x00000010) I/O verification
    [ ] (0x00000001) Special pool (not modelled)

Driver Verification List
-----------------------------------------------------
  MODULE: zoopendingwithoutmark.sys (load: 1 / unload: 0)

    Pool Allocation Statistics: ( NonPagedPool / PagedPool )

      Current Pool Allocations:  ( 0 / 0 )
      Current Pool Bytes:        ( 0 / 0 )

I/O Verifier findings: 0
""",
        ["zoo.pending-without-mark|!analyze -v"] = """
*******************************************************************************
*                                                                             *
*                        Bugcheck Analysis                                    *
*                                                                             *
*******************************************************************************

DRIVER_VERIFIER_IOMANAGER_VIOLATION (c9)
WDM DRIVER ERROR 0x23D (I/O Verification error; see IoVerifierViolation)
Arguments:
Arg1: ADDR, 0x23D
Arg2: ADDR, Address in the driver's code where the error was detected
Arg3: ADDR, Pointer to the IRP
Arg4: ADDR, Pointer to the device object

Debugging Details:
------------------

BUGCHECK_CODE:  c9

BUGCHECK_P1: 23d

BUGCHECK_P2: ADDR

BUGCHECK_P3: ADDR

BUGCHECK_P4: ADDR

CURRENT_IRQL:  2

IRP_ADDRESS:  ADDR

Irp is active with 1 stacks 2 is current (= 0xADDR)
 No Mdl: No System Buffer: Requester NtReadFile:  Irp stack trace. 
     cmd  flg cl Device            File              Completion-Context
 [IRP_MJ_READ(3), N/A(0)]
            0  0 ADDR 00000000`00000000 00000000-00000000    
	       \Driver\ZooPendingWithoutMark
			Args: 00000010 00000000 00000000 00000000
IoStatus.Status = STATUS_SUCCESS (0x00000000)  IoStatus.Information = 0
Flags = 00000900  RequestorMode = KernelMode  PendingReturned = 00  Cancel = 00  CancelRoutine = 00000000

DEVICE_OBJECT: ADDR

DRIVER_OBJECT: ADDR

BUGCHECK_PROCESSOR:  1

STACK_TEXT:  
00 nt!KeBugCheckEx                                    -         DISPATCH_LEVEL  Running
01 zoopendingwithoutmark!CompletionDpc                Dpc       DISPATCH_LEVEL  Running

SYMBOL_NAME:  zoopendingwithoutmark!CompletionDpc

MODULE_NAME: zoopendingwithoutmark

IMAGE_NAME:  zoopendingwithoutmark.sys

FAILURE_BUCKET_ID:  0xC9_zoopendingwithoutmark!CompletionDpc

Probably caused by : zoopendingwithoutmark.sys ( zoopendingwithoutmark!CompletionDpc )

Followup:     MachineOwner
---------
""",
        ["zoo.pending-without-mark|!irpfind"] = """
Searching the I/O manager's IRP list (tag 'Irp ')...

  Irp              [ Requester ]        irpStack: (Mj,Mn)   DevObj            [Driver]
ADDR [NtReadFile          ] irpStack: ( 3, 0)  ADDR [\Driver\ZooPendingWithoutMark]

1 IRPs found
""",
        ["zoo.dpc-requeue|!dpcs"] = """
CPU Type              KDPC               Function
 0: MediumImportance ADDR zoodpcrequeue!PollDpc
""",
        ["zoo.dpc-requeue|!timer"] = """
Dump system timers

Interrupt time: 00004e32 00000000 [simulated 2001810 ns]

     Timer              Interrupt Low/High  Period(ms)  Type                 DPC/routine

Total Timers: 0
""",
        ["zoo.dpc-requeue|k"] = """
 # Call Site                                          Kind      IRQL            State
00 nt!KeBugCheckEx                                    -         DISPATCH_LEVEL  Running
01 zoodpcrequeue!PollDpc                              Dpc       DISPATCH_LEVEL  Running
02 zooapp!Reader                                      Thread    PASSIVE_LEVEL   Blocked
""",
        ["zoo.dpc-requeue|!analyze -v"] = """
*******************************************************************************
*                                                                             *
*                        Bugcheck Analysis                                    *
*                                                                             *
*******************************************************************************

DPC_WATCHDOG_VIOLATION (133)
The system cumulatively spent an extended period of time at IRQL DISPATCH_LEVEL or above.
Arguments:
Arg1: ADDR, 1
Arg2: ADDR, The watchdog period
Arg3: ADDR, Reserved
Arg4: 00000000`00000000, Reserved

Debugging Details:
------------------

BUGCHECK_CODE:  133

BUGCHECK_P1: 1

BUGCHECK_P2: 2

BUGCHECK_P3: ADDR

BUGCHECK_P4: 0

CURRENT_IRQL:  2

KERNEL_NOTE:  the processor stayed at DISPATCH_LEVEL or above for 2000080 ns (the period is 2000000 ns), last in PollDpc

DEVICE_OBJECT: ADDR

DRIVER_OBJECT: ADDR

BUGCHECK_PROCESSOR:  0

STACK_TEXT:  
00 nt!KeBugCheckEx                                    -         DISPATCH_LEVEL  Running
01 zoodpcrequeue!PollDpc                              Dpc       DISPATCH_LEVEL  Running
02 zooapp!Reader                                      Thread    PASSIVE_LEVEL   Blocked

SYMBOL_NAME:  zoodpcrequeue!PollDpc

MODULE_NAME: zoodpcrequeue

IMAGE_NAME:  zoodpcrequeue.sys

FAILURE_BUCKET_ID:  0x133_zoodpcrequeue!PollDpc

Probably caused by : zoodpcrequeue.sys ( zoodpcrequeue!PollDpc )

Followup:     MachineOwner
---------
""",
        ["zoo.dpc-requeue|!prcb 0"] = """
PRCB for Processor 0 at ADDR:
Current IRQL -- 2
Running routine -- zoodpcrequeue!PollDpc
Processor Index 0 Number (0, 0) GroupSetMember 1
DPC Queue -- 1 entries
    ADDR  zoodpcrequeue!PollDpc  (MediumImportance)
Spin locks held -- 0
""",
    };
}
