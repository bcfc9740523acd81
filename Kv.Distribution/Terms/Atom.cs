namespace Kv.Distribution.Terms;

/// <summary>
/// An Erlang-style atom: a named constant such as <c>ok</c>, <c>error</c> or <c>noconnection</c>.
/// Crosses the wire as MessagePack extension type <see cref="TermExtensions.Atom"/>.
/// </summary>
/// <param name="Name">The atom's text.</param>
public readonly record struct Atom(string Name)
{
    /// <summary><c>ok</c></summary>
    public static readonly Atom Ok = new("ok");

    /// <summary><c>error</c></summary>
    public static readonly Atom Error = new("error");

    /// <inheritdoc />
    public override string ToString() => ":" + Name;
}
