using System.Text.RegularExpressions;
using Kv.Tests.Support;

namespace Kv.Tests.Samples;

/// <summary>
/// The README's C# cannot drift from code that compiles: every <c>```csharp</c> block follows a line
/// <c>&lt;!-- sample: PATH --&gt;</c> and equals, line for line, the part of that file between
/// <c>// &lt;readme&gt;</c> and <c>// &lt;/readme&gt;</c>. The files are projects of <c>samples/</c>,
/// built with the solution and run by <see cref="SampleTests"/> (and by <c>dotnet test kv.sln</c>).
/// </summary>
public sealed partial class ReadmeSamplesTests
{
    private const string Begin = "// <readme>";
    private const string End = "// </readme>";

    public static TheoryData<string> Blocks() => [.. CSharpBlocks(Readme()).Select(block => block.Path ?? $"(block at line {block.Line} names no sample)")];

    [Theory]
    [MemberData(nameof(Blocks))]
    public void EveryCSharpBlock_IsItsSampleFilesMarkedRegion_Verbatim(string path)
    {
        var block = CSharpBlocks(Readme()).First(b => (b.Path ?? $"(block at line {b.Line} names no sample)") == path);
        Assert.True(block.Path is not null, $"README.md line {block.Line}: a C# block must follow a line '<!-- sample: samples/PROJECT/FILE.cs -->' naming the compiled file it shows.");
        Assert.StartsWith("samples/", block.Path, StringComparison.Ordinal);

        var region = MarkedRegion(Repository.ReadText(block.Path));

        AssertSameLines(region, block.Lines, $"README.md line {block.Line} against {block.Path}");
    }

    [Fact]
    public void EverySampleWithAMarkedRegion_IsShownInTheReadme()
    {
        var shown = CSharpBlocks(Readme()).Select(b => b.Path).ToHashSet(StringComparer.Ordinal);
        var marked = Directory.EnumerateFiles(Path.Combine(Repository.Root, "samples"), "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && File.ReadAllText(file).Contains(Begin, StringComparison.Ordinal))
            .Select(file => Path.GetRelativePath(Repository.Root, file).Replace(Path.DirectorySeparatorChar, '/'))
            .ToList();

        Assert.NotEmpty(marked);
        Assert.All(marked, file => Assert.Contains(file, shown));
    }

    [Fact]
    public void AChangedLine_IsTold_WithTheLineThatDiffers()
    {
        var error = Assert.ThrowsAny<Exception>(() => AssertSameLines(["a", "b"], ["a", "c"], "test"));

        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    private static string Readme() => Repository.ReadText("README.md");

    private static List<string> MarkedRegion(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var begin = Array.IndexOf(lines, Begin);
        var end = Array.IndexOf(lines, End);
        Assert.True(begin >= 0 && end > begin, $"no region between '{Begin}' and '{End}' lines");
        return [.. lines[(begin + 1)..end]];
    }

    private static void AssertSameLines(IReadOnlyList<string> expected, IReadOnlyList<string> actual, string what)
    {
        for (var i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            var want = i < expected.Count ? expected[i] : "(nothing)";
            var have = i < actual.Count ? actual[i] : "(nothing)";
            Assert.True(want == have, $"{what}: line {i + 1} of the region differs.\n  sample: {want}\n  README: {have}");
        }
    }

    private static IEnumerable<(int Line, string? Path, List<string> Lines)> CSharpBlocks(string readme)
    {
        var lines = readme.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i] != "```csharp")
            {
                continue;
            }

            var sample = i > 0 ? SampleComment().Match(lines[i - 1]) : Match.Empty;
            var end = Array.IndexOf(lines, "```", i + 1);
            Assert.True(end > i, $"README.md line {i + 1}: a C# block that never ends");
            yield return (i + 1, sample.Success ? sample.Groups["path"].Value : null, [.. lines[(i + 1)..end]]);
            i = end;
        }
    }

    [GeneratedRegex(@"^<!-- sample: (?<path>\S+) -->$")]
    private static partial Regex SampleComment();
}
