using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Kv.Distribution.Rpc;

/// <summary>
/// The functions this node exports: the only code another node can name in an rpc, a remote
/// spawn or a remote task. Lookups take no lock.
/// </summary>
public sealed class FunctionRegistry
{
    private readonly ConcurrentDictionary<(string Module, string Function), ExportedFunction> _functions = new();

    /// <summary>
    /// Exports every <see cref="ExportAttribute"/> static method of <typeparamref name="T"/>. C# does
    /// not let a static class be a type argument: export one with <see cref="RegisterModule(Type)"/>,
    /// <c>RegisterModule(typeof(Hello))</c>, which does the same.
    /// </summary>
    public void RegisterModule<T>() => RegisterModule(typeof(T));

    /// <summary>
    /// Exports every <see cref="ExportAttribute"/> static method of <paramref name="type"/>, under the
    /// name its <see cref="ExportModuleAttribute"/> gives (else the type's name). This is the way to
    /// export a static class, such as <c>RegisterModule(typeof(Hello))</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> has no static method marked <see cref="ExportAttribute"/>.</exception>
    public void RegisterModule(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        RegisterMethods(type, target: null, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static);
    }

    /// <summary>Exports every <see cref="ExportAttribute"/> instance method of <paramref name="target"/>, bound to it.</summary>
    public void RegisterModule(object target)
    {
        ArgumentNullException.ThrowIfNull(target);
        RegisterMethods(target.GetType(), target, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance);
    }

    /// <summary>Exports <paramref name="implementation"/> as <paramref name="module"/>.<paramref name="function"/>.</summary>
    /// <param name="module">The module name.</param>
    /// <param name="function">The function name.</param>
    /// <param name="implementation">What runs.</param>
    /// <param name="inline">Run calls on the link's read loop (see <see cref="ExportAttribute.Inline"/>).</param>
    public void Register(string module, string function, Delegate implementation, bool inline = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(module);
        ArgumentException.ThrowIfNullOrEmpty(function);
        ArgumentNullException.ThrowIfNull(implementation);
        _functions[(module, function)] = new ExportedFunction(module, function, implementation.Method, implementation.Target, inline);
    }

    /// <summary>Finds an exported function.</summary>
    /// <returns><see langword="false"/> when the node does not export it.</returns>
    public bool TryGet(string module, string function, [NotNullWhen(true)] out ExportedFunction? exported) =>
        _functions.TryGetValue((module, function), out exported);

    /// <summary>Every exported function, as <c>Module.Function/arity</c>.</summary>
    public IReadOnlyList<string> List() =>
        [.. _functions.Values.Select(f => $"{f.Module}.{f.Function}/{f.Arity}").Order(StringComparer.Ordinal)];

    private void RegisterMethods(Type type, object? target, BindingFlags flags)
    {
        var module = type.GetCustomAttribute<ExportModuleAttribute>()?.Name ?? type.Name;
        var found = false;
        foreach (var method in type.GetMethods(flags))
        {
            var export = method.GetCustomAttribute<ExportAttribute>();
            if (export is null)
            {
                continue;
            }

            var function = export.Name ?? method.Name;
            _functions[(module, function)] = new ExportedFunction(module, function, method, target, export.Inline);
            found = true;
        }

        if (!found)
        {
            throw new ArgumentException(target is null && type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance).Any(m => m.IsDefined(typeof(ExportAttribute)))
                ? $"{type}'s [Export] methods are instance methods: export an instance of it, RegisterModule(new {type.Name}(...))."
                : $"{type} has no {(target is null ? "static" : "instance")} method marked [Export]; nothing would be exported.");
        }
    }
}
