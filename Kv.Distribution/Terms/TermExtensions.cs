namespace Kv.Distribution.Terms;

/// <summary>
/// The MessagePack extension type codes of the terms that are not plain MessagePack values.
/// Append-only: a code, once shipped, never changes meaning (a test pins them).
/// </summary>
public static class TermExtensions
{
    /// <summary><see cref="Terms.Atom"/>: the UTF-8 name.</summary>
    public const sbyte Atom = 1;

    /// <summary><see cref="Terms.Pid"/>: a MessagePack array [node, id, creation].</summary>
    public const sbyte Pid = 2;

    /// <summary><see cref="Terms.Ref"/>: a MessagePack array [node, id, creation].</summary>
    public const sbyte Ref = 3;

    /// <summary>A registered user type: a MessagePack array [wire name, body].</summary>
    public const sbyte UserType = 10;
}
