using System.Globalization;

namespace Kv.Distribution.Rpc;

/// <summary>
/// Converts a term received from the wire to an exported method's parameter type: integers arrive
/// as <see cref="long"/> and floats as <see cref="double"/>, so they are narrowed (checked) here.
/// </summary>
internal static class ArgumentConverter
{
    public static T To<T>(object? value, int position)
    {
        if (value is T typed)
        {
            return typed;
        }

        if (value is null && default(T) is null)
        {
            return default!;
        }

        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (value is long or ulong or double && (target.IsPrimitive || target == typeof(decimal)) && target != typeof(bool) && target != typeof(char))
        {
            try
            {
                return (T)Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is OverflowException or InvalidCastException)
            {
                throw new BadArgumentException($"Argument {position + 1}: {value} does not fit a {target.Name}.", ex);
            }
        }

        throw new BadArgumentException($"Argument {position + 1}: expected {typeof(T).Name}, got {value?.GetType().Name ?? "nil"}.");
    }
}

/// <summary>The arguments of a call do not fit the exported function (count or types).</summary>
public sealed class BadArgumentException : ArgumentException
{
    /// <summary>Creates the exception with a message saying what does not fit.</summary>
    public BadArgumentException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying failure.</summary>
    public BadArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public BadArgumentException()
        : base("The arguments do not fit the function.")
    {
    }
}
