using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace ActorKernel.Actors;

/// <summary>
/// An async method builder for routines (<c>ValueTask</c>) that keeps a per-thread free list of
/// state-machine boxes, so a routine that yields allocates nothing in steady state even when many
/// instances of it are suspended at once (four processors running the same ISR, nested IoCallDriver).
/// .NET's <see cref="PoolingAsyncValueTaskMethodBuilder"/> caches only one box per method per thread.
/// Use: <c>[AsyncMethodBuilder(typeof(KernelRoutineBuilder))] async ValueTask MyDpc(...)</c>.
/// </summary>
/// <remarks>
/// The routine's ValueTask must be awaited (or have its result read) exactly once, as any pooled
/// ValueTask; the box returns to the pool when its result is read. ExecutionContext does not flow
/// across the routine's awaits (kernel routines do not use it).
/// </remarks>
public struct KernelRoutineBuilder
{
    private RoutineBox<VoidResult>? _box;
    private Exception? _syncException;

    /// <summary>Creates a builder (compiler use).</summary>
    public static KernelRoutineBuilder Create() => default;

    /// <summary>The routine's task.</summary>
    public ValueTask Task => _box is { } box
        ? new ValueTask(box, box.Version)
        : _syncException is null ? default : ValueTask.FromException(_syncException);

    /// <summary>Starts the state machine.</summary>
    public void Start<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine => stateMachine.MoveNext();

    /// <summary>Unused (boxes are made by the builder).</summary>
    public void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    /// <summary>Completes the routine.</summary>
    public void SetResult() => _box?.SetResult(default);

    /// <summary>Faults the routine.</summary>
    public void SetException(Exception exception)
    {
        if (_box is { } box)
        {
            box.SetException(exception);
        }
        else
        {
            _syncException = exception;
        }
    }

    /// <summary>Schedules the continuation.</summary>
    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion where TStateMachine : IAsyncStateMachine =>
        awaiter.OnCompleted(RoutineBox<VoidResult>.For(ref _box, ref stateMachine).MoveNextAction);

    /// <summary>Schedules the continuation.</summary>
    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion where TStateMachine : IAsyncStateMachine =>
        awaiter.UnsafeOnCompleted(RoutineBox<VoidResult>.For(ref _box, ref stateMachine).MoveNextAction);
}

/// <summary>The <see cref="KernelRoutineBuilder"/> for routines returning <c>ValueTask&lt;TResult&gt;</c> (ISRs: <c>ValueTask&lt;bool&gt;</c>).</summary>
/// <typeparam name="TResult">The result type.</typeparam>
public struct KernelRoutineBuilder<TResult>
{
    private RoutineBox<TResult>? _box;
    private Exception? _syncException;
    private TResult _syncResult;

    /// <summary>Creates a builder (compiler use).</summary>
    public static KernelRoutineBuilder<TResult> Create() => default;

    /// <summary>The routine's task.</summary>
    public ValueTask<TResult> Task => _box is { } box
        ? new ValueTask<TResult>(box, box.Version)
        : _syncException is null ? new ValueTask<TResult>(_syncResult) : ValueTask.FromException<TResult>(_syncException);

    /// <summary>Starts the state machine.</summary>
    public void Start<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine => stateMachine.MoveNext();

    /// <summary>Unused (boxes are made by the builder).</summary>
    public void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    /// <summary>Completes the routine with <paramref name="result"/>.</summary>
    public void SetResult(TResult result)
    {
        if (_box is { } box)
        {
            box.SetResult(result);
        }
        else
        {
            _syncResult = result;
        }
    }

    /// <summary>Faults the routine.</summary>
    public void SetException(Exception exception)
    {
        if (_box is { } box)
        {
            box.SetException(exception);
        }
        else
        {
            _syncException = exception;
        }
    }

    /// <summary>Schedules the continuation.</summary>
    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion where TStateMachine : IAsyncStateMachine =>
        awaiter.OnCompleted(RoutineBox<TResult>.For(ref _box, ref stateMachine).MoveNextAction);

    /// <summary>Schedules the continuation.</summary>
    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion where TStateMachine : IAsyncStateMachine =>
        awaiter.UnsafeOnCompleted(RoutineBox<TResult>.For(ref _box, ref stateMachine).MoveNextAction);
}

internal readonly struct VoidResult;

/// <summary>A suspended routine's state and its completion, reused through a per-thread free list.</summary>
internal abstract class RoutineBox<TResult> : IValueTaskSource<TResult>, IValueTaskSource
{
    private ManualResetValueTaskSourceCore<TResult> _core;

    public Action MoveNextAction { get; protected init; } = null!;

    public short Version => _core.Version;

    /// <summary>The box for the running routine: the one it already has, or a pooled one holding a copy of its state machine.</summary>
    public static RoutineBox<TResult> For<TStateMachine>(ref RoutineBox<TResult>? slot, ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
    {
        if (slot is { } existing)
        {
            return existing;
        }
        var box = TypedBox<TStateMachine>.Rent();
        slot = box; // set before the copy, so the copy's builder already points at its box
        box.StateMachine = stateMachine;
        return box;
    }

    public void SetResult(TResult result) => _core.SetResult(result);

    public void SetException(Exception exception) => _core.SetException(exception);

    public TResult GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            Return();
        }
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    protected abstract void Return();

    private sealed class TypedBox<TStateMachine> : RoutineBox<TResult> where TStateMachine : IAsyncStateMachine
    {
        private const int MaxPooledPerThread = 256;

        [ThreadStatic]
        private static Stack<TypedBox<TStateMachine>>? t_pool;

        public TStateMachine? StateMachine;

        private TypedBox() => MoveNextAction = () => StateMachine!.MoveNext();

        public static TypedBox<TStateMachine> Rent() => t_pool is { Count: > 0 } pool ? pool.Pop() : new TypedBox<TStateMachine>();

        protected override void Return()
        {
            StateMachine = default;
            var pool = t_pool ??= new Stack<TypedBox<TStateMachine>>();
            if (pool.Count < MaxPooledPerThread)
            {
                pool.Push(this);
            }
        }
    }
}
