namespace Kv.Distribution.Rpc;

/// <summary>
/// Marks a method that other nodes may call by module and function name. Nothing else is callable
/// remotely: a node exports on purpose, like an Erlang module's export list.
/// </summary>
/// <param name="name">The function's name on the wire; the method's name when omitted.</param>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ExportAttribute(string? name = null) : Attribute
{
    /// <summary>The function's name on the wire, or <see langword="null"/> for the method's name.</summary>
    public string? Name { get; } = name;

    /// <summary>
    /// Run calls on the link's read loop, up to the function's first await, instead of in a work item
    /// of their own: for short functions that never block (a lookup, a map read). A function that
    /// blocks would stall every call on the link; leave this off when in doubt.
    /// </summary>
    public bool Inline { get; init; }
}

/// <summary>Names the module under which a class's <see cref="ExportAttribute"/> methods are exported.</summary>
/// <param name="name">The module's name, such as <c>Kernel</c> or <c>KV.Registry</c>.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ExportModuleAttribute(string name) : Attribute
{
    /// <summary>The module's name on the wire.</summary>
    public string Name { get; } = name;
}
