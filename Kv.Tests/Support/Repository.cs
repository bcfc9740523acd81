namespace Kv.Tests.Support;

/// <summary>The repository the tests were built from: for tests that check its documents against the code.</summary>
internal static class Repository
{
    /// <summary>The folder holding <c>kv.sln</c>, above the test's output folder.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The text of a file of the repository, by its path from the root (<c>/</c>-separated).</summary>
    public static string ReadText(string path) => File.ReadAllText(Path.Combine(Root, path));

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "kv.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("kv.sln not found above the test's directory.");
    }
}
