using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using Kv.Benchmarks;
using Kv.Tests.Support;

namespace Kv.Tests.Budgets;

/// <summary>
/// Every budget of <c>Kv.Benchmarks/AllocationBudgets.md</c>, checked on every push: each row's
/// benchmark method is run, warmed up, in a loop on this thread, and the bytes it allocates per
/// operation (<see cref="GC.GetAllocatedBytesForCurrentThread"/>) must not exceed the row's budget.
/// The table is read from the file, so a budget changed there is the budget tested here.
/// </summary>
public sealed partial class AllocationBudgetTests
{
    private const int WarmUp = 2_000;
    private const int Measured = 2_000;

    public static TheoryData<string, long> Budgets()
    {
        var data = new TheoryData<string, long>();
        foreach (var (benchmark, budget) in ReadBudgets())
        {
            data.Add(benchmark, budget);
        }

        return data;
    }

    [Fact]
    public void TheTable_CoversEveryBenchmarkWithAMemoryBudget()
    {
        var budgeted = ReadBudgets().Select(b => b.Benchmark).ToHashSet(StringComparer.Ordinal);
        var benchmarks = typeof(CommandParserBenchmarks).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<MemoryDiagnoserAttribute>() is not null)
            .SelectMany(t => t.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null).Select(m => $"{t.Name}.{m.Name}"));

        Assert.All(benchmarks, benchmark => Assert.True(budgeted.Contains(benchmark), $"{benchmark} has no row in AllocationBudgets.md"));
    }

    [Theory]
    [MemberData(nameof(Budgets))]
    public void Benchmark_AllocatesWithinItsBudget(string benchmark, long budget)
    {
        var allocated = BytesPerOperation(benchmark);

        Assert.True(allocated <= budget, $"{benchmark} allocates {allocated} B per operation; its budget in AllocationBudgets.md is {budget} B.");
    }

    /// <summary>Runs the benchmark method as BenchmarkDotNet would (setup, then the method alone) and measures it.</summary>
    private static double BytesPerOperation(string benchmark)
    {
        var dot = benchmark.IndexOf('.', StringComparison.Ordinal);
        var type = typeof(CommandParserBenchmarks).Assembly.GetTypes().Single(t => t.Name == benchmark[..dot]);
        var method = type.GetMethod(benchmark[(dot + 1)..]) ?? throw new InvalidOperationException($"{benchmark} is not a method.");
        var instance = Activator.CreateInstance(type)!;
        type.GetMethods().SingleOrDefault(m => m.GetCustomAttribute<GlobalSetupAttribute>() is not null)?.Invoke(instance, null);
        var operations = method.GetCustomAttribute<BenchmarkAttribute>()!.OperationsPerInvoke;

        // A delegate bound to the instance calls the method with no reflection (which allocates) in the loop.
        var run = method.ReturnType == typeof(void)
            ? method.CreateDelegate<Action>(instance)
            : (Action)typeof(AllocationBudgetTests).GetMethod(nameof(Discarding), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(method.ReturnType)
                .Invoke(null, [method.CreateDelegate(typeof(Func<>).MakeGenericType(method.ReturnType), instance)])!;
        try
        {
            for (var i = 0; i < WarmUp; i++)
            {
                run();
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Measured; i++)
            {
                run();
            }

            return (double)(GC.GetAllocatedBytesForCurrentThread() - before) / Measured / operations;
        }
        finally
        {
            type.GetMethods().SingleOrDefault(m => m.GetCustomAttribute<GlobalCleanupAttribute>() is not null)?.Invoke(instance, null);
        }
    }

    // The result goes to a field of its own type: boxing it would be an allocation the benchmark did not make.
    private static Action Discarding<T>(Func<T> benchmark) => () => Sink<T>.Value = benchmark();

    private static class Sink<T>
    {
        public static T? Value { get; set; }
    }

    /// <summary>The table's rows: <c>| `Class.Method` (, `Method`)* | budget | why |</c>, the budget being bytes or text with the bytes in parentheses.</summary>
    private static IEnumerable<(string Benchmark, long Budget)> ReadBudgets()
    {
        var table = Repository.ReadText("Kv.Benchmarks/AllocationBudgets.md");
        foreach (Match row in BudgetRow().Matches(table))
        {
            var budget = long.Parse(row.Groups["budget"].Value, CultureInfo.InvariantCulture);
            var names = row.Groups["names"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(n => n.Trim('`')).ToArray();
            var type = names[0][..names[0].IndexOf('.', StringComparison.Ordinal)];
            foreach (var name in names)
            {
                yield return (name.Contains('.', StringComparison.Ordinal) ? name : $"{type}.{name}", budget);
            }
        }
    }

    [GeneratedRegex(@"^\| (?<names>`\w+\.\w+`(?:, `\w+`)*) \| (?:[^|(]*\()?(?<budget>\d+)[^|]*\|", RegexOptions.Multiline)]
    private static partial Regex BudgetRow();
}
