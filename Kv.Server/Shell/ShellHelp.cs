namespace Kv.Server.Shell;

/// <summary>One shell command as <c>help</c> shows it: its usage, a one-line summary, and what <c>help NAME</c> adds.</summary>
/// <param name="Name">What the line starts with.</param>
/// <param name="Usage">The command with its arguments.</param>
/// <param name="Summary">One line: what it does.</param>
/// <param name="Details">More lines for <c>help NAME</c>: what it prints, how it fails, an example.</param>
/// <param name="TakesNode">Whether its first argument is a node name (Tab completes node names there).</param>
internal sealed record ShellCommandHelp(string Name, string Usage, string Summary, string Details, bool TakesNode = false);

/// <summary>The shell's commands, in the order <c>help</c> lists them: the one table that help and Tab completion read.</summary>
internal static class ShellHelp
{
    public static IReadOnlyList<ShellCommandHelp> Commands { get; } =
    [
        new("get", "get BUCKET KEY", "the value of KEY in BUCKET",
            """
            Goes through the router, as the text server's GET does. Prints the value as a string,
            nil when the key has none, ** not found when the bucket does not exist.
              get shopping milk
            """),
        new("put", "put BUCKET KEY VALUE", "store VALUE under KEY in BUCKET",
            """
            Goes through the router, as the text server's PUT does; prints :ok. Quote a value with spaces.
              put shopping milk 3
              put shopping note "two bottles"
            """),
        new("create", "create BUCKET", "create BUCKET (nothing when it exists)",
            """
            Goes through the router, as the text server's CREATE does; prints :ok.
              create shopping
            """),
        new("delete", "delete BUCKET KEY", "remove KEY from BUCKET",
            """
            Goes through the router, as the text server's DELETE does; prints :ok.
              delete shopping milk
            """),
        new("node", "node", "this node's name", "nonode@nohost when the node was started without --sname or --name."),
        new("nodes", "nodes", "the nodes this one is linked to", "Visible nodes only, as Erlang's Node.list(); hidden ones are in info."),
        new("info", "info", "this node, its links, its counters",
            """
            The node's name, creation and process count; a line per link (direction, the peer's creation,
            bytes queued, time spent busy, how long it has been up); then every kv.* counter and gauge,
            the numbers dotnet-counters shows.
            """),
        new("connect", "connect N", "link to node N", "Prints true when the link is up, false when N cannot be reached.", TakesNode: true),
        new("disconnect", "disconnect N", "drop the link to node N", "Prints false when there was no link; the link comes back on next use.", TakesNode: true),
        new("ping", "ping N", "pong when N answers, else pang", "Sets up the link when there is none, as Erlang's Node.ping/1.", TakesNode: true),
        new("rpc", "rpc N Module.Function args...", "run an exported function on N",
            """
            Output the function prints comes back here, before its value.
              rpc foo Kernel.Node
              rpc foo Timer.Sleep 2000
            """,
            TakesNode: true),
        new("spawn", "spawn N Module.Function args...", "start a process on N running one",
            """
            Prints the new process's pid; what it prints later appears here, above the prompt.
              spawn foo Hello.World
            """,
            TakesNode: true),
        new("route", "route BUCKET Module.Function args...", "run it on the node that owns BUCKET",
            """
            The guide's KV.Router.route: the bucket's first letter picks the node.
              route hello Kernel.Node
            """),
        new("help", "help [COMMAND]", "this list, or more about one command", "  help put"),
        new("quit", "quit", "stop the node", "exit does the same. In a terminal so do Ctrl+D on an empty line and Ctrl+C twice."),
    ];

    /// <summary>The command names, for Tab completion.</summary>
    public static IEnumerable<string> Names => Commands.Select(c => c.Name);

    /// <summary>What <c>help</c> prints: a line per command, then how arguments are written.</summary>
    public static string Overview { get; } = string.Join(
        Environment.NewLine,
        [
            .. Commands.Select(c => $"{c.Usage,-38}{c.Summary}"),
            "get, put, create and delete go through the router to the node that owns the bucket.",
            "N is a short name (foo, this host) or name@host. Arguments: 42, 1.5, true, false, nil,",
            ":atom, \"quoted text\", or a bare word (a string). help COMMAND says more about one.",
        ]);

    /// <summary>The command named <paramref name="name"/>, or <see langword="null"/>.</summary>
    public static ShellCommandHelp? Find(string name) =>
        name == "exit" ? Find("quit") : Commands.FirstOrDefault(c => c.Name == name);

    /// <summary>What <c>help NAME</c> prints.</summary>
    public static string Describe(ShellCommandHelp command) =>
        $"{command.Usage}{Environment.NewLine}  {command.Summary}.{Environment.NewLine}{command.Details}";
}
