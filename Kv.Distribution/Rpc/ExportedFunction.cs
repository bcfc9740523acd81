using System.Linq.Expressions;
using System.Reflection;
using Kv.Distribution.Processes;

namespace Kv.Distribution.Rpc;

/// <summary>
/// One exported function: its name and a compiled invoker that converts the wire arguments to the
/// method's parameters and awaits whatever it returns (a value, <see cref="Task"/>,
/// <see cref="Task{T}"/>, <see cref="ValueTask"/> or <see cref="ValueTask{T}"/>).
/// </summary>
public sealed class ExportedFunction
{
    private static readonly MethodInfo s_convert = typeof(ArgumentConverter).GetMethod(nameof(ArgumentConverter.To))!;
    private static readonly MethodInfo s_awaitTask = typeof(ExportedFunction).GetMethod(nameof(AwaitTask), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo s_awaitValueTask = typeof(ExportedFunction).GetMethod(nameof(AwaitValueTask), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly Func<object?[], ProcessContext?, object?> _invoke;
    private readonly Func<object, Task<object?>>? _await;

    internal ExportedFunction(string module, string function, MethodInfo method, object? target, bool inline = false)
    {
        Module = module;
        Function = function;
        Inline = inline;
        var parameters = method.GetParameters();
        NeedsProcess = parameters.Any(p => p.ParameterType == typeof(ProcessContext));
        Arity = parameters.Count(p => p.ParameterType != typeof(ProcessContext));
        _invoke = Compile(method, target, parameters);
        _await = AwaiterFor(method.ReturnType);
    }

    /// <summary>The module name.</summary>
    public string Module { get; }

    /// <summary>The function name.</summary>
    public string Function { get; }

    /// <summary>How many arguments it takes (a <see cref="ProcessContext"/> parameter is supplied by the runtime and not counted).</summary>
    public int Arity { get; }

    /// <summary>Whether calls run on the link's read loop (see <see cref="ExportAttribute.Inline"/>).</summary>
    public bool Inline { get; }

    /// <summary>Whether it takes a <see cref="ProcessContext"/>: it can then only run as a spawned process.</summary>
    public bool NeedsProcess { get; }

    /// <summary>Why <paramref name="count"/> arguments do not fit, or <see langword="null"/> when they do.</summary>
    public string? ArgumentCountProblem(int count) =>
        count == Arity ? null : $"{Module}.{Function} takes {Arity} argument(s), got {count}.";

    /// <summary>Runs the function with <paramref name="args"/>, in <paramref name="context"/> when it runs as a process.</summary>
    /// <exception cref="BadArgumentException">The arguments do not fit (count or types), or it needs a process and has none.</exception>
    public ValueTask<object?> InvokeAsync(object?[] args, ProcessContext? context = null)
    {
        if (ArgumentCountProblem(args.Length) is { } problem)
        {
            throw new BadArgumentException(problem);
        }

        if (NeedsProcess && context is null)
        {
            throw new BadArgumentException($"{Module}.{Function} runs as a process: spawn it instead of calling it.");
        }

        var result = _invoke(args, context);
        return _await is null || result is null ? ValueTask.FromResult(result) : new ValueTask<object?>(_await(result));
    }

    private static Func<object?[], ProcessContext?, object?> Compile(MethodInfo method, object? target, ParameterInfo[] parameters)
    {
        var args = Expression.Parameter(typeof(object?[]), "args");
        var context = Expression.Parameter(typeof(ProcessContext), "context");
        var position = 0;
        var converted = new List<Expression>(parameters.Length);
        foreach (var parameter in parameters)
        {
            if (parameter.ParameterType == typeof(ProcessContext))
            {
                converted.Add(context);
                continue;
            }

            converted.Add(Expression.Call(
                s_convert.MakeGenericMethod(parameter.ParameterType),
                Expression.ArrayIndex(args, Expression.Constant(position)),
                Expression.Constant(position)));
            position++;
        }

        var instance = method.IsStatic ? null : Expression.Constant(target);
        Expression call = Expression.Call(instance, method, converted);
        call = method.ReturnType == typeof(void)
            ? Expression.Block(call, Expression.Constant(null, typeof(object)))
            : Expression.Convert(call, typeof(object));
        return Expression.Lambda<Func<object?[], ProcessContext?, object?>>(call, args, context).Compile();
    }

    private static Func<object, Task<object?>>? AwaiterFor(Type returnType)
    {
        if (returnType == typeof(Task))
        {
            return static async task => { await (Task)task; return null; };
        }

        if (returnType == typeof(ValueTask))
        {
            return static async task => { await (ValueTask)task; return null; };
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            return s_awaitTask.MakeGenericMethod(returnType.GetGenericArguments()).CreateDelegate<Func<object, Task<object?>>>();
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            return s_awaitValueTask.MakeGenericMethod(returnType.GetGenericArguments()).CreateDelegate<Func<object, Task<object?>>>();
        }

        return null;
    }

    private static async Task<object?> AwaitTask<T>(object task) => await (Task<T>)task;

    private static async Task<object?> AwaitValueTask<T>(object task) => await (ValueTask<T>)task;
}
