using System.Globalization;

namespace Kv.Server.Cli;

/// <summary>The checks of <see cref="HostOption.Check"/>: each returns what is wrong with a value, or <see langword="null"/>.</summary>
internal static class ValueChecks
{
    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; <paramref name="what"/> says so in words.</summary>
    public static Func<string, string?> Integer(int min, int max, string what) =>
        value => int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? null
            : $"must be {what}";

    /// <summary>A number of seconds above 0.</summary>
    public static string? PositiveSeconds(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && double.IsFinite(seconds)
            ? null
            : "must be a number of seconds above 0, such as 15 or 2.5";

    /// <summary>An IP address.</summary>
    public static string? IpAddress(string value) =>
        System.Net.IPAddress.TryParse(value, out _) ? null : "must be an IP address, such as 0.0.0.0 or 127.0.0.1";
}
