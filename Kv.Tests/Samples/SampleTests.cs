using System.Globalization;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Kv.Tests.Support;

namespace Kv.Tests.Samples;

/// <summary>
/// The console samples of <c>samples/</c> (the README's C#, verbatim: <see cref="ReadmeSamplesTests"/>)
/// run as their own processes, as a reader runs them, and print what the README says they do. The
/// test project references them, so their builds are beside the tests.
/// </summary>
public sealed class SampleTests : ClusterTestBase
{
    private static string SampleAssembly(string name) => Path.Combine(AppContext.BaseDirectory, $"Kv.Samples.{name}.dll");

    [Fact]
    public async Task Buckets_UsesKvCoreInProcess()
    {
        var run = await HostCommand.TryRunAsync("dotnet", [SampleAssembly("Buckets")]);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal("milk=1 same=True after-stop=False", run.Output.Trim());
    }

    [DistributedFact]
    public async Task EmbeddedNode_StartedWithOneCall_TalksToANodeProcess_ExportsItsModule_AndRoutesByNodesJson()
    {
        var nodesFile = Cluster.WriteNodesFile();
        var (foo, _, fooServer) = await Cluster.StartServingNodeAsync("foo", extra: ["--nodes", nodesFile]);
        var folder = Directory.CreateTempSubdirectory("kv-sample-");
        try
        {
            File.Copy(nodesFile, Path.Combine(folder.FullName, "nodes.json"));
            var environment = new Dictionary<string, string>
            {
                [PortMapperOptions.PortVariable] = Cluster.PortMapperPort.ToString(CultureInfo.InvariantCulture),
                [Cookie.EnvironmentVariable] = NodeCluster.CookieValue,
            };

            var run = await HostCommand.TryRunAsync("dotnet", [SampleAssembly("EmbeddedNode"), Cluster.NameOf("bar").Name, foo.ToString()], environment: environment, workingDirectory: folder.FullName);

            Assert.True(run.ExitCode == 0, run.Output + run.Error);
            Assert.Equal([foo.ToString(), "ok", "hello world", "apples: milk=1"], run.Output.ReplaceLineEndings("\n").Trim().Split('\n'));

            // "apples" is foo's by nodes.json: the sample's router put it there.
            await using var client = await TextClient.ConnectAsync(fooServer);
            Assert.Equal("1", await client.CommandAsync("GET apples milk"));
            Assert.Equal("OK", await client.ReadLineAsync());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
