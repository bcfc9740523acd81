namespace Kv.Tests.MultiHost;

/// <summary>
/// The multi-host tests run one at a time and alone, after the rest of the suite: each starts two
/// or three node processes and measures how long faults take to show, which the other tests'
/// processes on the same two cores would blur.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MultiHostSequence
{
    public const string Name = "MultiHost";
}
